using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using A2C.Core;
using A2C.Envs;
using A2C.Envs.Remote;
using A2C.Training;
using Spectre.Console;

namespace A2C.Cli;

/// <summary>
/// One training run as the CLI shows it: the run directory's sinks (<see cref="RunSinks"/>) composed
/// with the console's progress (a live bar on a terminal, plain lines otherwise), then the final
/// files, the evaluation and the summary.
/// </summary>
internal static class TrainingSession
{
    public static int Run(Trainer trainer, EnvSpec spec, RunFiles files, string? summaryPath, bool stopAtThreshold, Evaluations evaluations, int logInterval, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        try
        {
            return Train(trainer, spec, files, summaryPath, stopAtThreshold, evaluations, logInterval, stdout, stderr, cancellation);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A write failed (a full disk, a file system gone read-only): training stops there. The
            // checkpoint is replaced only by a complete new one, so the last one is still good.
            stderr.WriteLine($"a2c train: {FileErrors.Reason(e)}.");
            stderr.WriteLine(File.Exists(files.CheckpointPath)
                ? $"a2c train: the last checkpoint, {files.CheckpointPath}, is intact; {(FileErrors.IsDiskFull(e) ? "free some space, then " : string.Empty)}continue with --resume {files.CheckpointPath}."
                : "a2c train: no checkpoint had been written yet.");
            return CliApp.Failure;
        }
    }

    private static int Train(Trainer trainer, EnvSpec spec, RunFiles files, string? summaryPath, bool stopAtThreshold, Evaluations evaluations, int logInterval, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var options = trainer.Options;
        var directory = files.Directory;
        {
            stdout.WriteLine($"a2c train: {options.Env}, {options.NEnvs} envs, {options.TotalTimesteps:N0} steps, seed {options.Seed}, {trainer.Agent.Model.ParameterCount():N0} parameters, run dir {directory}");
            using var sinks = RunSinks.Subscribe(trainer, files, logInterval);
            using var periodic = evaluations.Every > 0
                ? trainer.Reports.Subscribe(new EvaluationSink(trainer, directory, evaluations.Every, evaluations.Episodes, trainer.Timesteps > 0 ? trainer.Timesteps : null, (steps, result) =>
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"eval at {steps:N0} steps: {result.Mean:F2} ± {result.Std:F2} over {result.Episodes.Count} episodes"))))
                : null;
            // A live bar on a terminal; plain periodic lines when output goes to a file or a pipe.
            var live = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
            ProgressTask? bar = null;
            using var skips = trainer.SkippedRollouts.Subscribe(e =>
                stderr.WriteLine($"a2c train: dropped a rollout (--nan-policy skip): {e.Message} ({trainer.Skipped} dropped so far)"));
            using var console = trainer.Reports.Subscribe(report =>
            {
                if (bar is not null)
                {
                    bar.Value = report.TotalTimesteps;
                    bar.Description = Markup.Escape(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{report.Fps:N0} steps/s  return {Text(report.RecentMeanReturn)}  policy {report.Stats.PolicyLoss:F3}  value {report.Stats.ValueLoss:F3}  entropy {report.Stats.Entropy:F2}"));
                }

                if (!live && ProgressSink.Logs(report, logInterval))
                {
                    stdout.WriteLine(ProgressLine(report));
                }
            });

            TrainingResult result;
            try
            {
                if (live)
                {
                    TrainingResult? outcome = null;
                    AnsiConsole.Progress()
                        .AutoClear(false)
                        .Columns(new ProgressBarColumn { Width = 24 }, new PercentageColumn(), new RemainingTimeColumn(), new TaskDescriptionColumn { Alignment = Justify.Left })
                        .Start(context =>
                        {
                            bar = context.AddTask("starting", maxValue: options.TotalTimesteps);
                            outcome = trainer.Run(stopAtThreshold, cancellation);
                            bar.Value = bar.MaxValue;
                        });
                    result = outcome!;
                }
                else
                {
                    result = trainer.Run(stopAtThreshold, cancellation);
                }
            }
            catch (RolloutException e)
            {
                // The env failed (a remote simulator died or stopped answering, or an env threw):
                // the last checkpoint is what survives; this state is not written over it.
                stderr.WriteLine($"a2c train: {e.Message}");
                stderr.WriteLine(File.Exists(files.CheckpointPath)
                    ? $"a2c train: the last checkpoint, {files.CheckpointPath}, is intact; continue with --resume {files.CheckpointPath}."
                    : "a2c train: no checkpoint had been written yet.");
                return CliApp.Failure;
            }

            files.WriteFinal(trainer.CaptureState());

            var evalEpisodes = evaluations.Final;
            var eval = evalEpisodes > 0 && !result.Cancelled ? trainer.Evaluate(evalEpisodes, trainer.EvaluationSeed) : null;
            var solved = eval is not null && spec.RewardThreshold is { } t && eval.Mean >= t;
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"done: {result.TotalTimesteps:N0} steps in {result.WallSeconds:F1} s ({result.Fps:N0} steps/s), {result.Episodes} episodes, last-100 mean {Text(result.FinalMeanReturn)}"));
            if (eval is not null)
            {
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"eval: {eval.Mean:F2} ± {eval.Std:F2} over {evalEpisodes} episodes (deterministic); solved: {(solved ? "true" : "false")}"));
            }

            if (summaryPath is not null)
            {
                var summary = new JsonObject
                {
                    ["env"] = options.Env,
                    ["seed"] = options.Seed,
                    ["total_timesteps"] = result.TotalTimesteps,
                    ["wall_seconds"] = result.WallSeconds,
                    ["fps"] = result.Fps,
                    ["skipped_rollouts"] = trainer.Skipped,
                    ["episodes"] = result.Episodes,
                    ["final_mean_return"] = result.FinalMeanReturn,
                    ["eval_mean_return"] = eval?.Mean,
                    ["eval_std_return"] = eval?.Std,
                    ["solved"] = solved,
                    // Stopped by a signal before its budget: a sweep resumes such runs.
                    ["cancelled"] = result.Cancelled,
                    ["run_dir"] = directory,
                };
                RunFiles.WriteAtomically(summaryPath, summary.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
            }

            return result.Cancelled ? CliApp.Interrupted : 0;
        }
    }

    private static string ProgressLine(UpdateReport report) => string.Create(
        CultureInfo.InvariantCulture,
        $"steps {report.TotalTimesteps,10:N0}  {report.Fps,8:N0} steps/s  episodes {report.EpisodeCount,6}  mean return {Text(report.RecentMeanReturn),8}  policy {report.Stats.PolicyLoss,8:F4}  value {report.Stats.ValueLoss,8:F4}  entropy {report.Stats.Entropy,6:F3}");

    private static string Text(double? x) => x is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "-";
}

/// <summary>A run's evaluations: <see cref="Final"/> episodes at the end, and <see cref="Episodes"/> every <see cref="Every"/> steps (0: none) into evaluations.csv.</summary>
internal sealed record Evaluations(int Final, long Every, int Episodes);
