using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using A2C.Envs;
using A2C.Envs.Remote;
using A2C.Training;

namespace A2C.Cli;

/// <summary>
/// <c>a2c sweep</c>: one env over several seeds, each an <c>a2c train</c> child process (so seeds
/// share neither a thread nor a libtorch), K at a time; then a summary over seeds. This file
/// parses and checks; <see cref="SweepPlan"/> says what runs, <see cref="SeedPool"/> runs it and
/// <see cref="SweepSummary"/> sums it up.
/// </summary>
/// <remarks>
/// The sweep directory holds <c>seed-N/</c> (each a normal run dir), <c>seed-N.log</c> (the
/// child's output), <c>seed-N.json</c> (its <c>--summary-json</c>), <c>sweep.json</c> (the plan)
/// and <c>summary.json</c>.
/// </remarks>
internal static class SweepCommand
{
    private const string Name = "a2c sweep";

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
        command.SetAction(parse => CliErrors.Run(Name, stderr, () =>
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

                return errors.Count > 0 ? CliApp.ReportUsageErrors(stderr, Name, errors) : Resume(resumeDir, requested, stdout, stderr, cancellation);
            }

            var envId = parse.GetValue(env);
            var seedText = parse.GetValue(seeds);
            if (envId is null || seedText is null)
            {
                errors.Add($"{(envId is null ? "--env" : "--seeds")} is required (or --resume to finish a sweep).");
                return CliApp.ReportUsageErrors(stderr, Name, errors);
            }

            var plan = new SweepPlan(envId, SweepPlan.ParseSeeds(seedText, errors), trainArgs);
            foreach (var token in trainArgs)
            {
                var option = token.Split('=', 2)[0];
                if (SweepPlan.SetBySweep.Contains(option))
                {
                    errors.Add($"{option} is set by the sweep for each seed (seeds come from --seeds; runs go under --out); leave it out.");
                }
            }

            if (RemoteVectorEnv.IsRemote(envId))
            {
                errors.Add($"--env is '{envId}'; a sweep trains registered envs (each seed needs envs of its own; serve one grpc:// server per seed and use a2c train).");
            }

            if (errors.Count > 0)
            {
                return CliApp.ReportUsageErrors(stderr, Name, errors);
            }

            var directory = parse.GetValue(output) ?? Path.Combine("runs", $"sweep-{Trainer.FileNameOf(envId)}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            if (File.Exists(directory) || (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any()))
            {
                throw CliErrors.Failure($"'{directory}' {(File.Exists(directory) ? "is a file" : "exists and is not empty")}; choose another --out.");
            }

            var existed = Directory.Exists(directory);
            try
            {
                Directory.CreateDirectory(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw CliErrors.Failure($"cannot create '{directory}': {FileErrors.Reason(e)}.", e);
            }

            var runs = plan.FreshRuns(directory);
            if (CheckFreshRuns(runs, stderr) is { } refused)
            {
                if (!existed)
                {
                    Directory.Delete(directory, recursive: true);
                }

                return refused;
            }

            // What --resume needs, written before any child starts: a sweep killed outright can be finished too.
            plan.Write(directory);
            return RunAndSummarize(directory, plan, runs, requested, stdout, stderr, cancellation);
        }));
        return command;
    }

    /// <summary>
    /// Checks new runs' options in this process (train's own checks, as --dry-run), so that a typo
    /// is one message and exit 2, not K failed processes; returns the exit code when refused.
    /// </summary>
    private static int? CheckFreshRuns(IEnumerable<SeedRun> runs, TextWriter stderr)
    {
        foreach (var run in runs.Where(r => r.Start == SeedStart.Fresh))
        {
            var problems = new StringWriter(CultureInfo.InvariantCulture);
            if (CliApp.Run(["train", .. run.Arguments, "--dry-run"], TextWriter.Null, problems) != 0)
            {
                stderr.Write(problems.ToString().Replace("a2c train:", Name + ":", StringComparison.Ordinal));
                return CliApp.UsageError;
            }
        }

        return null;
    }

    /// <summary>Finishes the sweep in <paramref name="directory"/>: see <see cref="SweepPlan.ResumeRuns"/>.</summary>
    private static int Resume(string directory, int? requested, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var plan = SweepPlan.Read(directory);
        var runs = plan.ResumeRuns(directory);
        if (CheckFreshRuns(runs, stderr) is { } refused)
        {
            return refused;
        }

        foreach (var run in runs)
        {
            stdout.WriteLine($"seed {run.Seed}: {run.Describe()}");
        }

        return RunAndSummarize(directory, plan, runs, requested, stdout, stderr, cancellation);
    }

    private static int RunAndSummarize(string directory, SweepPlan plan, List<SeedRun> runs, int? requested, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var toRun = runs.Count(r => r.Start != SeedStart.Kept);
        var workers = Math.Max(1, Math.Min(requested ?? Environment.ProcessorCount, Math.Max(toRun, 1)));
        var clock = Stopwatch.StartNew();
        var interrupted = SeedPool.Run(runs, workers, stdout, cancellation);
        clock.Stop();

        var summary = new SweepSummary(plan, runs, Registry.Spec(plan.Env).RewardThreshold, workers, clock.Elapsed.TotalSeconds, interrupted);
        var summaryPath = summary.Write(directory);
        stdout.WriteLine();
        summary.WriteTable(stdout);
        stdout.WriteLine(summary.Note());
        stdout.WriteLine($"summary: {summaryPath}");
        foreach (var failed in summary.Outcomes.Where(o => o.ExitCode != 0 && !interrupted))
        {
            stderr.WriteLine($"{Name}: seed {failed.Seed} failed (exit {failed.ExitCode}); the end of {failed.Run.LogPath}:");
            foreach (var line in failed.LogTail)
            {
                stderr.WriteLine("  " + line);
            }
        }

        if (interrupted)
        {
            stderr.WriteLine($"{Name}: stopped; finish it with a2c sweep --resume {directory}");
        }

        return interrupted ? CliApp.Interrupted : summary.Outcomes.All(o => o.ExitCode == 0) ? 0 : CliApp.Failure;
    }
}
