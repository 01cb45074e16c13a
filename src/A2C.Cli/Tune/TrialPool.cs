using System.Diagnostics;
using System.Globalization;
using A2C.Core;
using A2C.Training;
using Microsoft.FSharp.Collections;

namespace A2C.Cli;

/// <summary>
/// Runs a study's trials, K at a time, each an <c>a2c train</c> child process: a worker claims
/// a trial from the study (so other processes on the same study take other trials), starts it,
/// reads its evaluations.csv as rows arrive, reports each to the study and asks the pruner, and
/// stops the child with SIGTERM when pruned. SIGINT/SIGTERM stop every child; their trials are
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

    /// <summary>The run dir of trial <paramref name="number"/>.</summary>
    public static string RunDir(string trialsDir, int number) => Path.Combine(trialsDir, $"trial-{number}");

    /// <summary>Runs one claimed trial to its end in the study; returns how it ended.</summary>
    private static TrialState RunTrial(Study study, TuneSettings settings, int number, double[] values, string trialsDir, Action<string> say, CancellationToken cancellation)
    {
        var runDir = RunDir(trialsDir, number);
        var logPath = runDir + ".log";
        // A run dir left by a trial of the same number that failed (its process killed) starts again.
        if (Directory.Exists(runDir))
        {
            Directory.Delete(runDir, recursive: true);
        }

        var sample = string.Join(", ", A2CSearchSpace.Parameters.Select((p, i) => $"{p.Name} {p.Display(values[i])}"));
        using var process = new Process { StartInfo = SeedPool.TrainStartInfo(settings.TrainArguments(number, values, runDir)) };
        using var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        log.WriteLine($"a2c tune: trial {number}: {sample}");
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            study.Finish(number, TrialState.Failed, message: $"could not start '{process.StartInfo.FileName}': {e.Message}");
            say($"trial {number}: could not start '{process.StartInfo.FileName}': {e.Message}");
            return TrialState.Failed;
        }

        process.OutputDataReceived += (_, e) => SeedPool.Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => SeedPool.Append(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        say($"trial {number}: started (pid {process.Id}), {sample}");

        var evaluations = Path.Combine(runDir, EvaluationSink.FileName);
        var reports = new List<(long Step, double Value)>();
        var pruned = false;
        var signalled = false;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var exited = process.WaitForExit(_poll);
            if (!pruned)
            {
                foreach (var (timesteps, mean) in NewRows(evaluations, reports.Count))
                {
                    reports.Add((reports.Count + 1, mean));
                    study.Report(number, reports.Count, timesteps, mean);
                    say(string.Create(CultureInfo.InvariantCulture, $"trial {number}: evaluation {reports.Count}/{settings.Evaluations} at {timesteps:N0} steps: {mean:F2}"));
                    if (!exited && ShouldPrune(study, settings, number, reports))
                    {
                        pruned = true;
                        Signals.Terminate(process);
                        say(string.Create(CultureInfo.InvariantCulture, $"trial {number}: pruned at evaluation {reports.Count} ({settings.Pruner} pruner)"));
                        break;
                    }
                }
            }

            if (exited)
            {
                break;
            }

            if (cancellation.IsCancellationRequested && !signalled)
            {
                signalled = true;
                Signals.Terminate(process);
            }

            study.Heartbeat(number);
        }

        process.WaitForExit();
        var seconds = clock.Elapsed.TotalSeconds;
        if (pruned)
        {
            study.Finish(number, TrialState.Pruned, settings.ObjectiveOf(reports));
            return TrialState.Pruned;
        }

        if (signalled || (cancellation.IsCancellationRequested && process.ExitCode != 0))
        {
            study.Finish(number, TrialState.Failed, message: "stopped by a signal before its end; a resumed study runs another in its place");
            say($"trial {number}: stopped by a signal");
            return TrialState.Failed;
        }

        if (process.ExitCode == 0 && reports.Count > 0)
        {
            study.Finish(number, TrialState.Complete, settings.ObjectiveOf(reports));
            say(string.Create(CultureInfo.InvariantCulture, $"trial {number}: complete, objective {settings.ObjectiveOf(reports):F2} after {seconds:F1} s"));
            return TrialState.Complete;
        }

        var why = process.ExitCode == 0 ? "it made no evaluation" : $"a2c train exited {process.ExitCode}";
        study.Finish(number, TrialState.Failed, message: $"{why}; see {logPath}");
        say($"trial {number}: failed ({why}); the end of {logPath}:");
        foreach (var line in Tail(logPath))
        {
            say("  " + line);
        }

        return TrialState.Failed;
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
