namespace A2C.Envs;

/// <summary>
/// An object whose complete state can be saved as numbers and restored, so that a training run
/// can be checkpointed and resumed exactly. The snapshot is opaque: only the same type, version
/// and configuration can load it.
/// </summary>
public interface ISnapshotable
{
    /// <summary>Everything needed to continue exactly from here.</summary>
    /// <returns>The snapshot.</returns>
    long[] SaveSnapshot();

    /// <summary>Restores a snapshot made by <see cref="SaveSnapshot"/> on an instance of the same kind.</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <exception cref="ArgumentException">The snapshot does not fit this instance.</exception>
    void LoadSnapshot(ReadOnlySpan<long> snapshot);
}

/// <summary>Reads a snapshot front to back, with errors that say what was expected.</summary>
public ref struct SnapshotReader
{
    private readonly ReadOnlySpan<long> _data;
    private readonly string _owner;
    private int _position;

    /// <summary>Starts reading <paramref name="data"/>, a snapshot of <paramref name="owner"/>.</summary>
    /// <param name="data">The snapshot.</param>
    /// <param name="owner">Name used in error messages.</param>
    public SnapshotReader(ReadOnlySpan<long> data, string owner)
    {
        _data = data;
        _owner = owner;
        _position = 0;
    }

    /// <summary>Values not read yet.</summary>
    public readonly int Remaining => _data.Length - _position;

    /// <summary>Reads one integer.</summary>
    /// <returns>The value.</returns>
    public long Long() => _position < _data.Length ? _data[_position++] : throw Truncated();

    /// <summary>Reads one float64 stored with <see cref="BitConverter.DoubleToInt64Bits"/>.</summary>
    /// <returns>The value.</returns>
    public double Double() => BitConverter.Int64BitsToDouble(Long());

    /// <summary>Reads a length-prefixed block.</summary>
    /// <returns>The block.</returns>
    public ReadOnlySpan<long> Block()
    {
        var length = Long();
        if (length < 0 || length > Remaining)
        {
            throw Truncated();
        }

        var block = _data.Slice(_position, (int)length);
        _position += (int)length;
        return block;
    }

    /// <summary>Checks that everything was read.</summary>
    public readonly void End()
    {
        if (_position != _data.Length)
        {
            throw new ArgumentException($"the snapshot of {_owner} has {_data.Length - _position} values more than expected; it was made by a different kind of environment.");
        }
    }

    private readonly ArgumentException Truncated() =>
        new($"the snapshot of {_owner} ends early; it was made by a different kind of environment or is damaged.");
}
