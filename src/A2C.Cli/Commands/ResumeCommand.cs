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
/// <c>a2c train --resume</c>: continue a run from its checkpoint, in its run dir; a run stopped
/// before its first checkpoint starts again there from step 0.
/// </summary>
internal static class ResumeCommand
{
    /// <summary>
    /// Continues the run of <paramref name="checkpoint"/>; <paramref name="change"/> applies the
    /// options a resumed run may change (<see cref="ResumeRule.Free"/>), adding an error for a text that does not parse.
    /// </summary>
    public static int Resume(string checkpoint, Func<A2COptions, List<string>, A2COptions> change, string? summaryPath, bool stopAtThreshold, Evaluations evaluations, int logInterval, long every, RemoteEnvOptions remote, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        if (RunFiles.StoppedBeforeFirstCheckpoint(checkpoint))
        {
            return Restart(checkpoint, change, summaryPath, stopAtThreshold, evaluations, logInterval, every, remote, stdout, stderr, cancellation);
        }

        Trainer trainer;
        var refused = new List<string>();
        long? savedTotal = null;
        try
        {
            trainer = Trainer.Resume(checkpoint, o =>
            {
                savedTotal = o.TotalTimesteps;
                var changed = change(o, refused);
                refused.AddRange(CliApp.AsOptionErrors(Hyperparameters.Check(changed)));
                return refused.Count > 0 ? o : changed;
            }, remote: remote);
        }
        catch (UnknownEnvironmentException e)
        {
            throw CliErrors.Usage($"the checkpoint '{checkpoint}' is a run of an env this a2c does not have: {e.Message}", e);
        }

        using (trainer)
        {
            var total = trainer.Options.TotalTimesteps;
            if (total != savedTotal && total < trainer.Timesteps)
            {
                refused.Add(string.Create(CultureInfo.InvariantCulture, $"{Hyperparameters.TotalTimesteps.Cli} is {total}; allowed: at least the {trainer.Timesteps} steps the checkpoint has already taken."));
            }

            var directory = Path.GetDirectoryName(Path.GetFullPath(checkpoint)) ?? ".";
            if (ForeignRunDir(directory, trainer.Options) is { } foreign)
            {
                refused.Add($"the checkpoint '{checkpoint}' is not the run in its directory: {foreign} Resume a checkpoint from its own run dir.");
            }

            if (refused.Count > 0)
            {
                return CliApp.ReportUsageErrors(stderr, "a2c train", refused);
            }

            RunFiles files;
            try
            {
                files = RunFiles.Resume(directory, trainer.Timesteps, trainer.Episodes.Count);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"a2c train: {e.Message}");
                return CliApp.Failure;
            }

            using (files)
            {
                try
                {
                    RunFiles.WriteConfig(directory, trainer.Options, RunFiles.DeviceName(trainer.Device));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    stderr.WriteLine($"a2c train: {e.Message}");
                    return CliApp.Failure;
                }

                trainer.CheckpointEvery = every;
                stdout.WriteLine($"a2c train: resuming {trainer.Options.Env} at step {trainer.Timesteps:N0} of {trainer.Options.TotalTimesteps:N0}");
                return TrainingSession.Run(trainer, trainer.Spec, files, summaryPath, stopAtThreshold, evaluations, logInterval, stdout, stderr, cancellation);
            }
        }
    }

    /// <summary>
    /// A run killed before its first checkpoint has only its config.json (and the logs of steps it
    /// will take again): the same options and seed make the same run, so it starts again in its
    /// directory from step 0, its logs cut back to their headers.
    /// </summary>
    private static int Restart(string checkpoint, Func<A2COptions, List<string>, A2COptions> change, string? summaryPath, bool stopAtThreshold, Evaluations evaluations, int logInterval, long every, RemoteEnvOptions remote, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(checkpoint)) ?? ".";
        var config = Path.Combine(directory, "config.json");
        var stopped = $"'{checkpoint}' was never written: the run stopped before its first checkpoint";
        A2COptions options;
        try
        {
            options = RunFiles.ReadConfig(config);
        }
        catch (InvalidDataException e)
        {
            stderr.WriteLine($"a2c train: {stopped}, and it cannot start again: {e.Message}");
            return CliApp.UsageError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"a2c train: {stopped}, and it cannot start again: cannot read '{config}': {FileErrors.Reason(e)}.");
            return CliApp.Failure;
        }

        var refused = new List<string>();
        options = change(options, refused);
        refused.AddRange(CliApp.AsOptionErrors(Hyperparameters.Check(options)));
        if (refused.Count > 0)
        {
            return CliApp.ReportUsageErrors(stderr, "a2c train", refused);
        }

        Trainer trainer;
        try
        {
            trainer = new Trainer(options, remote: remote);
        }
        catch (UnknownEnvironmentException e)
        {
            throw CliErrors.Usage($"{stopped}; it is a run of an env this a2c does not have: {e.Message}", e);
        }

        using (trainer)
        {
            RunFiles files;
            try
            {
                files = RunFiles.Restart(directory, trainer.Options, RunFiles.DeviceName(trainer.Device), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"a2c train: {FileErrors.Reason(e)}.");
                return CliApp.Failure;
            }

            using (files)
            {
                trainer.CheckpointEvery = every;
                stdout.WriteLine($"a2c train: restarting {trainer.Options.Env} from step 0 of {trainer.Options.TotalTimesteps:N0}: {stopped}; its logs start again");
                return TrainingSession.Run(trainer, trainer.Spec, files, summaryPath, stopAtThreshold, evaluations, logInterval, stdout, stderr, cancellation);
            }
        }
    }

    /// <summary>
    /// How the run recorded in <paramref name="directory"/>'s config.json differs from the
    /// checkpoint's (expected vs found) in the options a resumed run keeps, or null when it is the
    /// same run, or there is no readable config.json to compare (resuming rewrites it).
    /// </summary>
    private static string? ForeignRunDir(string directory, A2COptions saved)
    {
        var path = Path.Combine(directory, "config.json");
        A2COptions recorded;
        try
        {
            recorded = RunFiles.ReadConfig(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return null;
        }

        var differ = Hyperparameters.All.Where(o => o.OnResume != ResumeRule.Free && o != Hyperparameters.Env && !o.Same(saved, recorded)).ToList();
        if (differ.Count == 0 && Hyperparameters.Env.Same(saved, recorded))
        {
            return null;
        }

        string Describe(A2COptions o) => o.Env + (differ.Count == 0 ? string.Empty : " with " + string.Join(", ", differ.Select(row => $"{row.Name} {row.Format(o)}")));
        return $"the checkpoint holds a run of {Describe(saved)}; '{path}' records a run of {Describe(recorded)}.";
    }
}
