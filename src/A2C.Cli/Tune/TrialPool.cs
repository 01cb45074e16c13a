using System.Diagnostics;
using System.Globalization;
using A2C.Core;
using A2C.Training;
using Microsoft.FSharp.Collections;

namespace A2C.Cli;

/// <summary>
/// Runs a study's trials, K at a time, each as <c>a2c train</c> child processes (one per seed):
/// a worker claims a trial from the study (so other processes on the same study take other
/// trials), starts it, reads its evaluations.csv files as rows arrive, reports them to the study
/// and asks the pruner, and stops the children with SIGTERM when pruned. SIGINT/SIGTERM stop every child; their trials are
/// marked failed (a resumed study runs them again).
/// </summary>
internal static class TrialPool
{
    /// <summary>How often a worker reads its trial's evaluations and beats its heart.</summary>
    private static readonly TimeSpan _poll = TimeSpan.FromMilliseconds(200);

    /// <summary>Failed trials in a row after which this process stops claiming: a fault that fails every trial is not retried forever.</summary>
    public const int MaxFailuresInARow = 5;

    /// <summary>Runs trials until the study has <paramref name="trials"/>, a signal, or <see cref="MaxFailuresInARow"/> failures in a row.</summary>
    public static PoolEnd Run(string studyPath, TuneSettings settings, int trials, int workers, string trialsDir, TextWriter stdout, CancellationToken cancellation)
    {
        var gate = new object();
        var failuresInARow = 0;
        void Say(string line)
        {
            lock (gate)
            {
                stdout.WriteLine(line);
            }
        }

        void Worker()
        {
            using var study = Study.Open(studyPath);
            while (!cancellation.IsCancellationRequested && Volatile.Read(ref failuresInARow) < MaxFailuresInARow
                && study.Claim(trials, A2CSearchSpace.Parameters, settings.Suggest) is { } claim)
            {
                if (RunTrial(study, settings, claim.Number, claim.Values, trialsDir, Say, cancellation) == TrialState.Failed)
                {
                    Interlocked.Increment(ref failuresInARow);
                }
                else
                {
                    Interlocked.Exchange(ref failuresInARow, 0);
                }
            }
        }

        var threads = Enumerable.Range(0, workers).Select(_ => new Thread(Worker) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return cancellation.IsCancellationRequested ? PoolEnd.Interrupted
            : failuresInARow >= MaxFailuresInARow ? PoolEnd.TooManyFailures
            : PoolEnd.Finished;
    }

    /// <summary>The directory of trial <paramref name="number"/>: one run dir per seed, <c>seed-S/</c>, with its log <c>seed-S.log</c>.</summary>
    public static string TrialDir(string trialsDir, int number) => Path.Combine(trialsDir, $"trial-{number}");

    /// <summary>The run dir of trial <paramref name="number"/>'s training seed <paramref name="seed"/>.</summary>
    public static string RunDir(string trialsDir, int number, int seed) => Path.Combine(TrialDir(trialsDir, number), $"seed-{seed}");

    /// <summary>
    /// Runs one claimed trial to its end in the study, its seeds side by side; returns how it
    /// ended. Its k-th report is the mean of its seeds' k-th evaluations, made once every seed has
    /// made one; pruning stops every seed.
    /// </summary>
    private static TrialState RunTrial(Study study, TuneSettings settings, int number, double[] values, string trialsDir, Action<string> say, CancellationToken cancellation)
    {
        var trialDir = TrialDir(trialsDir, number);
        // A directory left by a trial of the same number that failed (its process killed) starts again.
        if (Directory.Exists(trialDir))
        {
            Directory.Delete(trialDir, recursive: true);
        }

        Directory.CreateDirectory(trialDir);
        var sample = string.Join(", ", A2CSearchSpace.Parameters.Select((p, i) => $"{p.Name} {p.Display(values[i])}"));
        var seeds = settings.TrialSeeds(number);
        var runs = new List<SeedProcess>();
        try
        {
            foreach (var seed in seeds)
            {
                var runDir = RunDir(trialsDir, number, seed);
                var logPath = runDir + ".log";
                var process = new Process { StartInfo = SeedPool.TrainStartInfo(settings.TrainArguments(seed, values, runDir)) };
                var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
                runs.Add(new SeedProcess(process, log, Path.Combine(runDir, EvaluationSink.FileName), logPath));
                log.WriteLine($"a2c tune: trial {number}, seed {seed}: {sample}");
                try
                {
                    process.Start();
                }
                catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
                {
                    runs.ForEach(r => Signals.Terminate(r.Process));
                    runs.ForEach(r => WaitStarted(r.Process));
                    study.Finish(number, TrialState.Failed, message: $"could not start '{process.StartInfo.FileName}': {e.Message}");
                    say($"trial {number}: could not start '{process.StartInfo.FileName}': {e.Message}");
                    return TrialState.Failed;
                }

                process.OutputDataReceived += (_, e) => SeedPool.Append(log, e.Data);
                process.ErrorDataReceived += (_, e) => SeedPool.Append(log, e.Data);
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
            }

            say($"trial {number}: started (pid {string.Join(", ", runs.Select(r => r.Process.Id))}; seed {string.Join(", ", seeds)}), {sample}");
            return Follow(study, settings, number, runs, say, cancellation);
        }
        finally
        {
            foreach (var (process, log, _, _) in runs)
            {
                process.Dispose();
                log.Dispose();
            }
        }
    }

    /// <summary>Reads a trial's seeds' evaluations as they come, reports and prunes, and records how the trial ended.</summary>
    private static TrialState Follow(Study study, TuneSettings settings, int number, List<SeedProcess> runs, Action<string> say, CancellationToken cancellation)
    {
        var rows = runs.Select(_ => new List<(long Timesteps, double Mean)>()).ToList();
        var reports = new List<(long Step, double Value)>();
        var pruned = false;
        var signalled = false;
        var clock = Stopwatch.StartNew();
        void StopAll() => runs.ForEach(r => Signals.Terminate(r.Process));
        while (true)
        {
            // Wait on a seed still running; the loop ends once all have.
            var exited = runs.FirstOrDefault(r => !r.Process.HasExited) is not { } running
                || (running.Process.WaitForExit(_poll) && runs.All(r => r.Process.HasExited));
            for (var i = 0; i < runs.Count && !pruned; i++)
            {
                rows[i].AddRange(NewRows(runs[i].Evaluations, rows[i].Count));
            }

            while (!pruned && rows.All(r => r.Count > reports.Count))
            {
                var k = reports.Count;
                var mean = rows.Average(r => r[k].Mean);
                reports.Add((k + 1, mean));
                study.Report(number, k + 1, rows[0][k].Timesteps, mean);
                say(string.Create(CultureInfo.InvariantCulture, $"trial {number}: evaluation {k + 1}/{settings.Evaluations} at {rows[0][k].Timesteps:N0} steps: {mean:F2}"));
                if (!exited && ShouldPrune(study, settings, number, reports))
                {
                    pruned = true;
                    StopAll();
                    say(string.Create(CultureInfo.InvariantCulture, $"trial {number}: pruned at evaluation {k + 1} ({settings.Pruner} pruner)"));
                }
            }

            if (exited)
            {
                break;
            }

            if (cancellation.IsCancellationRequested && !signalled)
            {
                signalled = true;
                StopAll();
            }

            // A seed that failed fails the trial: the others need not run on.
            if (!pruned && runs.Any(r => r.Process.HasExited && r.Process.ExitCode != 0))
            {
                StopAll();
            }

            study.Heartbeat(number);
        }

        runs.ForEach(r => r.Process.WaitForExit());
        var seconds = clock.Elapsed.TotalSeconds;
        if (pruned)
        {
            study.Finish(number, TrialState.Pruned, settings.ObjectiveOf(reports));
            return TrialState.Pruned;
        }

        if (signalled || (cancellation.IsCancellationRequested && runs.Any(r => r.Process.ExitCode != 0)))
        {
            study.Finish(number, TrialState.Failed, message: "stopped by a signal before its end; a resumed study runs another in its place");
            say($"trial {number}: stopped by a signal");
            return TrialState.Failed;
        }

        if (runs.All(r => r.Process.ExitCode == 0) && reports.Count > 0)
        {
            study.Finish(number, TrialState.Complete, settings.ObjectiveOf(reports));
            say(string.Create(CultureInfo.InvariantCulture, $"trial {number}: complete, objective {settings.ObjectiveOf(reports):F2} after {seconds:F1} s"));
            return TrialState.Complete;
        }

        var (why, logPath) = runs.FirstOrDefault(r => r.Process.ExitCode != 0) is { } failed
            ? ($"a2c train exited {failed.Process.ExitCode}", failed.LogPath)
            : ("it made no evaluation", runs[0].LogPath);
        study.Finish(number, TrialState.Failed, message: $"{why}; see {logPath}");
        say($"trial {number}: failed ({why}); the end of {logPath}:");
        foreach (var line in Tail(logPath))
        {
            say("  " + line);
        }

        return TrialState.Failed;
    }

    /// <summary>Waits for a process that was started; one that never was is left alone.</summary>
    private static void WaitStarted(Process process)
    {
        try
        {
            process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
    }

    /// <summary>Whether the pruner stops trial <paramref name="number"/> after its latest report.</summary>
    private static bool ShouldPrune(Study study, TuneSettings settings, int number, List<(long Step, double Value)> reports)
    {
        if (settings.Pruner == "none")
        {
            return false;
        }

        static FSharpList<Tuple<long, double>> Of(IEnumerable<(long Step, double Value)> values) => ListModule.OfSeq(values.Select(r => Tuple.Create(r.Step, r.Value)));
        var trials = study.Trials();
        var completed = trials.Where(t => t.State == TrialState.Complete).Select(t => Of(t.Reports));
        var others = trials.Where(t => t.Number != number).Select(t => Of(t.Reports));
        return PrunerModule.shouldPrune(settings.PrunerRule, Direction.Maximize, ListModule.OfSeq(completed), ListModule.OfSeq(others), Of(reports));
    }

    /// <summary>The rows of evaluations.csv after the first <paramref name="seen"/>, as (timesteps, mean return); a row still being written waits for the next read.</summary>
    private static List<(long Timesteps, double Mean)> NewRows(string path, int seen)
    {
        var rows = new List<(long, double)>();
        try
        {
            if (!File.Exists(path))
            {
                return rows;
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var text = new StreamReader(stream).ReadToEnd();
            var lines = text.Split('\n');
            // The last piece has no newline yet: it is incomplete (or empty).
            foreach (var line in lines.Skip(1).Take(lines.Length - 2).Skip(seen))
            {
                var fields = line.Split(',');
                if (EvaluationSink.Steps(line) is { } steps && double.TryParse(fields[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var mean))
                {
                    rows.Add((steps, mean));
                }
            }
        }
        catch (IOException)
        {
            // Replaced atomically at the child's start: read it next time.
        }

        return rows;
    }

    private static IEnumerable<string> Tail(string path)
    {
        try
        {
            return File.ReadLines(path).TakeLast(8).ToList();
        }
        catch (IOException)
        {
            return [];
        }
    }
}

/// <summary>Why a trial pool stopped.</summary>
internal enum PoolEnd
{
    /// <summary>The study has its trials.</summary>
    Finished,

    /// <summary>SIGINT or SIGTERM.</summary>
    Interrupted,

    /// <summary><see cref="TrialPool.MaxFailuresInARow"/> trials failed in a row.</summary>
    TooManyFailures,
}

/// <summary>One seed of a running trial: its <c>a2c train</c>, its log, its evaluations.csv and the log's path.</summary>
internal sealed record SeedProcess(Process Process, StreamWriter Log, string Evaluations, string LogPath);
