using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using A2C.Envs;
using A2C.Envs.Remote;
using A2C.Training;
using Spectre.Console;

namespace A2C.Cli;

/// <summary><c>a2c train</c>: its options, and a new run (<see cref="ResumeCommand"/> continues one).</summary>
internal static class TrainCommand
{
    /// <summary>Updates between progress rows unless --log-interval says otherwise.</summary>
    internal const int DefaultLogInterval = 100;

    /// <summary>Env steps between checkpoints unless --checkpoint-every says otherwise.</summary>
    internal const long DefaultCheckpointEvery = 100_000;

    public static Command Train(TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        // One option per row of the hyperparameter table; --env is required for a new run.
        var hyperparameters = HyperparameterOption.ForAll(row => row == Hyperparameters.Env ? $"{row.Help} [{row.Name}; required unless --resume]" : null);
        HyperparameterOption Of(Hyperparameter row) => hyperparameters.Single(h => h.Row == row);
        var presetNames = string.Join(", ", Hyperparameters.Presets.Keys.Select(name => $"'{name}'"));
        var preset = new Option<string?>("--preset") { Description = "Choices on top of the defaults, applied before --hyperparams and the options given here: 'seed' is the seed preset's (gae_lambda 0.95, Huber, normalized advantages, ent_coef 0.01, shared net).", HelpName = string.Join("|", Hyperparameters.Presets.Keys) };
        preset.CompletionSources.Add([.. Hyperparameters.Presets.Keys]);
        string[] devices = ["auto", "cpu", "cuda"];
        var device = new Option<string>("--device") { Description = "Where the model lives: auto (CUDA when available), cpu or cuda.", DefaultValueFactory = _ => "auto", HelpName = string.Join("|", devices) };
        device.CompletionSources.Add(devices);
        var hyperparams = new Option<string?>("--hyperparams") { Description = "An RL Baselines3 Zoo hyperparameter file (e.g. hyperparams/a2c.yml): its entry for --env applies first, options given here override it; unknown or unsupported keys are errors." };
        var remoteTimeout = new Option<double>("--remote-timeout") { Description = "With a grpc:// env: seconds one request to the server may take before the run stops with an error (default 30).", DefaultValueFactory = _ => 30 };
        var runDir = new Option<string?>("--run-dir") { Description = "Where to write config.json, progress.csv, monitor.csv and model.bin (default runs/ENV-seedS-TIME)." };
        var summaryJson = new Option<string?>("--summary-json") { Description = "Write a JSON summary here at the end." };
        var stopAtThreshold = new Option<bool>("--stop-at-threshold") { Description = "Stop once the last-100 training mean reaches the env's reward threshold." };
        var evalEpisodes = new Option<int>("--eval-episodes") { Description = "Deterministic evaluation episodes at the end (default 100; 0 to skip).", DefaultValueFactory = _ => 100 };
        var evalFreq = new Option<long>("--eval-freq") { Description = "Environment steps between periodic deterministic evaluations on fresh envs, each a row of evaluations.csv (SB3's EvalCallback eval_freq; default 0: none).", DefaultValueFactory = _ => 0 };
        var evalFreqEpisodes = new Option<int>("--eval-freq-episodes") { Description = "Episodes per periodic evaluation (n_eval_episodes; default 5).", DefaultValueFactory = _ => 5 };
        var logInterval = new Option<int>("--log-interval") { Description = "Updates between progress rows (default 100).", DefaultValueFactory = _ => DefaultLogInterval };
        var checkpointEvery = new Option<long>("--checkpoint-every") { Description = "Environment steps between checkpoints (default 100000; 0: only at the end).", DefaultValueFactory = _ => DefaultCheckpointEvery };
        var resume = new Option<string?>("--resume") { Description = "Continue the run saved in this checkpoint.zip (in its run dir); --total-steps may be raised." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check every option and the run dir, print the resolved config.json, and exit without training or writing anything." };

        var command = new Command("train", "Train an A2C agent on an environment.");
        foreach (var option in hyperparameters.Select(h => h.Option).Concat([preset, device, hyperparams, remoteTimeout, runDir, summaryJson, stopAtThreshold, evalEpisodes, evalFreq, evalFreqEpisodes, logInterval, checkpointEvery, resume, dryRun]))
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => CliErrors.Run("a2c train", stderr, () =>
        {
            var errors = new List<string>();
            // The options a resumed run may change too are checked first, for both kinds of run.
            var every = parse.GetValue(checkpointEvery);
            if (every < 0)
            {
                errors.Add($"--checkpoint-every is {every}; allowed: 0 or more.");
            }

            var evalCount = parse.GetValue(evalEpisodes);
            var interval = parse.GetValue(logInterval);
            if (evalCount < 0)
            {
                errors.Add($"--eval-episodes is {evalCount}; allowed: 0 or more.");
            }

            var evaluations = new Evaluations(evalCount, parse.GetValue(evalFreq), parse.GetValue(evalFreqEpisodes));
            if (evaluations.Every < 0)
            {
                errors.Add($"--eval-freq is {evaluations.Every}; allowed: 0 (none) or more.");
            }

            if (evaluations.Episodes < 1)
            {
                errors.Add($"--eval-freq-episodes is {evaluations.Episodes}; allowed: 1 or more.");
            }

            if (interval < 1)
            {
                errors.Add($"--log-interval is {interval}; allowed: 1 or more.");
            }

            if (CliApp.CheckOutputFile(parse.GetValue(summaryJson)) is { } badSummary)
            {
                errors.Add("--summary-json: " + badSummary);
            }

            var timeoutSeconds = parse.GetValue(remoteTimeout);
            if (!double.IsFinite(timeoutSeconds) || timeoutSeconds is <= 0 or > 86_400)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"--remote-timeout is {timeoutSeconds}; allowed: more than 0, up to 86400 seconds."));
            }

            if (parse.GetValue(resume) is { } checkpoint)
            {
                var free = hyperparameters.Where(h => h.Row.OnResume == ResumeRule.Free).ToList();
                var kept = hyperparameters.Where(h => h.Row.OnResume != ResumeRule.Free).Select(h => h.Option).Concat([preset, hyperparams, runDir]);
                var given = kept.Where(o => parse.GetResult(o) is not null).Select(o => o.Name).ToList();
                if (given.Count > 0)
                {
                    errors.Insert(0, $"{string.Join(", ", given)} cannot be given with --resume: a resumed run keeps its options and run dir (only {string.Join(", ", free.Select(h => h.Row.Cli))} and the logging options may change).");
                }

                if (parse.GetValue(dryRun))
                {
                    errors.Add("--dry-run checks a new run's options; it cannot be given with --resume.");
                }

                if (errors.Count > 0)
                {
                    return CliApp.ReportUsageErrors(stderr, "a2c train", errors);
                }

                A2COptions Change(A2COptions saved, List<string> refused) => free.Aggregate(saved, (o, h) => h.Apply(o, parse, refused));
                return ResumeCommand.Resume(checkpoint, Change, parse.GetValue(summaryJson), parse.GetValue(stopAtThreshold), evaluations, interval, every, new RemoteEnvOptions { Timeout = TimeSpan.FromSeconds(timeoutSeconds) }, stdout, stderr, cancellation);
            }

            if (!Of(Hyperparameters.Env).IsGiven(parse))
            {
                stderr.WriteLine($"a2c train: {Hyperparameters.Env.Cli} is required (or --resume to continue a run).");
                return CliApp.UsageError;
            }

            // Defaults, then the preset, then the Zoo file's entry for the env, then the options given here.
            var options = Of(Hyperparameters.Env).Apply(A2COptions.Defaults, parse, errors);
            switch (parse.GetValue(preset))
            {
                case null:
                    break;
                case var name when Hyperparameters.Presets.TryGetValue(name, out var apply):
                    options = apply(options);
                    break;
                case var other:
                    errors.Add(Hyperparameters.Presets.Count == 1
                        ? $"--preset is '{other}'; the only preset is {presetNames}."
                        : $"--preset is '{other}'; allowed: {presetNames}.");
                    break;
            }

            if (parse.GetValue(hyperparams) is { } hyperparamsFile)
            {
                options = ZooHyperparams.Apply(options, hyperparamsFile, options.Env, errors);
            }

            options = hyperparameters.Aggregate(options, (o, h) => h.Apply(o, parse, errors));
            errors.AddRange(CliApp.AsOptionErrors(Hyperparameters.Check(options)));

            CliApp.CheckEnv(options.Env, errors);
            if (RemoteVectorEnv.IsRemote(options.Env) && Of(Hyperparameters.NEnvs).IsGiven(parse))
            {
                errors.Add($"{Hyperparameters.NEnvs.Cli} cannot be given with a grpc:// env: the server decides how many envs it serves (a2c serve --n-envs).");
            }

            var deviceName = parse.GetValue(device)!;
            if (!devices.Contains(deviceName))
            {
                errors.Add($"--device is '{deviceName}'; allowed: {string.Join(", ", devices)}.");
            }

            if (errors.Count > 0)
            {
                return CliApp.ReportUsageErrors(stderr, "a2c train", errors);
            }

            if (CliApp.DescribeTorch(stderr, "a2c train") is not { } torchInfo)
            {
                return CliApp.Failure;
            }

            if (deviceName == "cuda" && !torchInfo.CudaAvailable)
            {
                stderr.WriteLine("a2c train: --device cuda, but this build uses TorchSharp-cpu (or sees no GPU). Build with a CUDA TorchSharp package to train on a GPU.");
                return CliApp.UsageError;
            }

            var useDevice = deviceName == "cpu" || !torchInfo.CudaAvailable ? TorchSharp.torch.CPU : TorchSharp.torch.CUDA;
            if (options.Engine == Engine.DotNet && useDevice.type != TorchSharp.DeviceType.CPU)
            {
                stderr.WriteLine("a2c train: --engine dotnet runs on the CPU only; use --engine torch (or auto) with --device cuda.");
                return CliApp.UsageError;
            }

            // The directory is refused before connecting; files are written once the env is known
            // (a remote server decides n_envs), so a server that cannot be reached leaves nothing behind.
            var directory = parse.GetValue(runDir) ?? Path.Combine("runs", $"{RunDirName(options.Env)}-seed{options.Seed}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            {
                stderr.WriteLine($"a2c train: the run dir '{directory}' exists and is not empty; choose another --run-dir.");
                return CliApp.Failure;
            }

            if (FileInTheWay(directory) is { } file)
            {
                stderr.WriteLine(file == Path.GetFullPath(directory)
                    ? $"a2c train: cannot create the run dir '{directory}': a file of that name is in the way."
                    : $"a2c train: cannot create the run dir '{directory}': '{file}' is a file, not a directory.");
                return CliApp.Failure;
            }

            if (parse.GetValue(dryRun))
            {
                stdout.WriteLine(RunFiles.ConfigJson(options, RunFiles.DeviceName(useDevice)).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }

            Trainer trainer;
            try
            {
                trainer = new Trainer(options, useDevice, new RemoteEnvOptions { Timeout = TimeSpan.FromSeconds(timeoutSeconds) });
            }
            catch (ArgumentException e) when (e.ParamName == "options")
            {
                // Options that do not fit the env, found once it is built (use_sde with discrete actions).
                stderr.WriteLine($"a2c train: {e.Message}");
                return CliApp.UsageError;
            }

            using (trainer)
            {
                RunFiles files;
                var existed = Directory.Exists(directory);
                try
                {
                    files = new RunFiles(directory, trainer.Options, RunFiles.DeviceName(useDevice), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Nothing is left behind: a run dir this run created goes with what it holds.
                    stderr.WriteLine($"a2c train: cannot create the run dir '{directory}': {FileErrors.Reason(e)}.");
                    if (!existed)
                    {
                        try
                        {
                            Directory.Delete(directory, recursive: true);
                        }
                        catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
                        {
                            // It could not be made, or cannot be removed: either way the error above says why.
                        }
                    }

                    return CliApp.Failure;
                }

                using (files)
                {
                    trainer.CheckpointEvery = every;
                    return TrainingSession.Run(trainer, trainer.Spec, files, parse.GetValue(summaryJson), parse.GetValue(stopAtThreshold), evaluations, interval, stdout, stderr, cancellation);
                }
            }
        }));
        return command;
    }

    /// <summary>The first of <paramref name="directory"/> and its parents that exists as a file, which stops the run dir being made; null when none does.</summary>
    private static string? FileInTheWay(string directory)
    {
        for (var path = Path.GetFullPath(directory); !string.IsNullOrEmpty(path); path = Path.GetDirectoryName(path))
        {
            if (File.Exists(path))
            {
                return path;
            }

            if (Directory.Exists(path))
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>A directory name for an env id: a remote address's "://" and ":" become "-".</summary>
    private static string RunDirName(string envId) =>
        RemoteVectorEnv.IsRemote(envId) ? "remote-" + envId[RemoteVectorEnv.Scheme.Length..].Replace(':', '-').Replace('/', '-') : envId;
}
