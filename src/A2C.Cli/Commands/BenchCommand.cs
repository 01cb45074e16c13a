using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Text.Json.Nodes;
using A2C.Envs;
using A2C.Envs.Remote;
using A2C.Envs.Spaces;
using A2C.Envs.Vector;
using A2C.Training;

namespace A2C.Cli;

/// <summary>
/// <c>a2c bench</c>: throughput of the vector env alone, of collection (env + policy inference), of
/// the full A2C loop, and the time of one learner update; each the median of several repeats after
/// a warm-up, with memory at start and end.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var env = new Option<string>("--env") { Description = "Registered environment id.", DefaultValueFactory = _ => "CartPole-v1" };
        var nEnvs = new Option<int>("--n-envs") { Description = "Parallel environments.", DefaultValueFactory = _ => 8 };
        var nSteps = new Option<int>("--n-steps") { Description = "Steps per env per update.", DefaultValueFactory = _ => 5 };
        var steps = new Option<long>("--steps") { Description = "Env steps per repeat of the collection and training measurements (the env-only one runs 20 times as many).", DefaultValueFactory = _ => 50_000 };
        var repeats = new Option<int>("--repeats") { Description = "Measured repeats after one warm-up; the median is reported.", DefaultValueFactory = _ => 5 };
        var netArch = new Option<string>("--net-arch") { Description = "Hidden sizes.", DefaultValueFactory = _ => "64,64" };
        var engine = new HyperparameterOption(Hyperparameters.Engine);
        var threads = new HyperparameterOption(Hyperparameters.Threads);
        var envKwargs = new HyperparameterOption(Hyperparameters.EnvKwargs);
        var json = new Option<string?>("--json") { Description = "Also write the figures, the machine and the options to this JSON file." };
        var command = new Command("bench", "Measure env, collection and training throughput and the time of one update.") { env, envKwargs.Option, nEnvs, nSteps, steps, repeats, netArch, engine.Option, threads.Option, json };
        command.SetAction(parse => CliErrors.Run("a2c bench", stderr, () =>
        {
            var errors = new List<string>();
            var arch = CliApp.ParseNetArch(parse.GetValue(netArch)!, errors);
            var options = A2COptions.Defaults with { Env = parse.GetValue(env)!, NEnvs = parse.GetValue(nEnvs), NSteps = parse.GetValue(nSteps) };
            options = threads.Apply(envKwargs.Apply(engine.Apply(options with { NetArch = arch ?? options.NetArch }, parse, errors), parse, errors), parse, errors);
            var stepCount = parse.GetValue(steps);
            var repeatCount = parse.GetValue(repeats);
            if (stepCount < (long)options.NEnvs * options.NSteps)
            {
                errors.Add($"--steps is {stepCount}; allowed: at least n_envs * n_steps = {(long)options.NEnvs * options.NSteps}.");
            }

            if (repeatCount is < 1 or > 100)
            {
                errors.Add($"--repeats is {repeatCount}; allowed: 1 to 100.");
            }

            options = options with { TotalTimesteps = Math.Max(stepCount, (long)options.NEnvs * options.NSteps) };
            errors.AddRange(CliApp.AsOptionErrors(Hyperparameters.Check(options)));
            if (CliApp.CheckOutputFile(parse.GetValue(json)) is { } badJson)
            {
                errors.Add("--json: " + badJson);
            }

            CliApp.CheckEnv(options.Env, errors);

            if (errors.Count > 0)
            {
                return CliApp.ReportUsageErrors(stderr, "a2c bench", errors);
            }

            var torch = TorchRuntime.Describe();
            if (RemoteVectorEnv.IsRemote(options.Env))
            {
                // The server decides how many envs a session has. (Its address was checked above.)
                using var probe = EnvFactory.Create(options.Env, options.NEnvs, kwargs: options.EnvKwargs);
                options = options with { NEnvs = probe.NumEnvs, TotalTimesteps = Math.Max(stepCount, (long)probe.NumEnvs * options.NSteps) };
            }

            var figures = Measure(options, stepCount, repeatCount, stdout);
            if (parse.GetValue(json) is { } path)
            {
                var machine = new JsonObject
                {
                    ["cpu"] = CpuModel(),
                    ["cores"] = Environment.ProcessorCount,
                    ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                    ["dotnet"] = Environment.Version.ToString(),
                    ["torchsharp"] = torch.TorchSharpVersion,
                    ["libtorch"] = torch.LibTorchVersion,
                    ["torch_threads"] = torch.Threads,
                };
                var document = new JsonObject
                {
                    ["env_steps_per_s"] = figures.EnvStepsPerSecond,
                    ["collect_steps_per_s"] = figures.CollectStepsPerSecond,
                    ["train_steps_per_s"] = figures.TrainStepsPerSecond,
                    ["train_loop_steps_per_s"] = figures.TrainLoopStepsPerSecond,
                    ["update_us"] = figures.UpdateMicroseconds,
                    ["model_flops_per_step"] = figures.Flops?.PerEnvStep,
                    ["update_flops"] = figures.Flops?.PerUpdate(figures.Transitions),
                    ["peak_gflops"] = figures.Peak.GigaFlops,
                    ["peak_vector_bits"] = figures.Peak.VectorBits,
                    ["peak_threads"] = figures.Peak.Threads,
                    ["achieved_gflops"] = new JsonObject
                    {
                        ["train"] = figures.TrainGigaFlops,
                        ["train_loop"] = figures.TrainLoopGigaFlops,
                        ["update"] = figures.UpdateGigaFlops,
                    },
                    ["efficiency"] = new JsonObject
                    {
                        ["train"] = figures.TrainGigaFlops / figures.Peak.GigaFlops,
                        ["train_loop"] = figures.TrainLoopGigaFlops / figures.Peak.GigaFlops,
                        ["update"] = figures.UpdateGigaFlops / figures.Peak.GigaFlops,
                    },
                    ["memory"] = new JsonObject
                    {
                        ["managed_bytes_start"] = figures.ManagedStart,
                        ["managed_bytes_end"] = figures.ManagedEnd,
                        ["working_set_bytes_start"] = figures.WorkingSetStart,
                        ["working_set_bytes_end"] = figures.WorkingSetEnd,
                    },
                    ["machine"] = machine,
                    ["options"] = new JsonObject
                    {
                        [Hyperparameters.Env.Name] = Hyperparameters.Env.ToJson(options),
                        [Hyperparameters.NEnvs.Name] = Hyperparameters.NEnvs.ToJson(options),
                        [Hyperparameters.NSteps.Name] = Hyperparameters.NSteps.ToJson(options),
                        [Hyperparameters.NetArch.Name] = Hyperparameters.NetArch.ToJson(options),
                        [Hyperparameters.Engine.Name] = Hyperparameters.Engine.ToJson(options with { Engine = options.Engine == Engine.Auto ? Engine.DotNet : options.Engine }),
                        [Hyperparameters.Threads.Name] = Hyperparameters.Threads.ToJson(options),
                        ["steps"] = stepCount,
                        ["repeats"] = repeatCount,
                    },
                };
                RunFiles.WriteAtomically(path, document.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
            }

            return 0;
        }));
        return command;
    }

    private sealed record Figures(double EnvStepsPerSecond, double CollectStepsPerSecond, double TrainStepsPerSecond, double TrainLoopStepsPerSecond, double UpdateMicroseconds, int Transitions, ModelFlops? Flops, FmaPeak Peak, long ManagedStart, long ManagedEnd, long WorkingSetStart, long WorkingSetEnd)
    {
        public double? TrainGigaFlops => Flops is null ? null : Flops.PerEnvStep * TrainStepsPerSecond / 1e9;

        public double? TrainLoopGigaFlops => Flops is null ? null : Flops.PerEnvStep * TrainLoopStepsPerSecond / 1e9;

        public double? UpdateGigaFlops => Flops is null ? null : Flops.PerUpdate(Transitions) / UpdateMicroseconds / 1e3;
    }

    private static Figures Measure(A2COptions options, long steps, int repeats, TextWriter stdout)
    {
        var managedStart = GC.GetTotalMemory(forceFullCollection: true);
        var workingSetStart = Environment.WorkingSet;
        // The policy and engine as training resolves them from the env's spaces (CnnPolicy on images runs on TorchSharp).
        string policy, arch, engine;
        int threads;
        ModelFlops? flops;
        using (var probe = new Trainer(options))
        {
            var spec = probe.Agent.Model.Spec;
            (policy, arch, engine) = ((spec.Encoding?.Policy ?? PolicyKind.Mlp) + "Policy", spec.NetArch.Count == 0 ? "none" : string.Join(",", spec.NetArch), probe.Agent.Engine.ToString().ToLowerInvariant());
            flops = ModelFlops.For(spec, probe.Agent.Model.Flat.Layout, options.NSteps);
            threads = probe.Agent.Threads;
        }

        stdout.WriteLine($"a2c bench: {options.Env}, {options.NEnvs} envs, n_steps {options.NSteps}, {policy}, net {arch}, engine {engine}{(threads > 1 ? $" on {threads} threads" : options.Threads > 1 ? " on 1 thread (a shared trunk does not split)" : string.Empty)}; one warm-up, median of {repeats}");

        // The machine's ceiling first, on the thread that trains (and the engine's helper's core), before anything else warms the cores.
        var peak = FmaPeak.Measure(threads: threads);

        // A remote env's steps are messages over the network: fewer of them, or a repeat takes minutes.
        var envSteps = RemoteVectorEnv.IsRemote(options.Env) ? steps : steps * 20;
        var env = Median(repeats, () => EnvOnly(options, envSteps));
        stdout.WriteLine(Line("env_steps_per_s", $"{env:N0}"));
        if (RemoteVectorEnv.IsRemote(options.Env))
        {
            stdout.WriteLine(Line("step_message_us", $"{1e6 * options.NEnvs / env:N1}", $"one request and response for all {options.NEnvs} envs"));
        }

        var collect = Median(repeats, () => Collect(options, steps));
        stdout.WriteLine(Line("collect_steps_per_s", $"{collect:N0}"));
        var train = Median(repeats, () => Train(options, withSinks: false));
        var trainLoop = Median(repeats, () => Train(options, withSinks: true));
        var update = Median(repeats, () => Update(options));
        var managedEnd = GC.GetTotalMemory(forceFullCollection: true);
        var workingSetEnd = Environment.WorkingSet;
        var transitions = options.NEnvs * options.NSteps;
        var figures = new Figures(env, collect, train, trainLoop, update, transitions, flops, peak, managedStart, managedEnd, workingSetStart, workingSetEnd);
        stdout.WriteLine(Line("train_steps_per_s", $"{train:N0}", Efficiency(figures.TrainGigaFlops, peak)));
        stdout.WriteLine(Line("train_loop_steps_per_s", $"{trainLoop:N0}", Notes(Efficiency(figures.TrainLoopGigaFlops, peak), "with the run directory's files")));
        stdout.WriteLine(Line("update_us", $"{update:N1}", Notes(Efficiency(figures.UpdateGigaFlops, peak), $"{transitions} transitions")));
        stdout.WriteLine(flops is null
            ? Line("model_flops_per_step", $"n/a", "a CNN's operations are not counted")
            : Line("model_flops_per_step", $"{flops.PerEnvStep:N0}", $"act {flops.Act:N0}, learn {flops.Update:N0}, bootstrap {flops.Bootstrap:N0} / {flops.NSteps}"));
        stdout.WriteLine(Line("peak_gflops", $"{peak.GigaFlops:N1}", $"{(peak.Threads == 1 ? "one thread" : $"{peak.Threads} threads at once")}, {peak.VectorBits}-bit fused multiply-adds in registers"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"memory                 managed {managedStart / 1e6:N1} -> {managedEnd / 1e6:N1} MB, working set {workingSetStart / 1e6:N0} -> {workingSetEnd / 1e6:N0} MB"));
        return figures;
    }

    private static string Line(string name, FormattableString value, string? note = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{name,-22} {FormattableString.Invariant(value),12}") + (string.IsNullOrEmpty(note) ? string.Empty : "   " + note);

    private static string Notes(params string[] notes) => string.Join("; ", notes.Where(n => n.Length > 0));

    private static string Efficiency(double? gigaFlops, FmaPeak peak) =>
        gigaFlops is { } g ? FormattableString.Invariant($"{g:N1} GFLOP/s, {g / peak.GigaFlops:F3} of peak") : string.Empty;

    private static double Median(int repeats, Func<double> measure)
    {
        measure(); // warm-up: JIT, first allocations, libtorch's thread pool
        var values = Enumerable.Range(0, repeats).Select(_ => measure()).OrderBy(x => x).ToArray();
        return values.Length % 2 == 1 ? values[values.Length / 2] : (values[values.Length / 2 - 1] + values[values.Length / 2]) / 2;
    }

    private static double EnvOnly(A2COptions options, long steps)
    {
        using var vec = EnvFactory.Create(options.Env, options.NEnvs, kwargs: options.EnvKwargs);
        vec.Reset(0);
        var rng = new Rng(1);
        var vectorSteps = Math.Max(1, steps / options.NEnvs);
        const int TableSteps = 1024;
        var space = vec.SingleActionSpace;
        var size = space.FlatSize;
        var continuous = new float[TableSteps * options.NEnvs * size];
        for (var i = 0; i < TableSteps * options.NEnvs; i++)
        {
            space.Sample(rng, continuous.AsSpan(i * size, size));
        }

        // Discrete, MultiDiscrete and MultiBinary actions are integers.
        var isDiscrete = space is not Box;
        var discrete = isDiscrete ? continuous.Select(x => (int)x).ToArray() : [];
        var clock = Stopwatch.StartNew();
        for (var t = 0L; t < vectorSteps; t++)
        {
            var row = (int)(t % TableSteps);
            if (isDiscrete)
            {
                vec.Step(discrete.AsSpan(row * options.NEnvs * size, options.NEnvs * size));
            }
            else
            {
                vec.Step(continuous.AsSpan(row * options.NEnvs * size, options.NEnvs * size));
            }
        }

        return vectorSteps * options.NEnvs / clock.Elapsed.TotalSeconds;
    }

    private static double Collect(A2COptions options, long steps)
    {
        // On the trainer's own thread, as in training: a second thread would start a second libtorch pool.
        using var trainer = new Trainer(options);
        var vectorSteps = (int)Math.Max(1, steps / options.NEnvs);
        return trainer.OnTrainingThread(() =>
        {
            var clock = Stopwatch.StartNew();
            RolloutStream.Create(trainer.Env, trainer.Agent, options.Seed, Scheduler.CurrentThread, trainer.Normalizer).Take(vectorSteps).LastAsync().Wait();
            return vectorSteps * (double)options.NEnvs / clock.Elapsed.TotalSeconds;
        });
    }

    /// <summary>The A2C loop alone, or, <paramref name="withSinks"/>, with what <c>a2c train</c> writes as it runs (monitor.csv, progress.csv, TensorBoard, checkpoints at its defaults) into a temporary run directory.</summary>
    private static double Train(A2COptions options, bool withSinks)
    {
        using var trainer = new Trainer(options);
        if (!withSinks)
        {
            return trainer.Run().Fps;
        }

        var directory = Directory.CreateTempSubdirectory("a2c-bench-");
        try
        {
            using var files = new RunFiles(directory.FullName, trainer.Options, RunFiles.DeviceName(trainer.Device), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
            trainer.CheckpointEvery = TrainCommand.DefaultCheckpointEvery;
            using var sinks = RunSinks.Subscribe(trainer, files, TrainCommand.DefaultLogInterval);
            return trainer.Run().Fps;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static double Update(A2COptions options)
    {
        using var trainer = new Trainer(options);
        return trainer.OnTrainingThread(() =>
        {
            var rollout = RolloutStream.Create(trainer.Env, trainer.Agent, options.Seed, Scheduler.CurrentThread).Rollouts(options.NSteps).Take(1).Wait();
            const int Updates = 200;
            trainer.Learner.Update(rollout, 1.0);
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < Updates; i++)
            {
                trainer.Learner.Update(rollout, 1.0);
            }

            return clock.Elapsed.TotalMicroseconds / Updates;
        });
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (IOException)
        {
            return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
        }
    }
}
