using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using A2C.Envs;
using A2C.Envs.Remote;
using A2C.Training;
using A2C.Training.Reporting;

namespace A2C.Cli;

/// <summary>
/// <c>a2c sweep</c>: one env over several seeds, each an <c>a2c train</c> child process (so seeds
/// share neither a thread nor a libtorch), K at a time; then a summary over seeds.
/// </summary>
/// <remarks>
/// The sweep directory holds <c>seed-N/</c> (each a normal run dir), <c>seed-N.log</c> (the
/// child's output), <c>seed-N.json</c> (its <c>--summary-json</c>) and <c>summary.json</c>.
/// </remarks>
internal static class SweepCommand
{
    /// <summary>Train options the sweep sets per seed itself.</summary>
    private static readonly string[] _setBySweep = ["--seed", "--run-dir", "--summary-json", "--resume", "--dry-run"];

    private static readonly JsonSerializerOptions _indented = new() { WriteIndented = true };

    public static Command Create(TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var env = new Option<string?>("--env") { Description = "Registered environment id, e.g. CartPole-v1 (required unless --resume)." };
        var seeds = new Option<string?>("--seeds") { Description = "Seeds to train: 1-5, 1,2,3 or 1-3,7 (required unless --resume)." };
        var parallel = new Option<int?>("--parallel") { Description = "Runs at a time (default: one per core, at most one per seed)." };
        var output = new Option<string?>("--out") { Description = "The sweep directory (default runs/sweep-ENV-TIME): seed-N/ run dirs, seed-N.log, seed-N.json, sweep.json and summary.json." };
        var resume = new Option<string?>("--resume") { Description = "Finish the sweep in this directory: seeds that finished are kept, stopped ones resume from their checkpoints, the others start." };
        var command = new Command(
            "sweep",
            "Train one env over several seeds in parallel processes, then summarize them (summary.json and a table). Every other option is passed to each `a2c train`, e.g. --n-envs 16 --normalize --total-steps 1000000.")
        {
            env, seeds, parallel, output, resume,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse =>
        {
            var errors = new List<string>();
            var trainArgs = parse.UnmatchedTokens.ToList();
            var requested = parse.GetValue(parallel);
            if (requested < 1)
            {
                errors.Add($"--parallel is {requested}; allowed: 1 or more.");
            }

            if (parse.GetValue(resume) is { } resumeDir)
            {
                var given = new Option[] { env, seeds, output }.Where(o => parse.GetResult(o) is not null).Select(o => o.Name).ToList();
                given.AddRange(trainArgs.Where(t => t.StartsWith("--", StringComparison.Ordinal)).Select(t => t.Split('=', 2)[0]));
                if (given.Count > 0)
                {
                    errors.Add($"{string.Join(", ", given)} cannot be given with --resume: a resumed sweep keeps its env, seeds, options and directory (only --parallel may change).");
                }

                if (errors.Count > 0)
                {
                    return CliApp.ReportUsageErrors(stderr, "a2c sweep", errors);
                }

                return Resume(resumeDir, requested, stdout, stderr, cancellation);
            }

            var envId = parse.GetValue(env);
            var seedText = parse.GetValue(seeds);
            if (envId is null || seedText is null)
            {
                errors.Add($"{(envId is null ? "--env" : "--seeds")} is required (or --resume to finish a sweep).");
                return CliApp.ReportUsageErrors(stderr, "a2c sweep", errors);
            }

            var seedList = ParseSeeds(seedText, errors);
            foreach (var token in trainArgs)
            {
                var name = token.Split('=', 2)[0];
                if (_setBySweep.Contains(name))
                {
                    errors.Add($"{name} is set by the sweep for each seed (seeds come from --seeds; runs go under --out); leave it out.");
                }
            }

            if (RemoteVectorEnv.IsRemote(envId))
            {
                errors.Add($"--env is '{envId}'; a sweep trains registered envs (each seed needs envs of its own; serve one grpc:// server per seed and use a2c train).");
            }

            if (errors.Count > 0)
            {
                return CliApp.ReportUsageErrors(stderr, "a2c sweep", errors);
            }

            var directory = parse.GetValue(output) ?? Path.Combine("runs", $"sweep-{string.Concat(envId.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'))}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            if (File.Exists(directory) || (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any()))
            {
                stderr.WriteLine($"a2c sweep: '{directory}' {(File.Exists(directory) ? "is a file" : "exists and is not empty")}; choose another --out.");
                return CliApp.Failure;
            }

            var existed = Directory.Exists(directory);
            try
            {
                Directory.CreateDirectory(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"a2c sweep: cannot create '{directory}': {FileErrors.Reason(e)}.");
                return CliApp.Failure;
            }

            var runs = seedList.Select(seed => new SeedRun(seed, directory).Fresh(envId, trainArgs)).ToList();
            if (CheckFreshRuns(runs, stderr) is { } refused)
            {
                if (!existed)
                {
                    Directory.Delete(directory, recursive: true);
                }

                return refused;
            }

            // What --resume needs, written before any child starts: a sweep killed outright can be finished too.
            var plan = new JsonObject
            {
                ["env"] = envId,
                ["seeds"] = new JsonArray([.. seedList.Select(seed => JsonValue.Create(seed))]),
                ["train_args"] = new JsonArray([.. trainArgs.Select(a => JsonValue.Create(a))]),
            };
            try
            {
                RunFiles.WriteAtomically(Path.Combine(directory, PlanFile), plan.ToJsonString(_indented) + "\n");
            }
            catch (RunFileWriteException e)
            {
                stderr.WriteLine($"a2c sweep: {e.Message}");
                return CliApp.Failure;
            }

            return RunAndSummarize(directory, envId, trainArgs, runs, requested, stdout, stderr, cancellation);
        });
        return command;
    }

    /// <summary>The sweep's plan (env, seeds, train options) in its directory, which --resume reads.</summary>
    private const string PlanFile = "sweep.json";

    /// <summary>
    /// Checks new runs' options in this process (train's own checks, as --dry-run), so that a typo
    /// is one message and exit 2, not K failed processes; returns the exit code when refused.
    /// </summary>
    private static int? CheckFreshRuns(IEnumerable<SeedRun> runs, TextWriter stderr)
    {
        foreach (var run in runs)
        {
            var problems = new StringWriter(CultureInfo.InvariantCulture);
            if (CliApp.Run(["train", .. run.Arguments, "--dry-run"], TextWriter.Null, problems) != 0)
            {
                stderr.Write(problems.ToString().Replace("a2c train:", "a2c sweep:", StringComparison.Ordinal));
                return CliApp.UsageError;
            }
        }

        return null;
    }

    /// <summary>
    /// Finishes the sweep in <paramref name="directory"/>: a seed whose summary says it ran to the
    /// end is kept; one with a checkpoint continues from it (a2c train --resume, with the sweep's
    /// logging and evaluation options); any other starts again, its run dir (which holds no
    /// checkpoint, so nothing to continue) replaced.
    /// </summary>
    private static int Resume(string directory, int? requested, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var planPath = Path.Combine(directory, PlanFile);
        string envId;
        List<int> seedList;
        List<string> trainArgs;
        try
        {
            var plan = JsonNode.Parse(File.ReadAllText(planPath)) as JsonObject ?? throw new InvalidDataException("it is not a JSON object");
            envId = plan["env"]?.GetValue<string>() ?? throw new InvalidDataException("it has no env");
            seedList = plan["seeds"]?.AsArray().Select(n => n!.GetValue<int>()).ToList() ?? throw new InvalidDataException("it has no seeds");
            trainArgs = plan["train_args"]?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? throw new InvalidDataException("it has no train_args");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            stderr.WriteLine($"a2c sweep: '{directory}' is not a sweep directory: it has no {PlanFile}.");
            return CliApp.UsageError;
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or InvalidOperationException or FormatException or NullReferenceException)
        {
            stderr.WriteLine($"a2c sweep: '{planPath}' cannot be read: {e.Message}.");
            return CliApp.UsageError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"a2c sweep: cannot read '{planPath}': {FileErrors.Reason(e)}.");
            return CliApp.Failure;
        }

        var continued = ResumeArguments(trainArgs);
        var runs = new List<SeedRun>();
        foreach (var seed in seedList)
        {
            var run = new SeedRun(seed, directory);
            if (RanToTheEnd(run.SummaryPath))
            {
                run.Finished = true;
                run.ExitCode = 0;
            }
            else if (File.Exists(run.CheckpointPath))
            {
                run.Arguments = ["--resume", run.CheckpointPath, "--summary-json", run.SummaryPath, .. continued];
            }
            else
            {
                FileErrors.TryDelete(run.SummaryPath);
                if (Directory.Exists(run.RunDir))
                {
                    Directory.Delete(run.RunDir, recursive: true);
                }

                run.Fresh(envId, trainArgs);
            }

            runs.Add(run);
        }

        if (CheckFreshRuns(runs.Where(r => !r.Finished && !r.Arguments.Contains("--resume")), stderr) is { } refused)
        {
            return refused;
        }

        foreach (var run in runs)
        {
            stdout.WriteLine($"seed {run.Seed}: {(run.Finished ? "finished before; kept" : run.Arguments.Contains("--resume") ? $"continues from {run.CheckpointPath}" : "starts")}");
        }

        return RunAndSummarize(directory, envId, trainArgs, runs, requested, stdout, stderr, cancellation);
    }

