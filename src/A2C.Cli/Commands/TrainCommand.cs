using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using A2C.Core;
using A2C.Envs;
using A2C.Envs.Remote;
using A2C.Training;
using Spectre.Console;

namespace A2C.Cli;

/// <summary><c>a2c train</c>: its options, and a new run (<see cref="ResumeCommand"/> continues one).</summary>
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

                return ResumeCommand.Resume(checkpoint, parse.GetValue(totalSteps), parse.GetValue(summaryJson), parse.GetValue(stopAtThreshold), evalCount, interval, every, new RemoteEnvOptions { Timeout = TimeSpan.FromSeconds(timeoutSeconds) }, stdout, stderr, cancellation);
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
                    return TrainingSession.Run(trainer, trainer.Spec, files, parse.GetValue(summaryJson), parse.GetValue(stopAtThreshold), evalCount, interval, stdout, stderr, cancellation);
                }
            }
        });
        return command;
    }

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
