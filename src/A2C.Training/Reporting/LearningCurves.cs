using System.Globalization;
using A2C.Envs;
using A2C.Training;

namespace A2C.Training.Reporting;

/// <summary>
/// Learning curves of runs: load them from run directories or from an <see cref="ExperimentResult"/>,
/// summarize a group of seeds, and draw groups as a PNG (ScottPlot): env steps across, the mean
/// return of the last 100 training episodes up, one colour per group, the mean over its seeds as
/// a line with a shaded band (± std or min–max), and the env's reward threshold as a dashed line.
/// <code>
/// var groups = new[] { LearningCurves.Load("runs/sweep-a"), LearningCurves.Load("runs/sweep-b", "n_steps 16") };
/// LearningCurves.SavePng(groups, "curves.png", new PlotOptions { Band = Band.MinMax });
/// </code>
/// </summary>
public static class LearningCurves
{
    /// <summary>The file a run directory's curve is read from.</summary>
    public const string ProgressFile = "progress.csv";

    /// <summary>
    /// A run group from a directory. A directory that holds a progress.csv is one seed's run (as
    /// <c>a2c train</c> writes it); one without whose immediate subdirectories hold progress.csv
    /// files is a group of seeds, one per subdirectory in natural order (seed-2 before seed-10), as
    /// <c>a2c sweep</c> lays them out; subdirectories without one are ignored. The env id comes
    /// from each run's config.json (none: no threshold line). Rows with an empty ep_rew_mean (no
    /// episode finished yet) are skipped.
    /// </summary>
    /// <param name="directory">A run directory or a directory of run directories.</param>
    /// <param name="label">The group's name in the legend (default: the directory's name).</param>
    /// <returns>The group.</returns>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist, or is a file.</exception>
    /// <exception cref="FileNotFoundException">No progress.csv in it or in its immediate subdirectories.</exception>
    /// <exception cref="InvalidDataException">A progress.csv or config.json is malformed or truncated, a single run has no returns yet, no seed of a group has, or the seeds are on different envs; the message names the file and what is wrong.</exception>
    /// <exception cref="IOException">A file could not be read.</exception>
    /// <remarks>
    /// In a group of seeds, a seed with no finished episode yet, and a seed that an <c>a2c sweep</c>
    /// summary.json in <paramref name="directory"/> lists as failed, are left out and named in
    /// <see cref="CurveGroup.LeftOut"/>; the others are drawn.
    /// </remarks>
    public static CurveGroup Load(string directory, string? label = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException(File.Exists(directory)
                ? $"'{directory}' is a file; expected a run directory (one with a {ProgressFile}) or a directory of them."
                : $"'{directory}' does not exist.");
        }

        label ??= Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        var single = File.Exists(Path.Combine(directory, ProgressFile));
        string[] runs = single
            ? [directory]
            : Directory.GetDirectories(directory).Where(d => File.Exists(Path.Combine(d, ProgressFile))).Order(NaturalOrder.Instance).ToArray();
        if (runs.Length == 0)
        {
            throw new FileNotFoundException($"no {ProgressFile} in '{directory}' or in its subdirectories; expected a run directory of a2c train or a directory of them (a2c sweep's).");
        }

        var leftOut = new List<string>();
        if (!single)
        {
            // A sweep's failed seeds (its summary.json says so) would cut the group short or skew it.
            var failed = SweepFailures(directory);
            leftOut.AddRange(runs.Where(run => failed.ContainsKey(Path.GetFileName(run))).Select(run => $"{Path.GetFileName(run)}: {failed[Path.GetFileName(run)]}"));
            runs = runs.Where(run => !failed.ContainsKey(Path.GetFileName(run))).ToArray();
        }

