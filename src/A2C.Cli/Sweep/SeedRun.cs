using System.Globalization;

namespace A2C.Cli;

/// <summary>How a seed of a sweep begins: trained from the start, continued from its checkpoint, or kept as it finished.</summary>
internal enum SeedStart
{
    /// <summary>A new run: <c>a2c train --env ... --seed N</c>.</summary>
    Fresh,

    /// <summary>A resumed sweep's seed that stopped with a checkpoint: <c>a2c train --resume</c>.</summary>
    Continues,

    /// <summary>A resumed sweep's seed that had finished: summarized, not run.</summary>
    Kept,
}

/// <summary>One seed of a sweep: how it begins, the arguments of its <c>a2c train</c>, its files, and, once it has run, its exit.</summary>
internal sealed class SeedRun
{
    private SeedRun(int seed, string directory, SeedStart start)
    {
        Seed = seed;
        Start = start;
        RunDir = Path.Combine(directory, $"seed-{seed}");
        LogPath = Path.Combine(directory, $"seed-{seed}.log");
        SummaryPath = Path.Combine(directory, $"seed-{seed}.json");
    }

    public int Seed { get; }

    /// <summary>Whether this seed starts, continues or is kept: set once, by the plan.</summary>
    public SeedStart Start { get; }

    public string RunDir { get; }

    public string LogPath { get; }

    public string SummaryPath { get; }

    public string CheckpointPath => Path.Combine(RunDir, "checkpoint.zip");

    /// <summary>The arguments of <c>a2c train</c> for this seed (none for a kept one).</summary>
    public IReadOnlyList<string> Arguments { get; private set; } = [];

    /// <summary>The child's exit code; null while it has not run (or never could start).</summary>
    public int? ExitCode { get; set; }

    public double Seconds { get; set; }

    /// <summary>A new run of <paramref name="seed"/> on <paramref name="env"/> with the sweep's <paramref name="trainArgs"/>.</summary>
    public static SeedRun Fresh(int seed, string directory, string env, IEnumerable<string> trainArgs)
    {
        var run = new SeedRun(seed, directory, SeedStart.Fresh);
        run.Arguments = ["--env", env, .. trainArgs, "--seed", seed.ToString(CultureInfo.InvariantCulture), "--run-dir", run.RunDir, "--summary-json", run.SummaryPath];
        return run;
    }

    /// <summary>A seed that continues from its checkpoint, with the options <c>a2c train --resume</c> takes.</summary>
    public static SeedRun Continue(int seed, string directory, IEnumerable<string> resumeArgs)
    {
        var run = new SeedRun(seed, directory, SeedStart.Continues);
        run.Arguments = ["--resume", run.CheckpointPath, "--summary-json", run.SummaryPath, .. resumeArgs];
        return run;
    }

    /// <summary>A seed that finished before: it counts as exit 0.</summary>
    public static SeedRun Kept(int seed, string directory) => new(seed, directory, SeedStart.Kept) { ExitCode = 0 };

    /// <summary>"starts", "continues from ..." or "finished before; kept", for the line a resumed sweep prints per seed.</summary>
    public string Describe() => Start switch
    {
        SeedStart.Kept => "finished before; kept",
        SeedStart.Continues => $"continues from {CheckpointPath}",
        _ => "starts",
    };
}
