namespace A2C.Envs.Spaces;

/// <summary>The element type of a <see cref="Box"/>, as Gymnasium's <c>dtype</c>.</summary>
public enum BoxDType
{
    /// <summary>float32 values (the default).</summary>
    Float32,

    /// <summary>Integers 0..255, as images are: carried as floats, checked to be whole.</summary>
    UInt8,
}

/// <summary>
/// A box of values of any shape with per-component bounds, as Gymnasium's <c>Box(low, high, shape, dtype)</c>.
/// Bounds may be infinite (float32 only). Elements are stored flat (row-major) in <see cref="FlatSize"/>
/// floats; a uint8 box's values are whole numbers in its bounds, and one of shape [H, W, C] with
/// bounds 0 and 255 is an image (<see cref="IsImage"/>), as Stable-Baselines3 decides.
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
        : this(Fill(low, shape), Fill(high, shape), shape, BoxDType.Float32)
    {
    }

    /// <summary>Creates a box of <paramref name="dtype"/> whose components all share the same bounds.</summary>
    /// <param name="low">Lower bound of every component.</param>
    /// <param name="high">Upper bound of every component.</param>
    /// <param name="shape">Shape of one element.</param>
    /// <param name="dtype">The element type.</param>
    public Box(float low, float high, int[] shape, BoxDType dtype)
        : this(Fill(low, shape), Fill(high, shape), shape, dtype)
    {
    }

    /// <summary>Creates a 1-D box with per-component bounds.</summary>
    /// <param name="low">Lower bounds.</param>
    /// <param name="high">Upper bounds, same length.</param>
    public Box(float[] low, float[] high)
        : this(low, high, [low?.Length ?? 0], BoxDType.Float32)
    {
    }

    /// <summary>Creates a box of any shape and type with per-component bounds (row-major).</summary>
    /// <param name="low">Lower bounds, one per component.</param>
    /// <param name="high">Upper bounds, one per component.</param>
    /// <param name="shape">Shape of one element.</param>
    /// <param name="dtype">The element type; uint8 bounds must be whole numbers in 0..255.</param>
    public Box(float[] low, float[] high, int[] shape, BoxDType dtype)
    {
        ArgumentNullException.ThrowIfNull(low);
        ArgumentNullException.ThrowIfNull(high);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0 || shape.Any(d => d < 1))
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

        if (dtype == BoxDType.UInt8 && !low.Concat(high).All(b => b == MathF.Floor(b) && b is >= 0 and <= 255))
        {
            throw new ArgumentException("a uint8 box's bounds must be whole numbers in [0, 255].", nameof(low));
        }

        _low = (float[])low.Clone();
        _high = (float[])high.Clone();
        _shape = (int[])shape.Clone();
        DType = dtype;
    }

    /// <summary>The element type.</summary>
    public BoxDType DType { get; }

    /// <summary>Whether this is an image as Stable-Baselines3 sees one: uint8, three dimensions [H, W, C], bounds 0 and 255.</summary>
    public bool IsImage => DType == BoxDType.UInt8 && _shape.Length == 3 && _low.All(l => l == 0) && _high.All(h => h == 255);

    /// <summary>An image space <c>Box(0, 255, (height, width, channels), uint8)</c>, channels last as Gymnasium's.</summary>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    /// <param name="channels">Channels (1 grey, 3 RGB, ...).</param>
    /// <returns>The space.</returns>
    public static Box Image(int height, int width, int channels) => new(0, 255, [height, width, channels], BoxDType.UInt8);

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

    /// <summary>Index of the first component outside its bounds (or NaN), or -1.</summary>
    /// <param name="value">The candidate, flat, of length <see cref="FlatSize"/>.</param>
    /// <returns>The offending index, or -1 when all are inside.</returns>
    public int FirstOutside(ReadOnlySpan<float> value)
    {
        for (var i = 0; i < Math.Min(value.Length, _low.Length); i++)
        {
            if (!(value[i] >= _low[i] && value[i] <= _high[i]) || (DType == BoxDType.UInt8 && value[i] != MathF.Floor(value[i])))
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

    /// <summary>Draws an element into a new array; see <see cref="Space.Sample(Rng, Span{float})"/>.</summary>
    /// <param name="rng">The generator to draw from.</param>
    /// <returns>A new element of the box.</returns>
    public float[] Sample(Rng rng)
    {
        var result = new float[FlatSize];
        Sample(rng, result);
        return result;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var shape = FormatShape(_shape);
        var dtype = DType == BoxDType.UInt8 ? "uint8" : "float32";
        var uniform = _low.All(l => l == _low[0]) && _high.All(h => h == _high[0]);
        return uniform
            ? $"Box({Format(_low[0])}, {Format(_high[0])}, {shape}, {dtype})"
            : $"Box([{string.Join(", ", _low.Select(Format))}], [{string.Join(", ", _high.Select(Format))}], {shape}, {dtype})";
    }

    /// <inheritdoc />
    protected override string? ViolationOfSized(ReadOnlySpan<float> value)
    {
        var i = FirstOutside(value);
        if (i < 0)
        {
            return null;
        }

        var bounds = $"[{Format(_low[i])}, {Format(_high[i])}]";
        var what = value[i] >= _low[i] && value[i] <= _high[i] ? $"not a whole number (the box is uint8) in {bounds}" : $"outside {bounds}";
        return $"component {i} is {Format(value[i])}, {what} of {this}";
    }

    /// <summary>Draws as Gymnasium does: uniform where both bounds are finite (uniform integers for uint8), normal where neither is, and an exponential offset from the finite bound where only one is.</summary>
    /// <param name="rng">The generator.</param>
    /// <param name="destination">Of length <see cref="FlatSize"/>.</param>
    protected override void SampleSized(Rng rng, Span<float> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            double lo = _low[i], hi = _high[i];
            if (DType == BoxDType.UInt8)
            {
                destination[i] = (float)(lo + rng.NextInt((int)(hi - lo) + 1));
                continue;
            }

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

    private static float[] Fill(float value, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return Enumerable.Repeat(value, shape.Aggregate(1, (a, b) => a * Math.Max(b, 0))).ToArray();
    }
}
