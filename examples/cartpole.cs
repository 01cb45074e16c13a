// Quick start: A2C on CartPole-v1 with Stable-Baselines3's defaults, three seeds, from C#.
//   ./a2c run examples/cartpole.cs [-- STEPS]        (default 200,000 env steps per seed)
// or, without the launcher: dotnet run -c Release examples/cartpole.cs (README, Experiments from C#).
#:project ../src/A2C.Training/A2C.Training.csproj
#:property TieredCompilationQuickJit=false
using System.Globalization;
using A2C.Training;

var steps = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 200_000L;
var experiment = Experiment.On("CartPole-v1").Envs(8).Seeds(1, 2, 3).With(o => o with { NSteps = 5 });

// Progress arrives as an Rx stream: one report per update, here printed every 500 updates.
using var progress = experiment.Progress
    .Subscribe(r =>
    {
        if (r.Update % 500 == 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  update {r.Update,6}  steps {r.TotalTimesteps,9:N0}  mean return {r.RecentMeanReturn ?? double.NaN,7:F1}  {r.Fps,9:N0} steps/s"));
        }
    });

var result = experiment.Run(steps);
Console.WriteLine();
Console.WriteLine("seed  steps      train s   last-100 mean  eval mean");
foreach (var seed in result.Seeds)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{seed.Seed,4}  {seed.Training.TotalTimesteps,9:N0}  {seed.Training.WallSeconds,7:F2}  {seed.Training.FinalMeanReturn ?? double.NaN,13:F1}  {seed.Evaluation?.Mean ?? double.NaN,9:F1}"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"evaluation over seeds: {result.MeanEvaluation:F1} ± {result.StdEvaluation:F1}"));
