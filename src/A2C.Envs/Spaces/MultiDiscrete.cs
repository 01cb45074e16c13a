namespace A2C.Envs.Spaces;

/// <summary>
/// K independent discrete choices, the k-th among <c>0 .. nvec[k] - 1</c>, as Gymnasium's
/// <c>MultiDiscrete(nvec)</c> (one dimension): several buttons or levers at once. K floats (or, as an
/// action, K integers) in the flat layout.
/// </summary>
public sealed class MultiDiscrete : Space
{
    private readonly int[] _nvec;

    /// <summary>Creates the space of <paramref name="nvec"/>.Length choices.</summary>
    /// <param name="nvec">The number of values of each choice, each at least 1.</param>
    public MultiDiscrete(params int[] nvec)
    {
        ArgumentNullException.ThrowIfNull(nvec);
        if (nvec.Length == 0)
        {
            throw new ArgumentException("nvec must hold at least one choice.", nameof(nvec));
        }

        for (var k = 0; k < nvec.Length; k++)
        {
            if (nvec[k] < 1)
            {
                throw new ArgumentException($"nvec[{k}] is {nvec[k]}; every choice needs at least 1 value.", nameof(nvec));
            }
        }

        _nvec = (int[])nvec.Clone();
    }

    /// <summary>The number of values of each choice.</summary>
    public IReadOnlyList<int> Nvec => _nvec;

    /// <inheritdoc />
    public override IReadOnlyList<int> Shape => [_nvec.Length];

    /// <inheritdoc />
    public override int FlatSize => _nvec.Length;

    /// <summary>Why the integer action <paramref name="value"/> is not an element, or null.</summary>
    /// <param name="value">K integers.</param>
    /// <returns>The reason, naming the first choice at fault, or null.</returns>
    public string? Violation(ReadOnlySpan<int> value)
    {
        if (value.Length != _nvec.Length)
        {
            return $"has {value.Length} values; {this} holds {_nvec.Length}";
        }

        for (var k = 0; k < value.Length; k++)
        {
            if (value[k] < 0 || value[k] >= _nvec[k])
            {
                return $"choice {k} is {value[k]}, outside [0, {_nvec[k] - 1}] of {this}";
            }
        }

        return null;
    }

    /// <inheritdoc />
    public override string ToString() => $"MultiDiscrete([{string.Join(", ", _nvec)}])";

    /// <inheritdoc />
    protected override string? ViolationOfSized(ReadOnlySpan<float> value)
    {
        for (var k = 0; k < value.Length; k++)
        {
            if (!IsIntegerIn(value[k], 0, _nvec[k]))
            {
                return $"choice {k} is {Format(value[k])}, not an integer in [0, {_nvec[k] - 1}] of {this}";
            }
        }

        return null;
    }

    /// <inheritdoc />
    protected override void SampleSized(Rng rng, Span<float> destination)
    {
        for (var k = 0; k < _nvec.Length; k++)
        {
            destination[k] = rng.NextInt(_nvec[k]);
        }
    }
}
