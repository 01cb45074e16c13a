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
    public static int Resume(string checkpoint, long? totalSteps, string? summaryPath, bool stopAtThreshold, int evalEpisodes, int logInterval, long every, RemoteEnvOptions remote, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        if (RunFiles.StoppedBeforeFirstCheckpoint(checkpoint))
        {
            return Restart(checkpoint, totalSteps, summaryPath, stopAtThreshold, evalEpisodes, logInterval, every, remote, stdout, stderr, cancellation);
        }

        Trainer trainer;
        var refused = new List<string>();
        try
        {
            trainer = Trainer.Resume(checkpoint, o =>
            {
                if (totalSteps is not { } t)
                {
                    return o;
                }

                var changed = o with { TotalTimesteps = t };
                refused.AddRange(CliApp.AsOptionErrors(changed.Validate()));
                return refused.Count > 0 ? o : changed;
            }, remote: remote);
        }
        catch (CheckpointException e)
        {
            stderr.WriteLine($"a2c train: {e.Message}");
            return CliApp.UsageError;
        }
        catch (UnknownEnvironmentException e)
        {
            stderr.WriteLine($"a2c train: the checkpoint '{checkpoint}' is a run of an env this a2c does not have: {e.Message}");
            return CliApp.UsageError;
        }
        catch (RemoteEnvironmentException e)
        {
            stderr.WriteLine($"a2c train: {e.Message}");
            return CliApp.Failure;
        }

        using (trainer)
        {
            if (totalSteps is { } total && total < trainer.Timesteps)
            {
                refused.Add(string.Create(CultureInfo.InvariantCulture, $"--total-steps is {total}; allowed: at least the {trainer.Timesteps} steps the checkpoint has already taken."));
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
                return TrainingSession.Run(trainer, trainer.Spec, files, summaryPath, stopAtThreshold, evalEpisodes, logInterval, stdout, stderr, cancellation);
            }
        }
    }

    /// <summary>
    /// A run killed before its first checkpoint has only its config.json (and the logs of steps it
    /// will take again): the same options and seed make the same run, so it starts again in its
    /// directory from step 0, its logs cut back to their headers.
    /// </summary>
    private static int Restart(string checkpoint, long? totalSteps, string? summaryPath, bool stopAtThreshold, int evalEpisodes, int logInterval, long every, RemoteEnvOptions remote, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
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

        if (totalSteps is { } total)
        {
            options = options with { TotalTimesteps = total };
            var refused = CliApp.AsOptionErrors(options.Validate()).ToList();
            if (refused.Count > 0)
            {
                return CliApp.ReportUsageErrors(stderr, "a2c train", refused);
            }
        }

        Trainer trainer;
        try
        {
            trainer = new Trainer(options, remote: remote);
        }
        catch (UnknownEnvironmentException e)
        {
            stderr.WriteLine($"a2c train: {stopped}; it is a run of an env this a2c does not have: {e.Message}");
            return CliApp.UsageError;
        }
        catch (RemoteEnvironmentException e)
        {
            stderr.WriteLine($"a2c train: {e.Message}");
            return CliApp.Failure;
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
                return TrainingSession.Run(trainer, trainer.Spec, files, summaryPath, stopAtThreshold, evalEpisodes, logInterval, stdout, stderr, cancellation);
            }
        }
    }

    /// <summary>
    /// How the run recorded in <paramref name="directory"/>'s config.json differs from the
    /// checkpoint's (expected vs found), or null when it is the same run, or there is no readable
    /// config.json to compare (resuming rewrites it).
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

        static string Describe(A2COptions o) => string.Create(CultureInfo.InvariantCulture,
            $"{o.Env}, seed {o.Seed}, {o.NEnvs} envs, n_steps {o.NSteps}, net {o.Net.ToString().ToLowerInvariant()} {string.Join(",", o.NetArch)}, {o.Activation.ToString().ToLowerInvariant()}, normalize {(o.Normalize ? "true" : "false")}");
        var (expected, found) = (Describe(saved), Describe(recorded));
        return expected == found ? null : $"the checkpoint holds a run of {expected}; '{path}' records a run of {found}.";
    }
}