    /// <summary>Whether a seed's --summary-json says its run ended at its budget or threshold, not by a signal.</summary>
    private static bool RanToTheEnd(string summaryPath)
    {
        try
        {
            return File.Exists(summaryPath) && JsonNode.Parse(File.ReadAllText(summaryPath))?["cancelled"]?.GetValue<bool>() == false;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IOException)
        {
            return false;
        }
    }

    /// <summary>The options of <paramref name="trainArgs"/> that a2c train --resume takes (logging, evaluation, the budget): the rest are in the checkpoint.</summary>
    private static List<string> ResumeArguments(List<string> trainArgs)
    {
        string[] allowed = ["--total-steps", "--stop-at-threshold", "--eval-episodes", "--log-interval", "--checkpoint-every", "--remote-timeout", "--device"];
        var parsed = TrainCommand.Train(TextWriter.Null, TextWriter.Null, CancellationToken.None).Parse(trainArgs);
        var kept = new List<string>();
        foreach (var option in parsed.CommandResult.Children.OfType<System.CommandLine.Parsing.OptionResult>())
        {
            if (!option.Implicit && allowed.Contains(option.Option.Name))
            {
                kept.Add(option.Option.Name);
                kept.AddRange(option.Tokens.Select(t => t.Value));
            }
        }

        return kept;
    }

