using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using A2C.Training;

namespace A2C.Cli;

/// <summary>
/// What a sweep trains: one env, its seeds, and the options given to each seed's <c>a2c train</c>.
/// It is written to <see cref="FileName"/> before any child starts, so that a sweep killed
/// outright can be finished with <c>--resume</c>.
/// </summary>
internal sealed record SweepPlan(string Env, IReadOnlyList<int> Seeds, IReadOnlyList<string> TrainArgs)
{
    /// <summary>The plan's file in the sweep directory.</summary>
    public const string FileName = "sweep.json";

    private static readonly JsonSerializerOptions _indented = new() { WriteIndented = true };

    /// <summary>The options of a2c train the sweep sets per seed itself.</summary>
    public static IReadOnlyList<string> SetBySweep { get; } = ["--seed", "--run-dir", "--summary-json", "--resume", "--dry-run"];

    /// <summary>Every seed as a new run in <paramref name="directory"/>.</summary>
    public List<SeedRun> FreshRuns(string directory) => Seeds.Select(seed => SeedRun.Fresh(seed, directory, Env, TrainArgs)).ToList();

    /// <summary>The plan as JSON: env, seeds, train_args.</summary>
    public JsonObject ToJson() => new()
    {
        ["env"] = Env,
        ["seeds"] = new JsonArray([.. Seeds.Select(seed => JsonValue.Create(seed))]),
        ["train_args"] = new JsonArray([.. TrainArgs.Select(a => JsonValue.Create(a))]),
    };

    /// <summary>Writes the plan into <paramref name="directory"/>, atomically.</summary>
    /// <exception cref="IOException">It cannot be written (a <c>RunFileWriteException</c> naming the file).</exception>
    public void Write(string directory) => RunFiles.WriteAtomically(Path.Combine(directory, FileName), ToJson().ToJsonString(_indented) + "\n");

    /// <summary>The plan of the sweep in <paramref name="directory"/>.</summary>
    /// <exception cref="CliException">The directory has no plan or a malformed one (exit 2), or it cannot be read (exit 1).</exception>
    public static SweepPlan Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        var text = CliErrors.Reading(path, () => File.ReadAllText(path), missing: $"'{directory}' is not a sweep directory: it has no {FileName}.");
        try
        {
            var plan = JsonNode.Parse(text) as JsonObject ?? throw new InvalidDataException("it is not a JSON object");
            var env = plan["env"]?.GetValue<string>() ?? throw new InvalidDataException("it has no env");
            var seeds = Items(plan, "seeds", n => n.GetValue<int>());
            var trainArgs = Items(plan, "train_args", n => n.GetValue<string>());
            return new SweepPlan(env, seeds, trainArgs);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or InvalidOperationException or FormatException)
        {
            throw CliErrors.Usage($"'{path}' cannot be read: {e.Message}.", e);
        }
    }

    /// <summary>The array <paramref name="name"/> of <paramref name="plan"/>, each item read by <paramref name="read"/>.</summary>
    private static List<T> Items<T>(JsonObject plan, string name, Func<JsonNode, T> read) =>
        (plan[name] ?? throw new InvalidDataException($"it has no {name}")).AsArray()
            .Select(n => read(n ?? throw new InvalidDataException($"{name} holds a null"))).ToList();

    /// <summary>
    /// How each seed of a sweep being finished in <paramref name="directory"/> begins: one whose
    /// summary says it ran to the end is kept; one with a checkpoint continues from it (with the
    /// sweep's logging and evaluation options); any other starts again, its run dir (which holds
    /// no checkpoint, so nothing to continue) removed.
    /// </summary>
    public List<SeedRun> ResumeRuns(string directory)
    {
        var continued = ResumeArguments(TrainArgs);
        var runs = new List<SeedRun>();
        foreach (var seed in Seeds)
        {
            var fresh = SeedRun.Fresh(seed, directory, Env, TrainArgs);
            if (RanToTheEnd(fresh.SummaryPath))
            {
                runs.Add(SeedRun.Kept(seed, directory));
            }
            else if (File.Exists(fresh.CheckpointPath))
            {
                runs.Add(SeedRun.Continue(seed, directory, continued));
            }
            else
            {
                FileErrors.TryDelete(fresh.SummaryPath);
                if (Directory.Exists(fresh.RunDir))
                {
                    Directory.Delete(fresh.RunDir, recursive: true);
                }

                runs.Add(fresh);
            }
        }

        return runs;
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
    private static List<string> ResumeArguments(IReadOnlyList<string> trainArgs)
    {
        string[] allowed = ["--total-steps", "--stop-at-threshold", "--eval-episodes", "--eval-freq", "--eval-freq-episodes", "--log-interval", "--checkpoint-every", "--remote-timeout", "--device"];
        var parsed = TrainCommand.Train(TextWriter.Null, TextWriter.Null, CancellationToken.None).Parse([.. trainArgs]);
        var kept = new List<string>();
        foreach (var option in parsed.CommandResult.Children.OfType<OptionResult>())
        {
            if (!option.Implicit && allowed.Contains(option.Option.Name))
            {
                kept.Add(option.Option.Name);
                kept.AddRange(option.Tokens.Select(t => t.Value));
            }
        }

        return kept;
    }

    /// <summary>"1-3,7" as [1, 2, 3, 7]; a malformed part, a descending range or a repeat is added to <paramref name="errors"/>.</summary>
    public static List<int> ParseSeeds(string text, List<string> errors)
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
}
