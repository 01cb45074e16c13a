// The seed article, section 4: a rollout's shapes. Collects one n-step rollout over N CartPole-v1
// envs with the host's rollout stream (RolloutStream.CreateRollouts, the trainer's own machinery)
// and a fresh agent, views its flat time-major arrays (index t * N + e) as tensors, and prints each
// one's shape: observations [n_steps, n_envs, obs_dim], actions, rewards, dones, values, the log
// probabilities the learner recomputes, and the advantages and returns of the core's GAE. Then one
// env's steps, row by row.
//   ./a2c run examples/article-4-rollout.cs          (trains nothing; a budget argument is ignored)
#:project ../src/A2C.Training/A2C.Training.csproj
#:property TieredCompilationQuickJit=false
using System.Globalization;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using A2C.Core;
using A2C.Envs.Spaces;
using A2C.Envs.Vector;
using A2C.Training;
using static TorchSharp.torch;

var options = A2COptions.SeedPreset(A2COptions.Defaults) with { Env = "CartPole-v1", NEnvs = 4, NSteps = 16, Seed = 1 };
A2C.Training.TorchRuntime.EnsureLoadable();   // before any tensor: a clear message if libtorch cannot load
set_num_threads(1);
using var env = VectorEnv.Make(options.Env, options.NEnvs);
manual_seed(options.Seed);
using var model = new ActorCritic(new PolicySpec(env.ObservationSize, ((Discrete)env.SingleActionSpace).N, false, options.Net, options.NetArch, options.Activation, options.OrthoInit, options.LogStdInit));
using var agent = new Agent(model, options.Seed + 1L, CPU);

// The stream refills one buffer for every rollout: take one and use it inside OnNext.
RolloutStream.CreateRollouts(env, agent, options.NSteps, options.Seed, Scheduler.CurrentThread)
    .Take(1)
    .Subscribe(buffer => Show(buffer, agent, options));

static void Show(RolloutBuffer buffer, Agent agent, A2COptions options)
{
    int steps = buffer.Steps, envs = buffer.Envs, obs = buffer.ObservationSize;
    long[] grid = [steps, envs];
    using var scope = NewDisposeScope();
    using var _ = no_grad();

    // What the learner does with it: V(s_T) of the states after the last step, to bootstrap from;
    // the core's GAE; one batched forward pass over all n_steps * n_envs observations.
    var lastValues = new float[envs];
    agent.Values(buffer.NextObservations, envs, lastValues);
    var rollout = Rollout.Create(steps, envs, buffer.Rewards, buffer.Values, buffer.Terminated, buffer.Truncated, buffer.FinalValues, lastValues);
    var estimates = Gae.Estimate(options.Gamma, options.GaeLambda, rollout);
    var observations = tensor(buffer.Observations, [steps, envs, obs]);
    var actions = tensor(buffer.DiscreteActions.Select(a => (long)a).ToArray(), grid);
    var (logits, values) = agent.Model.Evaluate(observations.view(steps * envs, obs));
    var logProbs = Distributions.CategoricalLogProb(logits, actions.view(steps * envs)).view(grid);
    var dones = buffer.Terminated.Zip(buffer.Truncated, (a, b) => a || b).ToArray();

    Print($"one rollout of {options.Env}: n_steps {steps}, n_envs {envs}, obs_dim {obs}; flat arrays are time-major (index t * n_envs + e)");
    Console.WriteLine();
    Print($"{"array",-18} {"shape",-12} {"dtype",-8} what");
    var rows = new (string Name, Tensor Value, string What)[]
    {
        ("observations", observations, "s_t at which each action was taken"),
        ("actions", actions, "a_t, sampled from the policy"),
        ("rewards", tensor(buffer.Rewards, grid), "r_t"),
        ("dones", tensor(dones, grid), "terminated or truncated at t (the env reset in the same step)"),
        ("values", tensor(buffer.Values, grid), "V(s_t) when the step was collected"),
        ("log_probs", logProbs, "log pi(a_t | s_t), recomputed by the learner's forward pass"),
        ("advantages", tensor(estimates.Advantages, grid), $"GAE, gamma {options.Gamma}, lambda {options.GaeLambda}"),
        ("returns", tensor(estimates.Returns, grid), "advantages + values: the critic's targets"),
        ("last_values", tensor(lastValues, [envs]), "V(s_T) after the last step, to bootstrap from"),
        ("logits (batch)", logits, "the learner's forward pass over n_steps * n_envs observations"),
    };
    foreach (var (name, value, what) in rows)
    {
        Print($"{name,-18} {Shape(value),-12} {value.dtype.ToString().ToLowerInvariant(),-8} {what}");
    }

    var e = Enumerable.Range(0, envs).FirstOrDefault(i => Enumerable.Range(0, steps).Any(t => dones[t * envs + i]));
    Console.WriteLine();
    Print($"env {e}, step by step (observations[t, {e}], actions[t, {e}], ...):");
    Console.WriteLine();
    Print($"{"t",3}  {"observation",-37}  {"a",1} {"r",4} {"done",-5} {"V(s)",7} {"log pi",7} {"A",8} {"R",8}");
    var lp = logProbs.data<float>().ToArray();
    for (var t = 0; t < steps; t++)
    {
        var i = t * envs + e;
        var o = buffer.Observations.AsSpan(i * obs, obs).ToArray();
        var state = string.Join(" ", o.Select(x => x.ToString("F4", CultureInfo.InvariantCulture).PadLeft(8)));
        Print($"{t,3}  [{state}]  {buffer.DiscreteActions[i],1} {buffer.Rewards[i],4:0.#} {(dones[i] ? "yes" : ""),-5} {buffer.Values[i],7:F4} {lp[i],7:F4} {estimates.Advantages[i],8:F4} {estimates.Returns[i],8:F4}");
    }
}

static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";

static void Print(FormattableString line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));