    private static int RunAndSummarize(string directory, string envId, List<string> trainArgs, List<SeedRun> runs, int? requested, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var toRun = runs.Count(r => !r.Finished);
        var workers = Math.Max(1, Math.Min(requested ?? Environment.ProcessorCount, Math.Max(toRun, 1)));
        var clock = Stopwatch.StartNew();
        var interrupted = RunAll(runs, workers, stdout, cancellation);
        clock.Stop();

        var threshold = Registry.Spec(envId).RewardThreshold;
        var outcomes = runs.Select(r => SeedOutcome.Read(r, threshold)).ToList();
        var summary = Summarize(envId, threshold, trainArgs, workers, clock.Elapsed.TotalSeconds, interrupted, outcomes);
        var summaryPath = Path.Combine(directory, "summary.json");
        var rows = TableRows(outcomes, threshold);
        var note = TableNote(outcomes, threshold);
        try
        {
            RunFiles.WriteAtomically(summaryPath, summary.ToJsonString(_indented) + "\n");
            RunFiles.WriteAtomically(Path.Combine(directory, "summary.md"), MarkdownTable(rows) + "\n" + note + "\n");
        }
        catch (RunFileWriteException e)
        {
            stderr.WriteLine($"a2c sweep: {e.Message}");
            return CliApp.Failure;
        }

        stdout.WriteLine();
        WriteTable(stdout, rows);
        stdout.WriteLine(note);
        stdout.WriteLine($"summary: {summaryPath}");
        foreach (var failed in outcomes.Where(o => o.ExitCode != 0 && !interrupted))
        {
            stderr.WriteLine($"a2c sweep: seed {failed.Seed} failed (exit {failed.ExitCode}); the end of {failed.Run.LogPath}:");
            foreach (var line in failed.LogTail)
            {
                stderr.WriteLine("  " + line);
            }
        }

        if (interrupted)
        {
            stderr.WriteLine($"a2c sweep: stopped; finish it with a2c sweep --resume {directory}");
        }

        return interrupted ? CliApp.Interrupted : outcomes.All(o => o.ExitCode == 0) ? 0 : CliApp.Failure;
    }

