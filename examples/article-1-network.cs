// The seed article, section 1: the actor-critic network. Parameter counts per layer of the shared
// network the article uses (one trunk, an actor head and a critic head) and of Stable-Baselines3's
// separate pi and vf networks, for CartPole-v1's 4 observations and 2 actions; the totals for every
// registered env; then one forward pass of a fresh shared network on a few CartPole observations.
//   ./a2c run examples/article-1-network.cs          (trains nothing; a budget argument is ignored)
#:project ../src/A2C.Training/A2C.Training.csproj
#:property TieredCompilationQuickJit=false
using System.Globalization;
using A2C.Core;
using A2C.Envs;
using A2C.Envs.Spaces;
using A2C.Training;
using static TorchSharp.torch;

var seedPreset = A2COptions.SeedPreset(A2COptions.Defaults);   // shared trunk, 64x64 tanh
A2C.Training.TorchRuntime.EnsureLoadable();   // before any tensor: a clear message if libtorch cannot load
set_num_threads(1);

// The network of an env: its spaces decide the features extractor, the input width and the actor head.
PolicySpec SpecFor(IEnv env, NetKind net) => PolicySpec.For(env.ObservationSpace, env.ActionSpace, seedPreset with { Net = net });

using (var cartPole = Registry.Make("CartPole-v1"))
{
    Print($"CartPole-v1: {cartPole.ObservationSpace.FlatSize} observations, {cartPole.ActionSpace} actions, hidden layers {string.Join("x", seedPreset.NetArch)} ({seedPreset.Activation})");
    foreach (var net in new[] { NetKind.Shared, NetKind.Separate })
    {
        manual_seed(0);
        using var model = new ActorCritic(SpecFor(cartPole, net));
        var layout = model.Flat.Layout;
        Console.WriteLine();
        Print($"{net + " network",-26} {"in -> out",12} {"weights",8} {"biases",7} {"parameters",11}");
        var trunk = net == NetKind.Shared ? "trunk" : "pi";
        var rows = layout.PolicyTrunk.Select((s, i) => ($"{trunk} hidden layer {i + 1}", s))
            .Concat(layout.ValueTrunk.Select((s, i) => ($"vf hidden layer {i + 1}", s)))
            .Append(("actor head (logits)", layout.ActorHead))
            .Append(("critic head (value)", layout.CriticHead));
        foreach (var (name, slot) in rows)
        {
            Print($"  {name,-24} {slot.In,4} -> {slot.Out,-4} {slot.In * slot.Out,8:N0} {slot.Out,7:N0} {slot.In * slot.Out + slot.Out,11:N0}");
        }

        Print($"  {"total",-24} {"",12} {"",8} {"",7} {layout.Count,11:N0}   (ActorCritic.ParameterCount(): {model.ParameterCount():N0})");
    }
}

// Every registered env: the network's size follows its observation and action spaces.
Console.WriteLine();
Print($"{"env",-26} {"obs",5}  {"actions",-26} {"shared",9} {"separate",9}");
foreach (var spec in Registry.Specs)
{
    using var env = Registry.Make(spec.Id);
    long Count(NetKind net)
    {
        manual_seed(0);
        using var model = new ActorCritic(SpecFor(env, net));
        return model.ParameterCount();
    }

    Print($"{spec.Id,-26} {env.ObservationSpace.FlatSize,5}  {env.ActionSpace,-26} {Count(NetKind.Shared),9:N0} {Count(NetKind.Separate),9:N0}");
}

Console.WriteLine("(box actions add one state-independent log std per action dimension)");

// A forward pass: observations [batch, 4] in, logits [batch, 2] and values [batch] out.
{
    using var env = Registry.Make("CartPole-v1");
    var batch = new List<float[]>();
    for (var seed = 0; seed < 4; seed++)
    {
        batch.Add(env.Reset(seed));
    }

    for (var push = 0; push < 4; push++)
    {
        batch.Add(env.Step(1).Observation);        // keep pushing right: the pole falls left
    }

    manual_seed(0);
    using var model = new ActorCritic(SpecFor(env, NetKind.Shared));
    using var scope = NewDisposeScope();
    using var _ = no_grad();
    var observations = tensor(batch.SelectMany(o => o).ToArray(), [batch.Count, env.ObservationSpace.FlatSize]);
    var (logits, values) = model.Evaluate(observations);
    var probabilities = logits.softmax(1);
    var entropies = Distributions.CategoricalEntropy(logits);
    Console.WriteLine();
    Print($"forward pass of a fresh shared network (seed 0, orthogonal init: actor head gain 0.01), batch of {batch.Count}:");
    Print($"shapes: observations {Shape(observations)} -> logits {Shape(logits)}, values {Shape(values)}");
    Console.WriteLine();
    Print($"  {"observation [x, x_dot, theta, th_dot]",-37}  {"logits [l, r]",-17}  {"pi(l)    pi(r)",17}  {"value",8} {"entropy",8}");
    var l = logits.data<float>().ToArray();
    var p = probabilities.data<float>().ToArray();
    var v = values.data<float>().ToArray();
    var h = entropies.data<float>().ToArray();
    for (var i = 0; i < batch.Count; i++)
    {
        var o = batch[i];
        Print($"  [{o[0],8:F4} {o[1],8:F4} {o[2],8:F4} {o[3],8:F4}]  [{l[2 * i],7:F4} {l[2 * i + 1],7:F4}]  {p[2 * i],8:F4} {p[2 * i + 1],8:F4}  {v[i],8:F4} {h[i],8:F4}");
    }

    Print($"a fresh policy is nearly uniform: entropy close to ln 2 = {Math.Log(2):F4}, the most a two-action policy can have.");
}

static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";

static void Print(FormattableString line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));
