using System.Diagnostics;
using System.Globalization;
using A2C.Training;

namespace A2C.Cli;

/// <summary>
/// Runs a sweep's seeds as <c>a2c train</c> child processes, K at a time: each child's output goes
/// to its log, a status line comes every <see cref="StatusEvery"/>, and SIGINT/SIGTERM reach
/// every running child as SIGTERM (so each checkpoints) while no new one starts.
/// </summary>
internal static class SeedPool
{
    /// <summary>Runs the seeds, <paramref name="workers"/> at a time; returns whether a signal stopped the sweep.</summary>
    public static bool Run(IReadOnlyList<SeedRun> runs, int workers, TextWriter stdout, CancellationToken cancellation)
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
                foreach (var process in running)
                {
                    Signals.Terminate(process);
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
                if (run.Start == SeedStart.Kept)
                {
                    continue;
                }

                using var process = new Process { StartInfo = TrainStartInfo(run.Arguments) };
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

    internal static void Append(StreamWriter log, string? line)
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

    /// <summary>The exit code recorded for a child that could not be started at all (as a shell's 127).</summary>
    private const int StartFailed = 127;

    /// <summary>This same a2c (apphost or <c>dotnet a2c.dll</c>) as <c>a2c train</c> with <paramref name="arguments"/>, its output redirected.</summary>
    internal static ProcessStartInfo TrainStartInfo(IEnumerable<string> arguments)
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

        // The child follows this process: if it dies, even by SIGKILL, the child gets SIGTERM.
        info.Environment[Signals.ParentVariable] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        info.ArgumentList.Add("train");
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }
}
