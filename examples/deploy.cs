// Shipping a policy without TorchSharp: train CartPole-v1 briefly, export it as policy.onnx, then
// load it with A2C.Policy alone (no native library: what a Unity or Godot game would reference) and
// play an episode with its deterministic actions.
//   ./a2c run examples/deploy.cs [-- STEPS]        (default 100,000 env steps)
#:project ../src/A2C.Training/A2C.Training.csproj
#:project ../src/A2C.Policy/A2C.Policy.csproj
#:property TieredCompilationQuickJit=false
using System.Globalization;
using A2C.Envs;
using A2C.Runtime;
using A2C.Training;

var steps = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 100_000L;
var path = Path.Combine(Path.GetTempPath(), $"a2c-deploy-{Environment.ProcessId}.onnx");

// 1. Train and export: this half needs A2C.Training (and TorchSharp).
using (var trainer = new Trainer(new A2COptions { Env = "CartPole-v1", TotalTimesteps = steps, Seed = 1 }))
{
    var training = trainer.Run();
    var exported = OnnxExport.Write(trainer, path);
    Print($"trained {training.TotalTimesteps:N0} steps (last-100 mean return {training.FinalMeanReturn ?? double.NaN:F1}); wrote {path} ({exported.Bytes.Length:N0} bytes)");
}

// 2. Deploy: from here on only A2C.Policy is used to act; the env is the game's side.
var policy = Policy.Load(path);
Print($"loaded {policy.Env}: {policy.ObservationSize} floats in, {policy.ActionKind}({policy.ActionCounts[0]}) out");
using var env = Registry.Make("CartPole-v1");
var observation = env.Reset(seed: 42);
var (episodeReturn, length, done) = (0.0, 0, false);
while (!done)
{
    var action = policy.ActDeterministic(observation).Discrete;
    var step = env.Step(action);
    (observation, episodeReturn, length, done) = (step.Observation, episodeReturn + step.Reward, length + 1, step.Terminated || step.Truncated);
}

Print($"one episode with A2C.Policy's deterministic actions: return {episodeReturn:F1} over {length} steps (V(s0) was {policy.Value(env.Reset(seed: 42)):F2})");
File.Delete(path);

static void Print(FormattableString line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));
