using A2C.Envs.Spaces;

namespace A2C.Envs.Wrappers;

/// <summary>Base of environment wrappers: forwards everything to the wrapped environment.</summary>
public abstract class Wrapper : IEnv, ISnapshotable
{
    /// <summary>Wraps <paramref name="inner"/>; the wrapper owns it and disposes it.</summary>
    /// <param name="inner">The environment to wrap.</param>
    protected Wrapper(IEnv inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
    }

    /// <summary>The wrapped environment.</summary>
    public IEnv Inner { get; }

    /// <inheritdoc />
    public virtual string Name => Inner.Name;

    /// <inheritdoc />
    public virtual Space ObservationSpace => Inner.ObservationSpace;

    /// <inheritdoc />
    public virtual Space ActionSpace => Inner.ActionSpace;

    /// <inheritdoc />
    public IEnv Unwrapped => Inner.Unwrapped;

    /// <inheritdoc />
    public virtual void Reset(Span<float> observation, int? seed = null) => Inner.Reset(observation, seed);

    /// <inheritdoc />
    public virtual StepResult Step(int action, Span<float> observation) => Inner.Step(action, observation);

    /// <inheritdoc />
    public virtual StepResult Step(ReadOnlySpan<float> action, Span<float> observation) => Inner.Step(action, observation);

    /// <inheritdoc />
    public virtual StepResult Step(ReadOnlySpan<int> action, Span<float> observation) => Inner.Step(action, observation);

    /// <inheritdoc />
    public long[] SaveSnapshot()
    {
        var own = SaveWrapperState();
        var inner = Inner is ISnapshotable s
            ? s.SaveSnapshot()
            : throw new NotSupportedException($"{Inner.Name} cannot be snapshotted: it does not implement ISnapshotable.");
        return [own.Length, .. own, .. inner];
    }

    /// <inheritdoc />
    public void LoadSnapshot(ReadOnlySpan<long> snapshot)
    {
        var reader = new SnapshotReader(snapshot, Name);
        var own = reader.Block();
        if (Inner is not ISnapshotable inner)
        {
            throw new NotSupportedException($"{Inner.Name} cannot be snapshotted: it does not implement ISnapshotable.");
        }

        inner.LoadSnapshot(snapshot[(own.Length + 1)..]);
        LoadWrapperState(own);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>The wrapper's own state, for snapshots.</summary>
    /// <returns>The numbers; empty by default.</returns>
    protected virtual long[] SaveWrapperState() => [];

    /// <summary>Restores what <see cref="SaveWrapperState"/> saved.</summary>
    /// <param name="state">The numbers.</param>
    protected virtual void LoadWrapperState(ReadOnlySpan<long> state)
    {
    }

    /// <summary>Disposes the wrapped environment.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner.Dispose();
        }
    }
}
