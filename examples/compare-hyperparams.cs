// A hyperparameter comparison: Stable-Baselines3's A2C defaults against the seed article's preset
// (GAE lambda 0.95, Huber value loss, normalized advantages, entropy 0.01, shared network) on
// CartPole-v1, three seeds each; prints a table and draws both learning curves in one PNG.
//   ./a2c run examples/compare-hyperparams.cs [-- STEPS [PNG]]
//     STEPS: env steps per seed (default 200,000); PNG: the plot (default runs/compare-hyperparams.png)
#:project ../src/A2C.Training/A2C.Training.csproj
#:property TieredCompilationQuickJit=false
using System.Globalization;
using A2C.Training.Reporting;
using A2C.Training;

var steps = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 200_000L;
var png = args.Length > 1 ? args[1] : Path.Combine("runs", "compare-hyperparams.png");
const string Env = "CartPole-v1";
int[] seeds = [1, 2, 3];

(string Name, Func<A2COptions, A2COptions> Change)[] settings =
[
    ("SB3 defaults", o => o),
    ("seed preset", A2COptions.SeedPreset),
];

var results = new List<(string Name, ExperimentResult Result)>();
foreach (var (name, change) in settings)
{
    Console.WriteLine($"training '{name}' on {Env}: {seeds.Length} seeds x {steps:N0} steps");
    var result = Experiment.On(Env).Envs(8).Seeds(seeds).With(change).Evaluate(10).Run(steps);
    results.Add((name, result));
}

// Steps until the last-100 mean first reached the env's threshold (475 for CartPole-v1), from the curve.
var threshold = LearningCurves.Threshold(Env) ?? double.PositiveInfinity;
string Reached(SeedResult seed) =>
    seed.Curve.FirstOrDefault(p => p.MeanReturn >= threshold) is { Steps: > 0 } hit
        ? hit.Steps.ToString("N0", CultureInfo.InvariantCulture)
        : "-";

Console.WriteLine();
Console.WriteLine("setting        seed  last-100 mean  eval mean  reached 475 at  train s");
foreach (var (name, result) in results)
{
    foreach (var seed in result.Seeds)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-13} {seed.Seed,5}  {seed.Training.FinalMeanReturn ?? double.NaN,13:F1}  {seed.Evaluation?.Mean ?? double.NaN,9:F1}  {Reached(seed),14}  {seed.Training.WallSeconds,7:F2}"));
    }
}

Console.WriteLine();
foreach (var (name, result) in results)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-13} evaluation over {result.Seeds.Count} seeds: {result.MeanEvaluation:F1} ± {result.StdEvaluation:F1}"));
}

// The plot API takes the experiments' in-memory curves as it takes run directories.
var groups = results.Select(r => LearningCurves.FromExperiment(r.Result, r.Name)).ToArray();
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(png))!);
LearningCurves.SavePng(groups, png, new PlotOptions { Title = $"{Env}: SB3 defaults vs the seed preset ({seeds.Length} seeds)" });
Console.WriteLine($"wrote {png}");