    /// <summary>"1-3,7" as [1, 2, 3, 7]; a malformed part, a descending range or a repeat is added to <paramref name="errors"/>.</summary>
    internal static List<int> ParseSeeds(string text, List<string> errors)
    {
        var seeds = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', 1 < part.Length ? 1 : 0);
            var (first, last) = dash > 0 ? (part[..dash], part[(dash + 1)..]) : (part, part);
            if (!int.TryParse(first, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var from)
                || !int.TryParse(last, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var to))
            {
                errors.Add($"--seeds is '{text}'; '{part}' is not a seed or a range (expected e.g. 1-5, 1,2,3 or 1-3,7).");
                return seeds;
            }

            if (to < from)
            {
                errors.Add($"--seeds is '{text}'; the range '{part}' runs backwards.");
                return seeds;
            }

            if ((long)to - from >= 10_000)
            {
                errors.Add($"--seeds is '{text}'; '{part}' holds more than 10000 seeds.");
                return seeds;
            }

            for (var seed = from; seed <= to; seed++)
            {
                if (seeds.Contains(seed))
                {
                    errors.Add($"--seeds is '{text}'; seed {seed} is listed twice.");
                    return seeds;
                }

                seeds.Add(seed);
            }
        }

        return seeds;
    }

    /// <summary>Runs the seeds, <paramref name="workers"/> at a time; returns whether a signal stopped the sweep.</summary>
    private static bool RunAll(List<SeedRun> runs, int workers, TextWriter stdout, CancellationToken cancellation)
    {
        var next = -1;
        var gate = new object();
        var running = new List<Process>();
        var active = new List<SeedRun>();
        var stopped = false;

        // SIGINT/SIGTERM: every running child gets SIGTERM (it checkpoints and exits 143) and no
        // new seed starts; the children's checkpoints are what the sweep leaves to resume.
        using var onCancel = cancellation.Register(() =>
        {
            lock (gate)
            {
                stopped = true;
                // Windows has no SIGTERM; there, Ctrl+C reaches the children through their shared console.
                if (!OperatingSystem.IsWindows())
                {
                    foreach (var process in running)
                    {
                        _ = Kill(process.Id, SigTerm);
                    }
                }
            }
        });

        void Say(string line)
        {
            lock (gate)
            {
                stdout.WriteLine(line);
            }
        }

        void Worker()
        {
            while (true)
            {
                var index = Interlocked.Increment(ref next);
                if (index >= runs.Count)
                {
                    return;
                }

                var run = runs[index];
                if (run.Finished)
                {
                    continue;
                }

                using var process = new Process { StartInfo = run.StartInfo() };
                StreamWriter log;
                lock (gate)
                {
                    if (stopped)
                    {
                        continue;
                    }

                    log = new StreamWriter(run.LogPath, append: true) { AutoFlush = true };
                    try
                    {
                        process.Start();
                    }
                    catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
                    {
                        // Not a seed's failure but the sweep's: say so in its row and log, and go on.
                        log.WriteLine($"a2c sweep: could not start '{process.StartInfo.FileName}': {e.Message}");
                        log.Dispose();
                        run.ExitCode = StartFailed;
                        stdout.WriteLine($"seed {run.Seed}: could not start '{process.StartInfo.FileName}': {e.Message}");
                        continue;
                    }

                    running.Add(process);
                    active.Add(run);
                }

                using var logged = log;
                process.OutputDataReceived += (_, e) => Append(log, e.Data);
                process.ErrorDataReceived += (_, e) => Append(log, e.Data);

                var clock = Stopwatch.StartNew();
                Say($"seed {run.Seed}: started (pid {process.Id}), log {run.LogPath}");
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                process.WaitForExit();
                lock (gate)
                {
                    running.Remove(process);
                    active.Remove(run);
                }

                run.ExitCode = process.ExitCode;
                run.Seconds = clock.Elapsed.TotalSeconds;
                Say(string.Create(CultureInfo.InvariantCulture, $"seed {run.Seed}: exit {process.ExitCode} after {run.Seconds:F1} s"));
            }
        }

        // Children write to their logs, not here: a line now and then says how far each has got.
        void Status(object? _)
        {
            lock (gate)
            {
                var parts = active.Select(r => $"seed {r.Seed} {LatestProgress(r.RunDir)}").ToList();
                if (parts.Count > 0 && !stopped)
                {
                    stdout.WriteLine("running: " + string.Join("; ", parts));
                }
            }
        }

        using var status = new Timer(Status, null, StatusEvery, StatusEvery);
        var threads = Enumerable.Range(0, workers).Select(_ => new Thread(Worker) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return stopped;
    }

    /// <summary>How often a running sweep prints how far its children are (tests shorten it).</summary>
    internal static TimeSpan StatusEvery { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>"120,000 steps, mean return 180.3" from a run's last progress row; "starting" before its first.</summary>
    private static string LatestProgress(string runDir)
    {
        var stepsAt = Array.IndexOf(RunFiles.ProgressColumns, "total_timesteps");
        var returnAt = Array.IndexOf(RunFiles.ProgressColumns, "ep_rew_mean");
        try
        {
            var path = Path.Combine(runDir, "progress.csv");
            var fields = File.Exists(path) ? File.ReadLines(path).Skip(1).LastOrDefault()?.Split(',') : null;
            if (fields is null || fields.Length != RunFiles.ProgressColumns.Length
                || !long.TryParse(fields[stepsAt], NumberStyles.None, CultureInfo.InvariantCulture, out var steps))
            {
                return "starting";
            }

            return double.TryParse(fields[returnAt], NumberStyles.Float, CultureInfo.InvariantCulture, out var meanReturn)
                ? string.Create(CultureInfo.InvariantCulture, $"{steps:N0} steps, mean return {meanReturn:F1}")
                : string.Create(CultureInfo.InvariantCulture, $"{steps:N0} steps");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "(progress unreadable)";
        }
    }

    private static void Append(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }

    private const int SigTerm = 15;

    /// <summary>The exit code recorded for a child that could not be started at all (as a shell's 127).</summary>
    private const int StartFailed = 127;

    // POSIX kill(2): .NET's Process.Kill sends SIGKILL only, which would lose the child's checkpoint.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);

    private static JsonObject Summarize(string env, double? threshold, List<string> trainArgs, int workers, double seconds, bool interrupted, List<SeedOutcome> outcomes)
    {
        var finished = outcomes.Where(o => o.ExitCode == 0).ToList();
        return new JsonObject
        {
            ["env"] = env,
            ["seeds"] = new JsonArray([.. outcomes.Select(o => JsonValue.Create(o.Seed))]),
            ["train_args"] = new JsonArray([.. trainArgs.Select(a => JsonValue.Create(a))]),
            ["parallel"] = workers,
            ["reward_threshold"] = threshold,
            ["interrupted"] = interrupted,
            ["sweep_wall_seconds"] = seconds,
            ["runs"] = new JsonArray([.. outcomes.Select(o => (JsonNode)o.ToJson())]),
            // Across the seeds that finished: mean and population std (numpy's default).
            ["eval_mean_return"] = SpreadJson(finished.Select(o => o.EvalMean)),
            ["steps_to_threshold"] = SpreadJson(finished.Select(o => (double?)o.StepsToThreshold), ("reached", finished.Count(o => o.StepsToThreshold is not null)), ("of", outcomes.Count)),
            ["wall_seconds"] = SpreadJson(finished.Select(o => o.WallSeconds)),
            ["fps"] = SpreadJson(finished.Select(o => o.Fps)),
        };
    }

    private static JsonObject SpreadJson(IEnumerable<double?> values, params (string Name, int Value)[] extra)
    {
        var (mean, std, n) = MeanStd(values);
        var node = new JsonObject { ["mean"] = mean, ["std"] = std, ["n"] = n };
        foreach (var (name, value) in extra)
        {
            node[name] = value;
        }

        return node;
    }

    /// <summary>Mean and population standard deviation of the values present; nulls when none is.</summary>
    internal static (double? Mean, double? Std, int Count) MeanStd(IEnumerable<double?> values)
    {
        var present = values.OfType<double>().ToArray();
        if (present.Length == 0)
        {
            return (null, null, 0);
        }

        var (mean, std) = Spread.Of(present);
        return (mean, std, present.Length);
    }

    /// <summary>The table's rows: a header, one row per seed, one across seeds.</summary>
    private static List<string[]> TableRows(List<SeedOutcome> outcomes, double? threshold)
    {
        static string F(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
        static string Pm((double? Mean, double? Std, int Count) s, string format) => s.Count == 0 ? "-" : $"{F(s.Mean, format)} ± {F(s.Std, format)}";

        var rows = new List<string[]> { new[] { "seed", "eval return", "steps to threshold", "wall s", "fps" } };
        foreach (var o in outcomes)
        {
            if (o.ExitCode != 0)
            {
                rows.Add([o.Seed.ToString(CultureInfo.InvariantCulture), o.ExitCode is { } code ? $"exit {code}" : "not started", "-", "-", "-"]);
                continue;
            }

            var steps = o.StepsToThreshold is { } s ? s.ToString("N0", CultureInfo.InvariantCulture) : threshold is null ? "-" : "not reached";
            rows.Add([o.Seed.ToString(CultureInfo.InvariantCulture), o.EvalMean is null ? "-" : $"{F(o.EvalMean, "F1")} ± {F(o.EvalStd, "F1")}", steps, F(o.WallSeconds, "F1"), F(o.Fps, "N0")]);
        }

        var finished = outcomes.Where(o => o.ExitCode == 0).ToList();
        var reached = finished.Count(o => o.StepsToThreshold is not null);
        rows.Add([
            "all",
            Pm(MeanStd(finished.Select(o => o.EvalMean)), "F1"),
            threshold is null ? "-" : $"{Pm(MeanStd(finished.Select(o => (double?)o.StepsToThreshold)), "N0")} ({reached}/{outcomes.Count})",
            Pm(MeanStd(finished.Select(o => o.WallSeconds)), "F1"),
            Pm(MeanStd(finished.Select(o => o.Fps)), "N0"),
        ]);
        return rows;
    }

    private static string TableNote(List<SeedOutcome> outcomes, double? threshold) =>
        $"Per seed: deterministic evaluation mean ± std over its episodes; all: mean ± std across the {outcomes.Count(o => o.ExitCode == 0)} finished seeds. "
        + (threshold is { } t ? string.Create(CultureInfo.InvariantCulture, $"Steps to threshold: the first progress row whose last-100 training mean reaches {t}.") : "The env has no reward threshold.");

    /// <summary>The table as aligned text: the first column left, the others right.</summary>
    private static void WriteTable(TextWriter writer, List<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        string Line(string[] row) => string.Join("  ", row.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c])));
        writer.WriteLine(Line(rows[0]));
        writer.WriteLine(new string('-', widths.Sum() + (2 * (widths.Length - 1))));
        foreach (var row in rows.Skip(1))
        {
            writer.WriteLine(Line(row));
        }
    }

    /// <summary>The table in Markdown, for reports such as docs/results.md.</summary>
    internal static string MarkdownTable(List<string[]> rows)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine("| " + string.Join(" | ", rows[0]) + " |");
        text.AppendLine("| --- |" + string.Concat(Enumerable.Repeat(" ---: |", rows[0].Length - 1)));
        foreach (var row in rows.Skip(1))
        {
            text.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        return text.ToString();
    }

    /// <summary>One seed's child process: its arguments and files.</summary>
    private sealed class SeedRun(int seed, string directory)
    {
        public int Seed { get; } = seed;

        public string RunDir { get; } = Path.Combine(directory, $"seed-{seed}");

        public string LogPath { get; } = Path.Combine(directory, $"seed-{seed}.log");

        public string SummaryPath { get; } = Path.Combine(directory, $"seed-{seed}.json");

        public string CheckpointPath => Path.Combine(RunDir, "checkpoint.zip");

        /// <summary>The child's exit code; null when it never started.</summary>
        public int? ExitCode { get; set; }

        public double Seconds { get; set; }

        /// <summary>A seed a resumed sweep found finished: it is summarized, not run.</summary>
        public bool Finished { get; set; }

        /// <summary>The arguments of <c>a2c train</c> for this seed.</summary>
        public IReadOnlyList<string> Arguments { get; set; } = [];

        /// <summary>A new run of this seed.</summary>
        public SeedRun Fresh(string env, IEnumerable<string> trainArgs)
        {
            Arguments = ["--env", env, .. trainArgs, "--seed", Seed.ToString(CultureInfo.InvariantCulture), "--run-dir", RunDir, "--summary-json", SummaryPath];
            return this;
        }

        /// <summary>This same a2c (apphost or <c>dotnet a2c.dll</c>), training this seed.</summary>
        public ProcessStartInfo StartInfo()
        {
            var self = Environment.ProcessPath ?? "dotnet";
            var info = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(self) == "a2c")
            {
                info.FileName = self;
            }
            else
            {
                // Under `dotnet a2c.dll` or a test host: run a2c.dll with the dotnet that runs us.
                info.FileName = Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
                info.ArgumentList.Add(typeof(CliApp).Assembly.Location);
            }

            info.ArgumentList.Add("train");
            foreach (var argument in Arguments)
            {
                info.ArgumentList.Add(argument);
            }

            return info;
        }
    }

    /// <summary>What one seed's files say once its child has exited.</summary>
    private sealed record SeedOutcome(SeedRun Run, int Seed, int? ExitCode, double? EvalMean, double? EvalStd, long? StepsToThreshold, double? WallSeconds, double? Fps, long? TotalTimesteps, IReadOnlyList<string> LogTail)
    {
        public static SeedOutcome Read(SeedRun run, double? threshold)
        {
            var tail = File.Exists(run.LogPath) ? File.ReadLines(run.LogPath).TakeLast(5).ToList() : [];
            JsonNode? json = null;
            if (run.ExitCode == 0 && File.Exists(run.SummaryPath))
            {
                json = JsonNode.Parse(File.ReadAllText(run.SummaryPath));
            }

            var progress = Path.Combine(run.RunDir, "progress.csv");
            var reached = threshold is { } t ? SweepCommand.StepsToThreshold(progress, t) : null;
            return new SeedOutcome(
                run,
                run.Seed,
                run.ExitCode,
                json?["eval_mean_return"]?.GetValue<double>(),
                json?["eval_std_return"]?.GetValue<double>(),
                reached,
                json?["wall_seconds"]?.GetValue<double>(),
                json?["fps"]?.GetValue<double>(),
                json?["total_timesteps"]?.GetValue<long>(),
                tail);
        }

        public JsonObject ToJson() => new()
        {
            ["seed"] = Seed,
            ["exit_code"] = ExitCode,
            ["run_dir"] = Path.GetFileName(Run.RunDir),
            ["log"] = Path.GetFileName(Run.LogPath),
            ["total_timesteps"] = TotalTimesteps,
            ["wall_seconds"] = WallSeconds,
            ["fps"] = Fps,
            ["eval_mean_return"] = EvalMean,
            ["eval_std_return"] = EvalStd,
            ["steps_to_threshold"] = StepsToThreshold,
        };
    }

    /// <summary>
    /// The total_timesteps of the first progress.csv row whose ep_rew_mean (the last-100 training
    /// mean) reaches <paramref name="threshold"/>; null when none does or the file cannot be read
    /// (a child that failed early). Rows come every --log-interval updates, so this is as fine as the log.
    /// </summary>
    internal static long? StepsToThreshold(string progressPath, double threshold)
    {
        try
        {
            return ProgressCsv.Read(progressPath).Points.Where(p => p.MeanReturn >= threshold).Select(p => (long?)p.Steps).FirstOrDefault();
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            return null;
        }
    }
}
