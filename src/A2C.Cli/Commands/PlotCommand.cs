using System.CommandLine;
using System.Globalization;
using A2C.Training;
using A2C.Training.Reporting;

namespace A2C.Cli;

/// <summary><c>a2c plot RUN_DIR...</c>: learning curves of runs as a PNG.</summary>
internal static class PlotCommand
{
    /// <summary>Where the plot goes without <c>--out</c>: this file in the current directory.</summary>
    public const string DefaultOut = "learning-curve.png";

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var runDirs = new Argument<string[]>("RUN_DIR")
        {
            Description = "A run directory of a2c train (one seed), or a directory of them (a2c sweep's: one group of seeds). Each is one group: one colour, its seeds' mean and band.",
            // Checked in the action, for a message that says what a RUN_DIR is.
            Arity = ArgumentArity.ZeroOrMore,
        };
        var output = new Option<string>("--out") { Description = $"The PNG file to write (default {DefaultOut} in the current directory; replaced if it exists).", DefaultValueFactory = _ => DefaultOut };
        var title = new Option<string?>("--title") { Description = "Title (default: the runs' env id)." };
        var band = new Option<string>("--band") { Description = "std (default): mean ± standard deviation over seeds; minmax: lowest to highest seed.", DefaultValueFactory = _ => "std" };
        var labels = new Option<string[]>("--label")
        {
            Description = "The legend's name of each group, in the order of the RUN_DIRs: --label A --label B (default: the directories' names).",
            AllowMultipleArgumentsPerToken = true,
        };
        var width = new Option<int>("--width") { Description = $"Image width in pixels (default {PlotOptions.Defaults.Width}).", DefaultValueFactory = _ => PlotOptions.Defaults.Width };
        var height = new Option<int>("--height") { Description = $"Image height in pixels (default {PlotOptions.Defaults.Height}).", DefaultValueFactory = _ => PlotOptions.Defaults.Height };
        var study = new Option<string?>("--study") { Description = "Instead of RUN_DIRs: an a2c tune study (STEM.db); draws its optimization history and parameter importances as STEM-history.png and STEM-importances.png (with --out PREFIX.png: PREFIX-history.png and PREFIX-importances.png)." };
        var command = new Command("plot", "Draw learning curves (mean return of the last 100 episodes vs env steps) of runs as a PNG, one colour per group, with a band across seeds and the env's threshold; or, with --study, a tuning study's history and importances.")
        {
            runDirs, output, title, band, labels, width, height, study,
        };
        command.SetAction(parse => CliErrors.Run("a2c plot", stderr, () =>
        {
            var errors = new List<string>();
            var dirs = parse.GetValue(runDirs) ?? [];
            var names = parse.GetValue(labels) ?? [];
            var path = parse.GetValue(output)!;
            if (parse.GetValue(study) is { } studyPath)
            {
                return dirs.Length > 0
                    ? CliApp.ReportUsageErrors(stderr, "a2c plot", ["give either RUN_DIRs or --study, not both."])
                    : PlotStudy(studyPath, parse.GetResult(output) is { Implicit: false } ? path : null, parse.GetValue(title), parse.GetValue(width), parse.GetValue(height), stdout, stderr);
            }

            if (dirs.Length == 0)
            {
                errors.Add("give at least one RUN_DIR: a run directory of a2c train, or a directory of them.");
            }

            if (names.Length > 0 && names.Length != dirs.Length)
            {
                errors.Add($"--label was given {names.Length} time{(names.Length == 1 ? string.Empty : "s")} for {dirs.Length} RUN_DIR{(dirs.Length == 1 ? string.Empty : "s")}; give one label per RUN_DIR, in order.");
            }

            if (CliApp.CheckOutputFile(path) is { } badOut)
            {
                errors.Add("--out: " + badOut);
            }
            else if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"--out is '{path}'; expected a file name ending in .png (the plot is a PNG).");
            }

            var options = PlotOptions.Defaults with { Title = parse.GetValue(title), Width = parse.GetValue(width), Height = parse.GetValue(height) };
            switch (parse.GetValue(band))
            {
                case "std": break;
                case "minmax": options = options with { Band = Band.MinMax }; break;
                case var other: errors.Add($"--band is '{other}'; allowed: std, minmax."); break;
            }

            errors.AddRange(options.Validate().Select(problem => "--" + problem));
            if (errors.Count > 0)
            {
                return CliApp.ReportUsageErrors(stderr, "a2c plot", errors);
            }

            var groups = new List<CurveGroup>();
            var aggregates = new List<AggregateCurve>();
            for (var i = 0; i < dirs.Length; i++)
            {
                // A missing or malformed run dir is bad input; one that cannot be read is a failure.
                var group = CliErrors.Reading(dirs[i], () => LearningCurves.Load(dirs[i], names.Length > 0 ? names[i] : null));
                aggregates.Add(LearningCurves.Aggregate(group));
                groups.Add(group);
                foreach (var reason in group.LeftOut)
                {
                    stdout.WriteLine($"note: left out of '{group.Label}': {reason}");
                }
            }

            Draw(path, () => LearningCurves.SavePng(groups, path, options));

            WriteSummary(stdout, groups, aggregates, options.Band);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {path} ({options.Width}x{options.Height})"));
            return 0;
        }));
        return command;
    }

    /// <summary>Draws and writes <paramref name="path"/>: write errors as <see cref="CliErrors.Writing"/> maps them, and a SkiaSharp that cannot load as a failure.</summary>
    private static void Draw(string path, Action draw)
    {
        try
        {
            CliErrors.Writing(path, draw);
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException)
        {
            // SkiaSharp's native library could not be loaded (an unsupported platform, a missing file).
            throw CliErrors.Failure($"cannot draw: SkiaSharp's native library did not load ({(e.InnerException ?? e).Message}).", e);
        }
    }

    /// <summary>The history and importances of the study in <paramref name="studyPath"/>, next to it (or at <paramref name="prefix"/>).</summary>
    private static int PlotStudy(string studyPath, string? prefix, string? title, int width, int height, TextWriter stdout, TextWriter stderr)
    {
        var errors = (PlotOptions.Defaults with { Width = width, Height = height }).Validate().Select(problem => "--" + problem).ToList();
        if (prefix is not null && !prefix.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"--out is '{prefix}'; expected a file name ending in .png (its stem is the prefix of the two PNGs).");
        }

        if (!File.Exists(studyPath))
        {
            errors.Add($"--study: '{studyPath}' does not exist.");
        }

        if (errors.Count > 0)
        {
            return CliApp.ReportUsageErrors(stderr, "a2c plot", errors);
        }

        IReadOnlyList<TrialRecord> trials;
        IReadOnlyDictionary<string, string> settings;
        try
        {
            using var opened = Study.Open(studyPath);
            (trials, settings) = (opened.Trials(), opened.Settings());
        }
        catch (InvalidDataException e)
        {
            throw CliErrors.Usage($"--study: {e.Message}.", e);
        }
        catch (IOException e)
        {
            throw CliErrors.Failure($"--study: {e.Message}.", e);
        }

        var finished = trials.Count(t => t.State is TrialState.Complete or TrialState.Pruned);
        if (finished == 0)
        {
            throw CliErrors.Usage($"--study: '{studyPath}' has no finished trial to draw yet.");
        }

        var stem = Path.ChangeExtension(prefix ?? studyPath, null);
        var env = settings.TryGetValue(Hyperparameters.Env.Name, out var id) ? id : "study";
        var importances = StudyPlots.Importances(trials);
        var outputs = new (string Path, Func<byte[]> Render)[]
        {
            (stem + "-history.png", () => StudyPlots.HistoryPng(trials, title ?? $"{env}: optimization history", width, height)),
            (stem + "-importances.png", () => StudyPlots.ImportancesPng(importances, title ?? $"{env}: hyperparameter importances", width, height)),
        };
        foreach (var (file, render) in outputs)
        {
            Draw(file, () => RunFiles.WriteAtomically(file, render()));

            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {file} ({width}x{height})"));
        }

        stdout.WriteLine($"importances ({trials.Count(t => t.State == TrialState.Complete)} complete trials): {string.Join(", ", importances.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name} {p.Share:F2}")))}");
        return 0;
    }

    /// <summary>One line per group (seeds, steps plotted, final mean and spread), and notes on what was cut or mixed.</summary>
    private static void WriteSummary(TextWriter stdout, List<CurveGroup> groups, List<AggregateCurve> aggregates, Band band)
    {
        var rows = groups.Select((group, i) =>
        {
            var curve = aggregates[i];
            var spread = curve.SeedCount == 1 ? string.Empty
                : band == Band.Std ? string.Create(CultureInfo.InvariantCulture, $" ± {curve.Std[^1]:F1}")
                : string.Create(CultureInfo.InvariantCulture, $" ({curve.Min[^1]:F1} to {curve.Max[^1]:F1})");
            return new[]
            {
                group.Label,
                group.Env ?? "-",
                curve.SeedCount.ToString(CultureInfo.InvariantCulture),
                string.Create(CultureInfo.InvariantCulture, $"{curve.Steps[0]:N0} to {curve.Steps[^1]:N0}"),
                string.Create(CultureInfo.InvariantCulture, $"{curve.Mean[^1]:F1}") + spread,
            };
        }).ToList();
        string[] header = ["group", "env", "seeds", "steps", "final mean return"];
        var widths = header.Select((h, c) => rows.Select(r => r[c].Length).Append(h.Length).Max()).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            stdout.WriteLine(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
        }

        for (var i = 0; i < groups.Count; i++)
        {
            var ends = groups[i].Seeds.Select(s => s.Points[^1].Steps).Distinct().ToArray();
            if (ends.Length > 1)
            {
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"note: the seeds of '{groups[i].Label}' end at different steps ({ends.Min():N0} to {ends.Max():N0}); its curve stops at {aggregates[i].Steps[^1]:N0}, where every seed has data."));
            }
        }

        var envs = groups.Select(g => g.Env).OfType<string>().Distinct().ToList();
        if (envs.Count > 1)
        {
            stdout.WriteLine($"note: the groups are on different envs ({string.Join(", ", envs)}); each env's threshold is drawn in its group's colour.");
        }
    }
}
