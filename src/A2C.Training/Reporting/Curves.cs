namespace A2C.Training.Reporting;

/// <summary>One point of a learning curve.</summary>
/// <param name="Steps">Env steps so far (progress.csv's <c>total_timesteps</c>).</param>
/// <param name="MeanReturn">Mean return of the last 100 training episodes (<c>ep_rew_mean</c>).</param>
public readonly record struct CurvePoint(long Steps, double MeanReturn);

/// <summary>One seed's learning curve: points in strictly increasing steps, every return finite.</summary>
public sealed record LearningCurve
{
    /// <summary>A curve; <paramref name="points"/> must be non-empty, in strictly increasing steps, with finite returns.</summary>
    /// <param name="source">Where it came from, for messages: a progress.csv path or "seed 3".</param>
    /// <param name="points">The points.</param>
    /// <exception cref="ArgumentException">No points, steps not increasing, or a return that is not finite; the message names <paramref name="source"/>.</exception>
    public LearningCurve(string source, IReadOnlyList<CurvePoint> points)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0)
        {
            throw new ArgumentException($"{source}: the curve has no points (no episode finished).", nameof(points));
        }

        for (var i = 0; i < points.Count; i++)
        {
            if (!double.IsFinite(points[i].MeanReturn))
            {
                throw new ArgumentException($"{source}: the return at {points[i].Steps} steps is {points[i].MeanReturn}; expected a finite number.", nameof(points));
            }

            if (i > 0 && points[i].Steps <= points[i - 1].Steps)
            {
                throw new ArgumentException($"{source}: steps go from {points[i - 1].Steps} to {points[i].Steps}; expected them to increase.", nameof(points));
            }
        }

        Source = source;
        Points = points.ToArray();
    }

    /// <summary>Where the curve came from: a progress.csv path, or a name such as "seed 3".</summary>
    public string Source { get; }

    /// <summary>The points, in strictly increasing steps.</summary>
    public IReadOnlyList<CurvePoint> Points { get; }
}

/// <summary>A run group: one label, one colour on the plot, one or more seeds' curves.</summary>
public sealed record CurveGroup
{
    /// <summary>A group of at least one curve.</summary>
    /// <param name="label">The legend's name for the group.</param>
    /// <param name="env">The env id the seeds ran on (for the default title and the threshold line), or null when unknown.</param>
    /// <param name="seeds">One curve per seed.</param>
    /// <exception cref="ArgumentException">No curves.</exception>
    public CurveGroup(string label, string? env, IReadOnlyList<LearningCurve> seeds)
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count == 0)
        {
            throw new ArgumentException($"group '{label}' has no curves.", nameof(seeds));
        }

        Label = label;
        Env = env;
        Seeds = seeds.ToArray();
    }

    /// <summary>The legend's name for the group.</summary>
    public string Label { get; init; }

    /// <summary>The env id, or null when unknown.</summary>
    public string? Env { get; init; }

    /// <summary>One curve per seed.</summary>
    public IReadOnlyList<LearningCurve> Seeds { get; }

    /// <summary>Seeds of the directory that are not in <see cref="Seeds"/>, each with why (a failed seed of a sweep, one with no finished episode yet).</summary>
    public IReadOnlyList<string> LeftOut { get; init; } = [];
}

/// <summary>
/// A group's seeds on one step grid (see <see cref="LearningCurves.Aggregate"/>): at each step the
/// mean, population standard deviation (divisor n, as numpy's <c>std</c>), minimum and maximum
/// over the seeds. Every list has one value per step.
/// </summary>
/// <param name="Steps">The common grid, increasing.</param>
/// <param name="Mean">Mean over seeds.</param>
/// <param name="Std">Standard deviation over seeds (divisor n; 0 for one seed).</param>
/// <param name="Min">Minimum over seeds.</param>
/// <param name="Max">Maximum over seeds.</param>
/// <param name="SeedCount">How many seeds.</param>
public sealed record AggregateCurve(
    IReadOnlyList<long> Steps,
    IReadOnlyList<double> Mean,
    IReadOnlyList<double> Std,
    IReadOnlyList<double> Min,
    IReadOnlyList<double> Max,
    int SeedCount);

/// <summary>What the shaded band around a group's mean shows.</summary>
public enum Band
{
    /// <summary>Mean ± one standard deviation over seeds.</summary>
    Std,

    /// <summary>From the lowest to the highest seed.</summary>
    MinMax,
}

/// <summary>How <see cref="LearningCurves.SavePng"/> draws.</summary>
public sealed record PlotOptions
{
    /// <summary>The default options.</summary>
    public static readonly PlotOptions Defaults = new();

    /// <summary>Title of the plot.</summary>
    /// <value>Default null: the groups' env id (several ids joined by " vs "), or "learning curve" when none is known.</value>
    public string? Title { get; init; }

    /// <summary>What the shaded band shows.</summary>
    /// <value>Default <see cref="Band.Std"/>.</value>
    public Band Band { get; init; } = Band.Std;

    /// <summary>Width of the image in pixels.</summary>
    /// <value>Default 1000; 200 to 10,000.</value>
    public int Width { get; init; } = 1000;

    /// <summary>Height of the image in pixels.</summary>
    /// <value>Default 600; 150 to 10,000.</value>
    public int Height { get; init; } = 600;

    /// <summary>Smallest allowed <see cref="Width"/>.</summary>
    public const int MinWidth = 200;

    /// <summary>Smallest allowed <see cref="Height"/>.</summary>
    public const int MinHeight = 150;

    /// <summary>Largest allowed <see cref="Width"/> and <see cref="Height"/>.</summary>
    public const int MaxSize = 10_000;

    /// <summary>Every option out of range, as "width is 10; allowed: 200 to 10000."; empty when all are valid.</summary>
    /// <returns>The problems.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Width is < MinWidth or > MaxSize)
        {
            problems.Add($"width is {Width}; allowed: {MinWidth} to {MaxSize}.");
        }

        if (Height is < MinHeight or > MaxSize)
        {
            problems.Add($"height is {Height}; allowed: {MinHeight} to {MaxSize}.");
        }

        if (!Enum.IsDefined(Band))
        {
            problems.Add($"band is {(int)Band}; allowed: Std, MinMax.");
        }

        return problems;
    }
}
