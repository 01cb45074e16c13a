namespace A2C.Envs.Spaces;

/// <summary>
/// N independent on/off switches, as Gymnasium's <c>MultiBinary(n)</c> (one dimension). N floats (or,
/// as an action, N integers), each 0 or 1, in the flat layout.
/// </summary>
public sealed class MultiBinary : Space
{
    /// <summary>Creates the space of <paramref name="n"/> switches.</summary>
    /// <param name="n">Number of switches, at least 1.</param>
    public MultiBinary(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        N = n;
    }

    /// <summary>Number of switches.</summary>
    public int N { get; }

    /// <inheritdoc />
    public override IReadOnlyList<int> Shape => [N];

    /// <inheritdoc />
    public override int FlatSize => N;

    /// <summary>Why the integer action <paramref name="value"/> is not an element, or null.</summary>
    /// <param name="value">N integers.</param>
    /// <returns>The reason, naming the first switch at fault, or null.</returns>
    public string? Violation(ReadOnlySpan<int> value)
    {
        if (value.Length != N)
        {
            return $"has {value.Length} values; {this} holds {N}";
        }

        for (var k = 0; k < value.Length; k++)
        {
            if (value[k] is not (0 or 1))
            {
                return $"switch {k} is {value[k]}, not 0 or 1 of {this}";
            }
        }

        return null;
    }

    /// <inheritdoc />
    public override string ToString() => $"MultiBinary({N})";

    /// <inheritdoc />
    protected override string? ViolationOfSized(ReadOnlySpan<float> value)
    {
        for (var k = 0; k < value.Length; k++)
        {
            if (value[k] is not (0f or 1f))
            {
                return $"switch {k} is {Format(value[k])}, not 0 or 1 of {this}";
            }
        }

        return null;
    }

    /// <inheritdoc />
    protected override void SampleSized(Rng rng, Span<float> destination)
    {
        for (var k = 0; k < N; k++)
        {
            destination[k] = rng.NextInt(2);
        }
    }
}
