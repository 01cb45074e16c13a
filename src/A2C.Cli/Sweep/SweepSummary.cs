using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using A2C.Training;
using A2C.Training.Reporting;

namespace A2C.Cli;

/// <summary>
/// A sweep's result across its seeds, from the files each child left: summary.json, the table
/// (printed, and as summary.md for reports such as docs/results.md) and the note under it.
/// </summary>
internal sealed class SweepSummary
{
    private static readonly JsonSerializerOptions _indented = new() { WriteIndented = true };

    private readonly SweepPlan _plan;
    private readonly double? _threshold;
    private readonly int _workers;
    private readonly double _seconds;
    private readonly bool _interrupted;

    /// <summary>Reads what each of <paramref name="runs"/> left, once the pool has run them.</summary>
    public SweepSummary(SweepPlan plan, IEnumerable<SeedRun> runs, double? threshold, int workers, double seconds, bool interrupted)
    {
        _plan = plan;
        _threshold = threshold;
        _workers = workers;
        _seconds = seconds;
        _interrupted = interrupted;
        Outcomes = runs.Select(r => SeedOutcome.Read(r, threshold)).ToList();
    }

    /// <summary>One per seed, in the plan's order.</summary>
    public IReadOnlyList<SeedOutcome> Outcomes { get; }

    private IEnumerable<SeedOutcome> Finished => Outcomes.Where(o => o.ExitCode == 0);

    /// <summary>Writes summary.json and summary.md into <paramref name="directory"/>; returns summary.json's path.</summary>
    /// <exception cref="IOException">A file cannot be written (a <c>RunFileWriteException</c> naming it).</exception>
    public string Write(string directory)
    {
        var path = Path.Combine(directory, "summary.json");
        RunFiles.WriteAtomically(path, ToJson().ToJsonString(_indented) + "\n");
        RunFiles.WriteAtomically(Path.Combine(directory, "summary.md"), MarkdownTable(Rows()) + "\n" + Note() + "\n");
        return path;
    }

    /// <summary>summary.json: the plan, how it ran, each seed, and across the seeds that finished their mean and spread.</summary>
    public JsonObject ToJson()
    {
        var finished = Finished.ToList();
        return new JsonObject
        {
            ["env"] = _plan.Env,
            ["seeds"] = new JsonArray([.. Outcomes.Select(o => JsonValue.Create(o.Seed))]),
            ["train_args"] = new JsonArray([.. _plan.TrainArgs.Select(a => JsonValue.Create(a))]),
            ["parallel"] = _workers,
            ["reward_threshold"] = _threshold,
            ["interrupted"] = _interrupted,
            ["sweep_wall_seconds"] = _seconds,
            ["runs"] = new JsonArray([.. Outcomes.Select(o => (JsonNode)o.ToJson())]),
            // Across the seeds that finished: mean and population std (numpy's default).
            ["eval_mean_return"] = SpreadJson(finished.Select(o => o.EvalMean)),
            ["steps_to_threshold"] = SpreadJson(finished.Select(o => (double?)o.StepsToThreshold), ("reached", finished.Count(o => o.StepsToThreshold is not null)), ("of", Outcomes.Count)),
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
    public static (double? Mean, double? Std, int Count) MeanStd(IEnumerable<double?> values)
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
    public List<string[]> Rows()
    {
        static string F(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
        static string Pm((double? Mean, double? Std, int Count) s, string format) => s.Count == 0 ? "-" : $"{F(s.Mean, format)} ± {F(s.Std, format)}";

        var rows = new List<string[]> { new[] { "seed", "eval return", "steps to threshold", "wall s", "fps" } };
        foreach (var o in Outcomes)
        {
            if (o.ExitCode != 0)
            {
                rows.Add([o.Seed.ToString(CultureInfo.InvariantCulture), o.ExitCode is { } code ? $"exit {code}" : "not started", "-", "-", "-"]);
                continue;
            }

            var steps = o.StepsToThreshold is { } s ? s.ToString("N0", CultureInfo.InvariantCulture) : _threshold is null ? "-" : "not reached";
            rows.Add([o.Seed.ToString(CultureInfo.InvariantCulture), o.EvalMean is null ? "-" : $"{F(o.EvalMean, "F1")} ± {F(o.EvalStd, "F1")}", steps, F(o.WallSeconds, "F1"), F(o.Fps, "N0")]);
        }

        var finished = Finished.ToList();
        var reached = finished.Count(o => o.StepsToThreshold is not null);
        rows.Add([
            "all",
            Pm(MeanStd(finished.Select(o => o.EvalMean)), "F1"),
            _threshold is null ? "-" : $"{Pm(MeanStd(finished.Select(o => (double?)o.StepsToThreshold)), "N0")} ({reached}/{Outcomes.Count})",
            Pm(MeanStd(finished.Select(o => o.WallSeconds)), "F1"),
            Pm(MeanStd(finished.Select(o => o.Fps)), "N0"),
        ]);
        return rows;
    }

    /// <summary>What the table's figures are.</summary>
    public string Note() =>
        $"Per seed: deterministic evaluation mean ± std over its episodes; all: mean ± std across the {Finished.Count()} finished seeds. "
        + (_threshold is { } t ? string.Create(CultureInfo.InvariantCulture, $"Steps to threshold: the first progress row whose last-100 training mean reaches {t}.") : "The env has no reward threshold.");

    /// <summary>The table as aligned text: the first column left, the others right.</summary>
    public void WriteTable(TextWriter writer)
    {
        var rows = Rows();
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
    public static string MarkdownTable(List<string[]> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("| " + string.Join(" | ", rows[0]) + " |");
        text.AppendLine("| --- |" + string.Concat(Enumerable.Repeat(" ---: |", rows[0].Length - 1)));
        foreach (var row in rows.Skip(1))
        {
            text.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        return text.ToString();
    }

    /// <summary>
    /// The total_timesteps of the first progress.csv row whose ep_rew_mean (the last-100 training
    /// mean) reaches <paramref name="threshold"/>; null when none does or the file cannot be read
    /// (a child that failed early). Rows come every --log-interval updates, so this is as fine as the log.
    /// </summary>
    public static long? StepsToThreshold(string progressPath, double threshold)
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

/// <summary>What one seed's files say once its child has exited.</summary>
internal sealed record SeedOutcome(SeedRun Run, int Seed, int? ExitCode, double? EvalMean, double? EvalStd, long? StepsToThreshold, double? WallSeconds, double? Fps, long? TotalTimesteps, IReadOnlyList<string> LogTail)
{
    /// <summary>Reads the seed's --summary-json (when it exited 0), its progress.csv and the end of its log.</summary>
    public static SeedOutcome Read(SeedRun run, double? threshold)
    {
        var tail = File.Exists(run.LogPath) ? File.ReadLines(run.LogPath).TakeLast(5).ToList() : [];
        JsonNode? json = null;
        if (run.ExitCode == 0 && File.Exists(run.SummaryPath))
        {
            json = JsonNode.Parse(File.ReadAllText(run.SummaryPath));
        }

        var progress = Path.Combine(run.RunDir, "progress.csv");
        var reached = threshold is { } t ? SweepSummary.StepsToThreshold(progress, t) : null;
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

    /// <summary>The seed's entry in summary.json's runs.</summary>
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