        var loaded = new List<(string Run, LearningCurve Curve)>();
        foreach (var run in runs)
        {
            var curve = ProgressCsv.ReadIfAny(Path.Combine(run, ProgressFile), out var noReturnsYet);
            if (curve is not null)
            {
                loaded.Add((run, curve));
            }
            else if (single)
            {
                throw new InvalidDataException(noReturnsYet);
            }
            else
            {
                // One seed of a group that has not finished an episode yet: the others still draw.
                leftOut.Add($"{Path.GetFileName(run)}: no episode finished yet");
            }
        }

        if (loaded.Count == 0)
        {
            throw new InvalidDataException($"no seed in '{directory}' has a curve to draw ({string.Join("; ", leftOut)}).");
        }

        runs = loaded.Select(l => l.Run).ToArray();
        var curves = loaded.Select(l => l.Curve).ToArray();
        var envs = runs.Select(run => (Run: run, Env: ProgressCsv.ReadEnv(run))).ToArray();
        var distinct = envs.Select(e => e.Env).OfType<string>().Distinct().ToArray();
        if (distinct.Length > 1)
        {
            throw new InvalidDataException($"the runs in '{directory}' are on different envs ({string.Join(", ", envs.Select(e => $"{Path.GetFileName(e.Run)}: {e.Env ?? "unknown"}"))}); give each env's runs as a group of its own.");
        }

