using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using A2C.Core;
using A2C.Envs;
using A2C.Envs.Remote;
using A2C.Training;
using Spectre.Console;

namespace A2C.Cli;

/// <summary><c>a2c train</c> and <c>a2c eval</c>.</summary>
internal static class TrainCommand
{
    private const int DefaultLogInterval = 100;

    public static Command Train(TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var env = new Option<string?>("--env") { Description = "Registered environment id, e.g. CartPole-v1 (required unless --resume)." };
        var nEnvs = new Option<int?>("--n-envs") { Description = "Parallel environments (n_envs, default 8)." };
        var totalSteps = new Option<long?>("--total-steps") { Description = "Environment steps to train for (total_timesteps, default 500000)." };
        var seed = new Option<int?>("--seed") { Description = "Seed of envs, weights and sampling (default 0)." };
        var preset = new Option<string?>("--preset") { Description = "'seed': the seed article's choices (gae_lambda 0.95, Huber, normalized advantages, ent_coef 0.01, shared net)." };
        var net = new Option<string?>("--net") { Description = "shared | separate (default separate)." };
        var netArch = new Option<string?>("--net-arch") { Description = "Hidden sizes, e.g. 64,64 (default)." };
        var activation = new Option<string?>("--activation") { Description = "tanh | relu (default tanh)." };
        var learningRate = new Option<string?>("--learning-rate") { Description = "7e-4 (default) or lin_7e-4." };
        var nSteps = new Option<int?>("--n-steps") { Description = "Steps per env per update (default 5)." };
        var gamma = new Option<float?>("--gamma") { Description = "Discount (default 0.99)." };
        var gaeLambda = new Option<float?>("--gae-lambda") { Description = "GAE lambda (default 1.0)." };
        var entCoef = new Option<float?>("--ent-coef") { Description = "Entropy coefficient (default 0.0)." };
        var vfCoef = new Option<float?>("--vf-coef") { Description = "Value loss coefficient (default 0.5)." };
        var maxGradNorm = new Option<float?>("--max-grad-norm") { Description = "Gradient clipping norm (default 0.5)." };
        var rmsPropEps = new Option<float?>("--rms-prop-eps") { Description = "RMSprop epsilon (default 1e-5)." };
        var useRmsProp = new Option<bool?>("--use-rms-prop") { Description = "true: RMSprop (default); false: Adam." };
        var normalizeAdvantage = new Option<bool?>("--normalize-advantage") { Description = "Normalize advantages per batch (default false)." };
        var valueLoss = new Option<string?>("--value-loss") { Description = "mse (default) | huber." };
        var logStdInit = new Option<float?>("--log-std-init") { Description = "Initial log std of Gaussian policies (default 0)." };
        var normalize = new Option<bool?>("--normalize") { Description = "Normalize observations and rewards like VecNormalize (default false)." };
        var device = new Option<string>("--device") { Description = "auto | cpu | cuda.", DefaultValueFactory = _ => "auto" };
        var engine = CliApp.EngineOption();
        var hyperparams = new Option<string?>("--hyperparams") { Description = "An RL Baselines3 Zoo hyperparameter file (e.g. hyperparams/a2c.yml): its entry for --env applies first, options given here override it; unknown or unsupported keys are errors." };
        var nanPolicy = new Option<string?>("--nan-policy") { Description = "fail (default): stop when an env returns a NaN or infinite observation or reward, naming it; skip: drop that rollout, reset the envs and go on (counted; 100 in a row still stop)." };
        var envStepTimeout = new Option<double?>("--env-step-timeout") { Description = "Seconds a reset or step of all envs may take before the run stops naming the env that hangs (default: no limit)." };
        var remoteTimeout = new Option<double>("--remote-timeout") { Description = "With a grpc:// env: seconds one request to the server may take before the run stops with an error (default 30).", DefaultValueFactory = _ => 30 };
        var runDir = new Option<string?>("--run-dir") { Description = "Where to write config.json, progress.csv, monitor.csv and model.bin (default runs/ENV-seedS-TIME)." };
        var summaryJson = new Option<string?>("--summary-json") { Description = "Write a JSON summary here at the end." };
        var stopAtThreshold = new Option<bool>("--stop-at-threshold") { Description = "Stop once the last-100 training mean reaches the env's reward threshold." };
        var evalEpisodes = new Option<int>("--eval-episodes") { Description = "Deterministic evaluation episodes at the end (default 100; 0 to skip).", DefaultValueFactory = _ => 100 };
        var logInterval = new Option<int>("--log-interval") { Description = "Updates between progress rows (default 100).", DefaultValueFactory = _ => DefaultLogInterval };
        var checkpointEvery = new Option<long>("--checkpoint-every") { Description = "Environment steps between checkpoints (default 100000; 0: only at the end).", DefaultValueFactory = _ => 100_000 };
        var resume = new Option<string?>("--resume") { Description = "Continue the run saved in this checkpoint.zip (in its run dir); --total-steps may be raised." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check every option and the run dir, print the resolved config.json, and exit without training or writing anything." };

        var command = new Command("train", "Train an A2C agent on an environment.")
        {
            env, nEnvs, totalSteps, seed, preset, net, netArch, activation, learningRate, nSteps, gamma, gaeLambda, entCoef, vfCoef,
            maxGradNorm, rmsPropEps, useRmsProp, normalizeAdvantage, valueLoss, logStdInit, normalize, device, engine, hyperparams, nanPolicy, envStepTimeout, remoteTimeout, runDir, summaryJson,
            stopAtThreshold, evalEpisodes, logInterval, checkpointEvery, resume, dryRun,
        };
        command.SetAction(parse =>
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
                Option[] fixedOnResume = [env, nEnvs, seed, preset, net, netArch, activation, learningRate, nSteps, gamma, gaeLambda, entCoef, vfCoef, maxGradNorm, rmsPropEps, useRmsProp, normalizeAdvantage, valueLoss, logStdInit, normalize, engine, hyperparams, nanPolicy, envStepTimeout, runDir];
                var given = fixedOnResume.Where(o => parse.GetResult(o) is not null).Select(o => o.Name).ToList();
                if (given.Count > 0)
                {
                    errors.Insert(0, $"{string.Join(", ", given)} cannot be given with --resume: a resumed run keeps its options and run dir (only --total-steps and the logging options may change).");
                }

                if (parse.GetValue(dryRun))
                {
                    errors.Add("--dry-run checks a new run's options; it cannot be given with --resume.");
                }

                if (errors.Count > 0)
                {
                    return CliApp.ReportUsageErrors(stderr, "a2c train", errors);
                }

                return Resume(checkpoint, parse.GetValue(totalSteps), parse.GetValue(summaryJson), parse.GetValue(stopAtThreshold), evalCount, interval, every, new RemoteEnvOptions { Timeout = TimeSpan.FromSeconds(timeoutSeconds) }, stdout, stderr, cancellation);
            }

            if (parse.GetValue(env) is not { } envId)
            {
                stderr.WriteLine("a2c train: --env is required (or --resume to continue a run).");
                return CliApp.UsageError;
            }

            var options = A2COptions.Defaults with { Env = envId };
            switch (parse.GetValue(preset))
            {
                case null:
                    break;
                case "seed":
                    options = A2COptions.SeedPreset(options);
                    break;
                case var other:
                    errors.Add($"--preset is '{other}'; the only preset is 'seed'.");
                    break;
            }

            if (parse.GetValue(hyperparams) is { } hyperparamsFile)
            {
                options = ZooHyperparams.Apply(options, hyperparamsFile, options.Env, errors);
            }

            options = Apply(options, parse, errors, nEnvs, totalSteps, seed, net, netArch, activation, learningRate, nSteps, gamma, gaeLambda,
                entCoef, vfCoef, maxGradNorm, rmsPropEps, useRmsProp, normalizeAdvantage, valueLoss, logStdInit);
            options = options with { Normalize = parse.GetValue(normalize) ?? options.Normalize, Engine = CliApp.ParseEngine(parse.GetValue(engine), errors) };
            options = options with { EnvStepTimeout = parse.GetValue(envStepTimeout) ?? options.EnvStepTimeout };
            switch (parse.GetValue(nanPolicy))
            {
                case null or "fail": break;
                case "skip": options = options with { NanPolicy = NonFinitePolicy.Skip }; break;
                case var other: errors.Add($"--nan-policy is '{other}'; allowed: fail, skip."); break;
            }

            errors.AddRange(CliApp.AsOptionErrors(options.Validate()));

            CliApp.CheckEnv(options.Env, errors);
            if (RemoteVectorEnv.IsRemote(options.Env) && parse.GetResult(nEnvs) is not null)
            {
                errors.Add("--n-envs cannot be given with a grpc:// env: the server decides how many envs it serves (a2c serve --n-envs).");
            }

            var deviceName = parse.GetValue(device)!;
            if (deviceName is not ("auto" or "cpu" or "cuda"))
            {
                errors.Add($"--device is '{deviceName}'; allowed: auto, cpu, cuda.");
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
                stdout.WriteLine(RunFiles.ConfigJson(options, useDevice.type.ToString().ToLowerInvariant()).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }

            Trainer trainer;
            try
            {
                trainer = new Trainer(options, useDevice, new RemoteEnvOptions { Timeout = TimeSpan.FromSeconds(timeoutSeconds) });
            }
            catch (RemoteEnvironmentException e)
            {
                stderr.WriteLine($"a2c train: {e.Message}");
                return CliApp.Failure;
            }

            using (trainer)
            {
                RunFiles files;
                var existed = Directory.Exists(directory);
                try
                {
                    files = new RunFiles(directory, trainer.Options, useDevice.type.ToString().ToLowerInvariant(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
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
                    trainer.CheckpointPath = files.CheckpointPath;
                    return Run(trainer, trainer.Spec, files, parse.GetValue(summaryJson), parse.GetValue(stopAtThreshold), evalCount, interval, stdout, stderr, cancellation);
                }
            }
        });
        return command;
    }

    public static Command Eval(TextWriter stdout, TextWriter stderr)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A run's checkpoint.zip, or its model.bin (with config.json, and normalization.json if used, beside it).", Required = true };
        var episodes = new Option<int>("--episodes") { Description = "Episodes to run (default 100).", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "Seed of the evaluation envs (default 1000).", DefaultValueFactory = _ => 1000 };
        var deterministic = new Option<bool>("--deterministic") { Description = "Take the most likely action (the default); --deterministic false samples.", DefaultValueFactory = _ => true };
        var command = new Command("eval", "Evaluate a trained model: mean ± std return.") { checkpoint, episodes, seed, deterministic };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(checkpoint)!;
            var count = parse.GetValue(episodes);
            if (count < 1)
            {
                stderr.WriteLine($"a2c eval: --episodes is {count}; allowed: 1 or more.");
                return CliApp.UsageError;
            }

            var mode = parse.GetValue(deterministic);
            if (path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                try
                {
                    using var resumed = Trainer.Resume(path);
                    var outcome = resumed.Evaluate(count, parse.GetValue(seed), mode);
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{resumed.Options.Env}: mean return {outcome.Mean:F2} ± {outcome.Std:F2} over {count} episodes ({(mode ? "deterministic" : "stochastic")})"));
                    return 0;
                }
                catch (CheckpointException e)
                {
                    stderr.WriteLine($"a2c eval: {e.Message}");
                    return CliApp.UsageError;
                }
                catch (UnknownEnvironmentException e)
                {
                    stderr.WriteLine($"a2c eval: the checkpoint '{path}' is a run of an env this a2c does not have: {e.Message}");
                    return CliApp.UsageError;
                }
                catch (RemoteEnvironmentException e)
                {
                    stderr.WriteLine($"a2c eval: {e.Message}");
                    return CliApp.Failure;
                }
            }

            var config = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", "config.json");
            if (!File.Exists(path) || !File.Exists(config))
            {
                stderr.WriteLine($"a2c eval: '{path}' {(File.Exists(path) ? "has no config.json beside it" : "does not exist")}.");
                return CliApp.UsageError;
            }

            // Each file is read and checked on its own, so that a message names the one at fault:
            // config.json, model.bin or normalization.json.
            A2COptions options;
            try
            {
                options = RunFiles.ReadConfig(config);
                if (!RemoteVectorEnv.IsRemote(options.Env))
                {
                    Registry.Spec(options.Env);
                }
            }
            catch (InvalidDataException e)
            {
                stderr.WriteLine($"a2c eval: {e.Message}");
                return CliApp.UsageError;
            }
            catch (UnknownEnvironmentException e)
            {
                stderr.WriteLine($"a2c eval: '{config}' is a run of an env this a2c does not have: {e.Message}");
                return CliApp.UsageError;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"a2c eval: cannot read '{config}': {e.Message}");
                return CliApp.UsageError;
            }

            try
            {
                using var trainer = new Trainer(options);
                var model = File.ReadAllBytes(path);
                ModelFile.CheckFits(trainer.Agent.Model, model, $"'{path}'", $"'{config}' ({options.Env})");
                using (var reader = new BinaryReader(new MemoryStream(model)))
                {
                    trainer.Agent.Model.load(reader);
                }

                var normalization = Path.Combine(Path.GetDirectoryName(config)!, "normalization.json");
                if (options.Normalize)
                {
                    if (!File.Exists(normalization))
                    {
                        stderr.WriteLine($"a2c eval: the run was trained with normalization but '{normalization}' is missing.");
                        return CliApp.UsageError;
                    }

                    trainer.Normalizer = ReadNormalization(normalization, options.NEnvs, trainer.Env.ObservationSize);
                }

                var result = trainer.Evaluate(count, parse.GetValue(seed), mode);
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{options.Env}: mean return {result.Mean:F2} ± {result.Std:F2} over {count} episodes ({(mode ? "deterministic" : "stochastic")})"));
                return 0;
            }
            catch (InvalidDataException e)
            {
                stderr.WriteLine($"a2c eval: {e.Message}");
                return CliApp.UsageError;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"a2c eval: cannot read '{path}': {e.Message}");
                return CliApp.UsageError;
            }
            catch (RemoteEnvironmentException e)
            {
                stderr.WriteLine($"a2c eval: {e.Message}");
                return CliApp.Failure;
            }
        });
        return command;
    }

    /// <summary>Reads normalization.json; a malformed file, or one for another observation size, is an <see cref="InvalidDataException"/> naming it.</summary>
    private static Normalizer ReadNormalization(string path, int numEnvs, int observationSize)
    {
        Normalizer normalizer;
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException("it does not hold a JSON object.");
            normalizer = Normalizer.FromJson(json, numEnvs);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or InvalidOperationException or ArgumentException or FormatException)
        {
            throw new InvalidDataException($"'{path}' cannot be used: {e.Message}", e);
        }

        var size = normalizer.ObservationStats.Mean.Length;
        return size == observationSize
            ? normalizer
            : throw new InvalidDataException($"'{path}' does not fit the model: expected statistics of {observationSize} observations; found {size}.");
    }

    private static int Resume(string checkpoint, long? totalSteps, string? summaryPath, bool stopAtThreshold, int evalEpisodes, int logInterval, long every, RemoteEnvOptions remote, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
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
                    RunFiles.WriteAtomically(Path.Combine(directory, "config.json"), RunFiles.ConfigJson(trainer.Options, "cpu").ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    stderr.WriteLine($"a2c train: {e.Message}");
                    return CliApp.Failure;
                }

                trainer.CheckpointEvery = every;
                trainer.CheckpointPath = files.CheckpointPath;
                stdout.WriteLine($"a2c train: resuming {trainer.Options.Env} at step {trainer.Timesteps:N0} of {trainer.Options.TotalTimesteps:N0}");
                return Run(trainer, trainer.Spec, files, summaryPath, stopAtThreshold, evalEpisodes, logInterval, stdout, stderr, cancellation);
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

    private static int Run(Trainer trainer, EnvSpec spec, RunFiles files, string? summaryPath, bool stopAtThreshold, int evalEpisodes, int logInterval, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        try
        {
            return Train(trainer, spec, files, summaryPath, stopAtThreshold, evalEpisodes, logInterval, stdout, stderr, cancellation);
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

    private static int Train(Trainer trainer, EnvSpec spec, RunFiles files, string? summaryPath, bool stopAtThreshold, int evalEpisodes, int logInterval, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var options = trainer.Options;
        var directory = files.Directory;
        {
            stdout.WriteLine($"a2c train: {options.Env}, {options.NEnvs} envs, {options.TotalTimesteps:N0} steps, seed {options.Seed}, {trainer.Agent.Model.ParameterCount():N0} parameters, run dir {directory}");
            TorchSharp.Modules.SummaryWriter tensorboard;
            try
            {
                tensorboard = TorchSharp.torch.utils.tensorboard.SummaryWriter(Path.Combine(directory, "tensorboard"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw FileErrors.CannotWrite(Path.Combine(directory, "tensorboard"), e);
            }

            // A live bar on a terminal; plain periodic lines when output goes to a file or a pipe.
            var live = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
            ProgressTask? bar = null;
            using var skips = trainer.SkippedRollouts.Subscribe(e =>
                stderr.WriteLine($"a2c train: dropped a rollout (--nan-policy skip): {e.Message} ({trainer.Skipped} dropped so far)"));
            using var sink = trainer.Reports.Subscribe(report =>
            {
                files.WriteEpisodes(trainer.Episodes);
                if (bar is not null)
                {
                    bar.Value = report.TotalTimesteps;
                    bar.Description = Markup.Escape(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{report.Fps:N0} steps/s  return {Text(report.RecentMeanReturn)}  policy {report.Stats.PolicyLoss:F3}  value {report.Stats.ValueLoss:F3}  entropy {report.Stats.Entropy:F2}"));
                }

                if (report.Update % logInterval == 0 || report.Stop)
                {
                    files.WriteProgress(report);
                    WriteTensorBoard(tensorboard, report);
                    if (!live)
                    {
                        stdout.WriteLine(ProgressLine(report));
                    }
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
            catch (NonFiniteUpdateException e)
            {
                stderr.WriteLine($"a2c train: {e.Message}");
                return CliApp.Failure;
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

            WriteModel(trainer, files.ModelPath);
            trainer.SaveCheckpoint(files.CheckpointPath);
            if (trainer.Normalizer is { } normalizer)
            {
                RunFiles.WriteAtomically(files.NormalizationPath, normalizer.ToJson().ToJsonString() + "\n");
            }

            var eval = evalEpisodes > 0 && !result.Cancelled ? trainer.Evaluate(evalEpisodes, options.Seed + 1000) : null;
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

    /// <summary>The progress row as TensorBoard scalars, with Stable-Baselines3's tags; the step is the env-step count.</summary>
    private static void WriteTensorBoard(TorchSharp.Modules.SummaryWriter writer, UpdateReport report)
    {
        try
        {
            WriteScalars(writer, report);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw FileErrors.CannotWrite(writer.LogDir, e);
        }
    }

    private static void WriteScalars(TorchSharp.Modules.SummaryWriter writer, UpdateReport report)
    {
        var step = (int)Math.Min(report.TotalTimesteps, int.MaxValue);
        if (report.RecentMeanReturn is { } r)
        {
            writer.add_scalar("rollout/ep_rew_mean", (float)r, step);
        }

        if (report.RecentMeanLength is { } l)
        {
            writer.add_scalar("rollout/ep_len_mean", (float)l, step);
        }

        writer.add_scalar("time/fps", (float)report.Fps, step);
        writer.add_scalar("train/policy_loss", (float)report.Stats.PolicyLoss, step);
        writer.add_scalar("train/value_loss", (float)report.Stats.ValueLoss, step);
        writer.add_scalar("train/entropy", (float)report.Stats.Entropy, step);
        writer.add_scalar("train/explained_variance", (float)report.Stats.ExplainedVariance, step);
        writer.add_scalar("train/learning_rate", (float)report.Stats.LearningRate, step);
    }

    private static void WriteModel(Trainer trainer, string path)
    {
        // On disk before the rename, so a crash of the machine leaves the old model or the new one, never an empty file.
        var temporary = path + ".tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                using (var writer = new BinaryWriter(file, System.Text.Encoding.UTF8, leaveOpen: true))
                {
                    trainer.Agent.Model.save(writer);
                }

                // On disk before the rename, so that a crash leaves the old model or the new one.
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            FileErrors.TryDelete(temporary);
            throw FileErrors.CannotWrite(path, e);
        }
    }

    private static string ProgressLine(UpdateReport report) => string.Create(
        CultureInfo.InvariantCulture,
        $"steps {report.TotalTimesteps,10:N0}  {report.Fps,8:N0} steps/s  episodes {report.EpisodeCount,6}  mean return {Text(report.RecentMeanReturn),8}  policy {report.Stats.PolicyLoss,8:F4}  value {report.Stats.ValueLoss,8:F4}  entropy {report.Stats.Entropy,6:F3}");

    private static string Text(double? x) => x is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "-";

    private static A2COptions Apply(A2COptions o, ParseResult p, List<string> errors, Option<int?> nEnvs, Option<long?> totalSteps, Option<int?> seed,
        Option<string?> net, Option<string?> netArch, Option<string?> activation, Option<string?> learningRate, Option<int?> nSteps, Option<float?> gamma,
        Option<float?> gaeLambda, Option<float?> entCoef, Option<float?> vfCoef, Option<float?> maxGradNorm, Option<float?> rmsPropEps,
        Option<bool?> useRmsProp, Option<bool?> normalizeAdvantage, Option<string?> valueLoss, Option<float?> logStdInit)
    {
        o = o with
        {
            NEnvs = p.GetValue(nEnvs) ?? o.NEnvs,
            TotalTimesteps = p.GetValue(totalSteps) ?? o.TotalTimesteps,
            Seed = p.GetValue(seed) ?? o.Seed,
            NSteps = p.GetValue(nSteps) ?? o.NSteps,
            Gamma = p.GetValue(gamma) ?? o.Gamma,
            GaeLambda = p.GetValue(gaeLambda) ?? o.GaeLambda,
            EntCoef = p.GetValue(entCoef) ?? o.EntCoef,
            VfCoef = p.GetValue(vfCoef) ?? o.VfCoef,
            MaxGradNorm = p.GetValue(maxGradNorm) ?? o.MaxGradNorm,
            RmsPropEps = p.GetValue(rmsPropEps) ?? o.RmsPropEps,
            UseRmsProp = p.GetValue(useRmsProp) ?? o.UseRmsProp,
            NormalizeAdvantage = p.GetValue(normalizeAdvantage) ?? o.NormalizeAdvantage,
            LogStdInit = p.GetValue(logStdInit) ?? o.LogStdInit,
        };
        switch (p.GetValue(net))
        {
            case null: break;
            case "shared": o = o with { Net = NetKind.Shared }; break;
            case "separate": o = o with { Net = NetKind.Separate }; break;
            case var other: errors.Add($"--net is '{other}'; allowed: shared, separate."); break;
        }

        switch (p.GetValue(activation))
        {
            case null: break;
            case "tanh": o = o with { Activation = Activation.Tanh }; break;
            case "relu": o = o with { Activation = Activation.Relu }; break;
            case var other: errors.Add($"--activation is '{other}'; allowed: tanh, relu."); break;
        }

        switch (p.GetValue(valueLoss))
        {
            case null: break;
            case "mse": o = o with { ValueLoss = ValueLoss.Mse }; break;
            case "huber": o = o with { ValueLoss = ValueLoss.Huber }; break;
            case var other: errors.Add($"--value-loss is '{other}'; allowed: mse, huber."); break;
        }

        if (p.GetValue(netArch) is { } arch && CliApp.ParseNetArch(arch, errors) is { } sizes)
        {
            o = o with { NetArch = sizes };
        }

        if (p.GetValue(learningRate) is { } lr)
        {
            var parsed = Schedule.Parse(lr);
            if (parsed.IsOk)
            {
                o = o with { LearningRate = parsed.ResultValue };
            }
            else
            {
                errors.Add("--learning-rate: " + parsed.ErrorValue);
            }
        }

        return o;
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
