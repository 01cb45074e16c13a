using System.Numerics;

namespace A2C.Envs.Seeding;

/// <summary>
/// numpy's default bit generator, <c>PCG64</c> (O'Neill's PCG XSL RR 128/64): a 128-bit LCG whose
/// output is the xor of its halves rotated by its top six bits. Seeded from a
/// <see cref="SeedSequence"/> as numpy seeds it, and with numpy's one-word buffer for 32-bit draws
/// (the upper half of a 64-bit draw is kept for the next call), which <c>integers</c> relies on.
/// </summary>
internal sealed class Pcg64
{
    private static readonly UInt128 _multiplier = new(0x2360ED051FC65DA4UL, 0x4385DF649FCCF645UL);
    private UInt128 _state;
    private UInt128 _increment;
    private bool _hasHalf;
    private uint _half;

    private Pcg64()
    {
    }

    /// <summary>The generator <c>np.random.PCG64(seedSequence)</c> makes.</summary>
    public static Pcg64 From(SeedSequence seedSequence)
    {
        ArgumentNullException.ThrowIfNull(seedSequence);
        var words = seedSequence.GenerateState64(4);
        var generator = new Pcg64();
        var initialState = new UInt128(words[0], words[1]);
        var sequence = new UInt128(words[2], words[3]);
        generator._increment = (sequence << 1) | 1;
        generator.Step();
        generator._state += initialState;
        generator.Step();
        return generator;
    }

    /// <summary>The next 64 bits.</summary>
    public ulong Next64()
    {
        Step();
        var high = (ulong)(_state >> 64);
        var low = (ulong)_state;
        return BitOperations.RotateRight(high ^ low, (int)(_state >> 122));
    }

    /// <summary>The next 32 bits: the low half of a new 64-bit draw, then its high half.</summary>
    public uint Next32()
    {
        if (_hasHalf)
        {
            _hasHalf = false;
            return _half;
        }

        var next = Next64();
        _hasHalf = true;
        _half = (uint)(next >> 32);
        return (uint)next;
    }

    /// <summary>State, increment (each as high and low words), the buffer flag and the buffered half.</summary>
    public long[] SaveSnapshot() =>
        [(long)(ulong)(_state >> 64), (long)(ulong)_state, (long)(ulong)(_increment >> 64), (long)(ulong)_increment, _hasHalf ? 1 : 0, _half];

    /// <summary>The generator <see cref="SaveSnapshot"/> recorded.</summary>
    public static Pcg64 FromSnapshot(ReadOnlySpan<long> snapshot)
    {
        if (snapshot.Length != 6 || (snapshot[3] & 1) == 0 || snapshot[4] is not (0 or 1) || snapshot[5] is < 0 or > uint.MaxValue)
        {
            throw new ArgumentException("a PCG64 snapshot is six numbers: state and odd increment (high, low words), the buffer flag (0 or 1) and a 32-bit half.", nameof(snapshot));
        }

        return new Pcg64
        {
            _state = new UInt128((ulong)snapshot[0], (ulong)snapshot[1]),
            _increment = new UInt128((ulong)snapshot[2], (ulong)snapshot[3]),
            _hasHalf = snapshot[4] == 1,
            _half = (uint)snapshot[5],
        };
    }

    private void Step() => _state = (_state * _multiplier) + _increment;
}
