// A starting point for your own experiment: copy this file anywhere and run it with
//   ./a2c run path/to/starter.cs [-- STEPS [PNG]]     (from the A2C repo; any working directory)
// It picks an env, sets options, trains two seeds, evaluates them, and plots their learning curves.
// `a2c run` builds it in Release against this repo's library and puts the native library path in
// place; the #:project line below is kept when it reaches the library and replaced when it does not.
#:project ../src/A2C.Training/A2C.Training.csproj
#:property TieredCompilationQuickJit=false
using System.Globalization;
using A2C.Training;
using A2C.Training.Reporting;

var steps = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 100_000L;
var png = args.Length > 1 ? args[1] : Path.Combine("runs", "starter-curves.png");

// 1. The env: any registered id (./a2c env list), or one you register (examples/custom-env.cs).
const string Env = "CartPole-v1";

// 2. The options: Stable-Baselines3's A2C defaults, changed where you like (SB3's names).
var experiment = Experiment.On(Env)
    .Envs(8)
    .Seeds(1, 2)
    .With(o => o with { NSteps = 5, Gamma = 0.99f, EntCoef = 0.0f, LearningRate = A2C.Core.Schedule.NewConstant(7e-4) })
    .Evaluate(20);

// 3. Run: progress arrives as an Rx stream, one report per update.
using var progress = experiment.Progress.Subscribe(r =>
{
    if (r.Update % 1000 == 0)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  steps {r.TotalTimesteps,9:N0}  mean return {r.RecentMeanReturn ?? double.NaN,7:F1}  {r.Fps,9:N0} steps/s"));
    }
});
var result = experiment.Run(steps);

// 4. Evaluate: each seed's deterministic policy, then the spread across seeds.
foreach (var seed in result.Seeds)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed {seed.Seed}: {seed.Training.TotalTimesteps:N0} steps in {seed.Training.WallSeconds:F1} s, eval {seed.Evaluation?.Mean ?? double.NaN:F1}"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Env}: eval over seeds {result.MeanEvaluation:F1} ± {result.StdEvaluation:F1} (solved at {LearningCurves.Threshold(Env)?.ToString(CultureInfo.InvariantCulture) ?? "-"})"));

// 5. Plot: the mean learning curve with a ± std band across seeds.
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(png))!);
LearningCurves.SavePng([LearningCurves.FromExperiment(result, "A2C")], png);
Console.WriteLine($"learning curves: {Path.GetFullPath(png)}");
