using System.Globalization;

namespace A2C.Envs.Spaces;

/// <summary>
/// A box of float32 vectors with per-component bounds, as Gymnasium's <c>Box(low, high, shape, float32)</c>.
/// Bounds may be infinite. Elements are stored flat (row-major) in <see cref="FlatSize"/> floats.
/// </summary>
public sealed class Box : Space
{
    private readonly float[] _low;
    private readonly float[] _high;
    private readonly int[] _shape;

    /// <summary>Creates a box whose components all share the same bounds.</summary>
    /// <param name="low">Lower bound of every component (may be negative infinity).</param>
    /// <param name="high">Upper bound of every component (may be positive infinity).</param>
    /// <param name="shape">Shape of one element, e.g. <c>4</c> for a 4-vector.</param>
    public Box(float low, float high, params int[] shape)
        : this(Fill(low, shape), Fill(high, shape), shape)
    {
    }

    /// <summary>Creates a 1-D box with per-component bounds.</summary>
    /// <param name="low">Lower bounds.</param>
    /// <param name="high">Upper bounds, same length.</param>
    public Box(float[] low, float[] high)
        : this(low, high, [low?.Length ?? 0])
    {
    }

    private Box(float[] low, float[] high, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(low);
        ArgumentNullException.ThrowIfNull(high);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Any(d => d < 1))
        {
            throw new ArgumentException($"every dimension must be at least 1; got ({string.Join(", ", shape)}).", nameof(shape));
        }

        var size = shape.Aggregate(1, (a, b) => a * b);
        if (low.Length != size || high.Length != size)
        {
            throw new ArgumentException($"low and high must have {size} components; got {low.Length} and {high.Length}.", nameof(low));
        }

        for (var i = 0; i < size; i++)
        {
            if (float.IsNaN(low[i]) || float.IsNaN(high[i]) || low[i] > high[i])
            {
                throw new ArgumentException($"component {i}: low {low[i]} must not exceed high {high[i]}.", nameof(low));
            }
        }

        _low = (float[])low.Clone();
        _high = (float[])high.Clone();
        _shape = (int[])shape.Clone();
    }

    /// <summary>Lower bounds, one per component (a copy).</summary>
    public float[] Low => (float[])_low.Clone();

    /// <summary>Upper bounds, one per component (a copy).</summary>
    public float[] High => (float[])_high.Clone();

    /// <inheritdoc />
    public override IReadOnlyList<int> Shape => _shape;

    /// <inheritdoc />
    public override int FlatSize => _low.Length;

    /// <summary>Lower bound of component <paramref name="i"/>.</summary>
    /// <param name="i">Component index.</param>
    /// <returns>The bound.</returns>
    public float LowAt(int i) => _low[i];

    /// <summary>Upper bound of component <paramref name="i"/>.</summary>
    /// <param name="i">Component index.</param>
    /// <returns>The bound.</returns>
    public float HighAt(int i) => _high[i];

    /// <summary>Whether every bound is finite.</summary>
    public bool IsBounded => _low.All(float.IsFinite) && _high.All(float.IsFinite);

    /// <summary>Whether <paramref name="value"/> has the right size and every component lies within its bounds (NaN never does).</summary>
    /// <param name="value">The candidate, flat.</param>
    /// <returns>True for an element of the box.</returns>
    public bool Contains(ReadOnlySpan<float> value)
    {
        if (value.Length != _low.Length)
        {
            return false;
        }

        for (var i = 0; i < value.Length; i++)
        {
            if (!(value[i] >= _low[i] && value[i] <= _high[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Index of the first component outside its bounds (or NaN), or -1.</summary>
    /// <param name="value">The candidate, flat, of length <see cref="FlatSize"/>.</param>
    /// <returns>The offending index, or -1 when all are inside.</returns>
    public int FirstOutside(ReadOnlySpan<float> value)
    {
        for (var i = 0; i < Math.Min(value.Length, _low.Length); i++)
        {
            if (!(value[i] >= _low[i] && value[i] <= _high[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Clips every component into its bounds, in place.</summary>
    /// <param name="value">The vector to clip, of length <see cref="FlatSize"/>.</param>
    public void Clip(Span<float> value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            value[i] = Math.Clamp(value[i], _low[i], _high[i]);
        }
    }

    /// <summary>
    /// Draws an element as Gymnasium does: uniform where both bounds are finite, normal where
    /// neither is, and an exponential offset from the finite bound where only one is.
    /// </summary>
    /// <param name="rng">The generator to draw from.</param>
    /// <param name="destination">Where to write the element, of length <see cref="FlatSize"/>.</param>
    public void Sample(Rng rng, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (destination.Length != _low.Length)
        {
            throw new ArgumentException($"destination has length {destination.Length}; the box has {_low.Length} components.", nameof(destination));
        }

        for (var i = 0; i < destination.Length; i++)
        {
            double lo = _low[i], hi = _high[i];
            var x = (double.IsFinite(lo), double.IsFinite(hi)) switch
            {
                (true, true) => rng.Uniform(lo, hi),
                (false, false) => rng.Normal(),
                (true, false) => lo + rng.Exponential(),
                (false, true) => hi - rng.Exponential(),
            };
            destination[i] = Math.Clamp((float)x, _low[i], _high[i]);
        }
    }

    /// <summary>Draws an element into a new array; see <see cref="Sample(Rng, Span{float})"/>.</summary>
    /// <param name="rng">The generator to draw from.</param>
    /// <returns>A new element of the box.</returns>
    public float[] Sample(Rng rng)
    {
        var result = new float[_low.Length];
        Sample(rng, result);
        return result;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var shape = _shape.Length == 1 ? $"({_shape[0]},)" : $"({string.Join(", ", _shape)})";
        var uniform = _low.All(l => l == _low[0]) && _high.All(h => h == _high[0]);
        return uniform
            ? $"Box({Format(_low[0])}, {Format(_high[0])}, {shape}, float32)"
            : $"Box([{string.Join(", ", _low.Select(Format))}], [{string.Join(", ", _high.Select(Format))}], {shape}, float32)";
    }

    private static string Format(float x) =>
        float.IsPositiveInfinity(x) ? "inf" : float.IsNegativeInfinity(x) ? "-inf" : x.ToString("G6", CultureInfo.InvariantCulture);

    private static float[] Fill(float value, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return Enumerable.Repeat(value, shape.Aggregate(1, (a, b) => a * Math.Max(b, 0))).ToArray();
    }
}
