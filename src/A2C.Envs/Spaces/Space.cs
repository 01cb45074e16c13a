namespace A2C.Envs.Spaces;

/// <summary>
/// The set of valid observations or actions of an environment, as in Gymnasium. Every element is
/// carried as a flat float32 vector of <see cref="FlatSize"/> values (the layout the vector envs,
/// the rollouts and the protocol use): a Box's components row-major (an image's pixels as 0..255),
/// a Discrete element as its integer, a MultiDiscrete or MultiBinary element as its integers, and a
/// Dict as its sub-spaces' vectors one after another in key order.
/// </summary>
public abstract class Space
{
    /// <summary>Shape of one element (empty for a scalar such as a discrete action).</summary>
    public abstract IReadOnlyList<int> Shape { get; }

    /// <summary>Number of float values one element occupies in a flat buffer (1 for a discrete action).</summary>
    public abstract int FlatSize { get; }

    /// <summary>Whether <paramref name="value"/>, in the flat layout, is an element.</summary>
    /// <param name="value">The candidate.</param>
    /// <returns>True for an element of the space.</returns>
    public bool Contains(ReadOnlySpan<float> value) => Violation(value) is null;

    /// <summary>Why <paramref name="value"/> is not an element, for a person (naming the component or Dict key), or null when it is one.</summary>
    /// <param name="value">The candidate, flat.</param>
    /// <returns>The reason, or null.</returns>
    public string? Violation(ReadOnlySpan<float> value) =>
        value.Length != FlatSize
            ? $"has {value.Length} values; {this} holds {FlatSize}"
            : ViolationOfSized(value);

    /// <summary>Draws an element uniformly (or as Gymnasium draws a Box), in the flat layout.</summary>
    /// <param name="rng">The generator to draw from.</param>
    /// <param name="destination">Where to write it, of length <see cref="FlatSize"/>.</param>
    public void Sample(Rng rng, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (destination.Length != FlatSize)
        {
            throw new ArgumentException($"destination has length {destination.Length}; {this} holds {FlatSize} values.", nameof(destination));
        }

        SampleSized(rng, destination);
    }

    /// <summary>The reason a value of the right length is not an element, or null.</summary>
    /// <param name="value">The candidate, of length <see cref="FlatSize"/>.</param>
    /// <returns>The reason, or null.</returns>
    protected abstract string? ViolationOfSized(ReadOnlySpan<float> value);

    /// <summary>Draws an element into a destination of the right length.</summary>
    /// <param name="rng">The generator.</param>
    /// <param name="destination">Of length <see cref="FlatSize"/>.</param>
    protected abstract void SampleSized(Rng rng, Span<float> destination);

    /// <summary>Whether <paramref name="x"/> is an integer in [<paramref name="low"/>, <paramref name="low"/> + <paramref name="n"/>).</summary>
    private protected static bool IsIntegerIn(float x, long low, long n) => x == MathF.Floor(x) && x >= low && x - low < n;

    /// <summary>Formats a float for messages as Gymnasium prints it.</summary>
    private protected static string Format(float x) =>
        float.IsPositiveInfinity(x) ? "inf" : float.IsNegativeInfinity(x) ? "-inf" : x.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Formats a shape as a Python tuple: <c>(4,)</c> or <c>(84, 84, 3)</c>.</summary>
    private protected static string FormatShape(IReadOnlyList<int> shape) =>
        shape.Count == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
}
