namespace A2C.Envs.Spaces;

/// <summary>Integers <c>Start, Start + 1, ..., Start + N - 1</c>, as Gymnasium's <c>Discrete(n, start)</c>; one float in the flat layout.</summary>
public sealed class Discrete : Space
{
    /// <summary>Creates the space of <paramref name="n"/> integers from <paramref name="start"/>.</summary>
    /// <param name="n">Number of elements, at least 1.</param>
    /// <param name="start">The smallest element.</param>
    public Discrete(int n, int start = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        N = n;
        Start = start;
    }

    /// <summary>Number of elements.</summary>
    public int N { get; }

    /// <summary>The smallest element.</summary>
    public int Start { get; }

    /// <inheritdoc />
    public override IReadOnlyList<int> Shape => [];

    /// <inheritdoc />
    public override int FlatSize => 1;

    /// <summary>Whether <paramref name="value"/> is an element.</summary>
    /// <param name="value">The candidate.</param>
    /// <returns>True when Start &lt;= value &lt; Start + N.</returns>
    public bool Contains(int value) => value >= Start && (long)value - Start < N;

    /// <summary>A uniformly random element.</summary>
    /// <param name="rng">The generator to draw from.</param>
    /// <returns>An element of the space.</returns>
    public int Sample(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        return Start + rng.NextInt(N);
    }

    /// <inheritdoc />
    public override string ToString() => Start == 0 ? $"Discrete({N})" : $"Discrete({N}, start={Start})";

    /// <inheritdoc />
    protected override string? ViolationOfSized(ReadOnlySpan<float> value) =>
        IsIntegerIn(value[0], Start, N) ? null : $"is {Format(value[0])}, not an integer in [{Start}, {Start + N - 1}] of {this}";

    /// <inheritdoc />
    protected override void SampleSized(Rng rng, Span<float> destination) => destination[0] = Sample(rng);
}