        return new CurveGroup(label, distinct.SingleOrDefault(), curves) { LeftOut = leftOut };
    }

    /// <summary>
    /// The seeds an <c>a2c sweep</c> summary.json in <paramref name="directory"/> lists as failed
    /// (an exit code other than 0, or 130/143 for a stop by signal, whose curve is real as far as it
    /// goes), by run dir name; empty without a readable summary.
    /// </summary>
    private static Dictionary<string, string> SweepFailures(string directory)
    {
        var failed = new Dictionary<string, string>();
        try
        {
            var path = Path.Combine(directory, "summary.json");
            if (!File.Exists(path) || System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))?["runs"] is not System.Text.Json.Nodes.JsonArray runs)
            {
                return failed;
            }

            foreach (var run in runs)
            {
                if (run?["exit_code"]?.GetValue<int>() is { } code && code is not (0 or 130 or 143) && run["run_dir"]?.GetValue<string>() is { } name)
                {
                    failed[name] = string.Create(CultureInfo.InvariantCulture, $"exit {code} in the sweep's summary.json");
                }
            }
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            // Not a sweep's summary: every seed is drawn.
        }

        return failed;
    }

    /// <summary>One seed's curve from a progress.csv file (see <see cref="Load"/>).</summary>
    /// <param name="path">The file.</param>
    /// <returns>The curve.</returns>
    /// <exception cref="InvalidDataException">The file is malformed, truncated or has no returns yet; the message names it and the line.</exception>
    /// <exception cref="IOException">It could not be read.</exception>
    public static LearningCurve ReadProgress(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ProgressCsv.Read(path);
    }

    /// <summary>A run group from an experiment run in this process: one curve per seed, from <see cref="SeedResult.Curve"/> (points before the first finished episode are skipped).</summary>
    /// <param name="result">The experiment's result.</param>
    /// <param name="label">The legend's name (default: the env id).</param>
    /// <returns>The group.</returns>
    /// <exception cref="ArgumentException">A seed finished no episode, so has no point to draw.</exception>
    public static CurveGroup FromExperiment(ExperimentResult result, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var curves = result.Seeds.Select(seed => new LearningCurve(
            string.Create(CultureInfo.InvariantCulture, $"seed {seed.Seed}"),
            seed.Curve.Where(p => p.MeanReturn is not null).Select(p => new CurvePoint(p.Steps, p.MeanReturn!.Value)).ToArray())).ToArray();
        return new CurveGroup(label ?? result.Env, result.Env, curves);
    }

    /// <summary>
    /// A group's seeds on one step grid, with mean, standard deviation (divisor n), minimum and
    /// maximum at each step. The grid is every step at which any seed logged a point, within the
    /// range all seeds cover (from the latest first point to the earliest last one); each seed's
    /// value there is linear between its own neighbouring points. Seeds logged at the same steps
    /// are thus summarized exactly where they were logged, and seeds with different log points or
    /// budgets are compared only where every one of them has data: a group's curve ends where its
    /// shortest seed ends. One seed gives its own points, std 0.
    /// </summary>
    /// <param name="group">The group.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="InvalidDataException">The seeds share no range of steps; the message gives each one's.</exception>
    public static AggregateCurve Aggregate(CurveGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return CurveAlignment.Aggregate(group);
    }

    /// <summary>The reward threshold of a registered env id (CartPole-v1: 475), or null for an env without one, or not registered here.</summary>
    /// <param name="env">The env id.</param>
    /// <returns>The threshold.</returns>
    public static double? Threshold(string env) =>
        Registry.Specs.FirstOrDefault(spec => spec.Id == env)?.RewardThreshold;

    /// <summary>The plot of <paramref name="groups"/> as PNG bytes (see <see cref="LearningCurves"/> for what is drawn).</summary>
    /// <param name="groups">One or more run groups, drawn in order (colours follow ScottPlot's Category10 palette).</param>
    /// <param name="options">Title, band, size (default <see cref="PlotOptions.Defaults"/>).</param>
    /// <returns>The PNG file's bytes.</returns>
    /// <exception cref="ArgumentException">No groups, or an option out of range.</exception>
    /// <exception cref="InvalidDataException">A group's seeds share no range of steps.</exception>
    public static byte[] RenderPng(IReadOnlyList<CurveGroup> groups, PlotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.Count == 0 || groups.Any(g => g is null))
        {
            throw new ArgumentException("at least one group is needed, and none may be null.", nameof(groups));
        }

        options ??= PlotOptions.Defaults;
        if (options.Validate() is [var first, ..])
        {
            throw new ArgumentException(first, nameof(options));
        }

        return CurvePlot.RenderPng(groups, options);
    }

    /// <summary>
    /// Draws <paramref name="groups"/> and writes the PNG to <paramref name="path"/> (replacing a
    /// file there) through a temporary file and a rename, so a failure leaves no partial image.
    /// </summary>
    /// <param name="groups">One or more run groups.</param>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="options">Title, band, size (default <see cref="PlotOptions.Defaults"/>).</param>
    /// <exception cref="ArgumentException">No groups, or an option out of range.</exception>
    /// <exception cref="InvalidDataException">A group's seeds share no range of steps.</exception>
    /// <exception cref="IOException">The file could not be written; the message names it and says why ("no space left on device").</exception>
    public static void SavePng(IReadOnlyList<CurveGroup> groups, string path, PlotOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        RunFiles.WriteAtomically(path, RenderPng(groups, options));
    }

    /// <summary>Orders names with their numbers by value: seed-2 before seed-10.</summary>
    private sealed class NaturalOrder : IComparer<string>
    {
        public static readonly NaturalOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            if (x is null || y is null)
            {
                return string.CompareOrdinal(x, y);
            }

            int i = 0, j = 0;
            while (i < x.Length && j < y.Length)
            {
                if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
                {
                    var (a, b) = (Digits(x, ref i), Digits(y, ref j));
                    var byValue = a.TrimStart('0').Length != b.TrimStart('0').Length
                        ? a.TrimStart('0').Length - b.TrimStart('0').Length
                        : string.CompareOrdinal(a.TrimStart('0'), b.TrimStart('0'));
                    if (byValue != 0)
                    {
                        return byValue;
                    }
                }
                else
                {
                    var byChar = x[i].CompareTo(y[j]);
                    if (byChar != 0)
                    {
                        return byChar;
                    }

                    i++;
                    j++;
                }
            }

            return (x.Length - i).CompareTo(y.Length - j) is var rest && rest != 0 ? rest : string.CompareOrdinal(x, y);
        }

        private static string Digits(string s, ref int i)
        {
            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            return s[start..i];
        }
    }
}
