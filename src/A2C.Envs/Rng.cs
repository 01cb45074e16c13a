using System.Numerics;
using A2C.Envs.Seeding;

namespace A2C.Envs;

/// <summary>
/// A small, fast, seedable random number generator: xoshiro256** seeded through SplitMix64, or,
/// made by <see cref="Numpy(long)"/>, numpy's PCG64 seeded through its SeedSequence, the stream
/// Gymnasium's envs draw from. Either stream is fixed by this code, not by the runtime, so a seed
/// gives the same episodes on every machine and .NET version.
/// </summary>
/// <remarks>
/// On a numpy stream, <see cref="NextDouble"/>, <see cref="Uniform"/> and <see cref="NextInt"/> draw
/// exactly what numpy's <c>Generator.random</c>, <c>uniform</c> and <c>integers(0, n)</c> draw;
/// <see cref="Normal"/>, <see cref="NextGaussian"/> and <see cref="Exponential"/> are this class's
/// own transforms (numpy uses ziggurats), which no Gymnasium env we port calls.
/// </remarks>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;
    private readonly Pcg64? _pcg;

    /// <summary>Creates a generator whose whole stream is determined by <paramref name="seed"/>.</summary>
    /// <param name="seed">Any value; equal seeds give equal streams.</param>
    public Rng(long seed)
    {
        var x = unchecked((ulong)seed);
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    private Rng(Pcg64 pcg)
    {
        _pcg = pcg;
    }

    /// <summary>numpy's <c>np.random.default_rng(seed)</c>: PCG64 seeded by <c>SeedSequence(seed)</c>, as Gymnasium's <c>reset(seed=seed)</c> seeds an env.</summary>
    /// <param name="seed">A non-negative seed (numpy and Gymnasium refuse negative ones).</param>
    /// <returns>The generator.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="seed"/> is negative.</exception>
    public static Rng Numpy(long seed)
    {
        if (seed < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(seed), seed, "a Gymnasium env's seed is a non-negative integer, as numpy's SeedSequence requires.");
        }

        return Numpy(new SeedSequence(seed));
    }

    /// <summary>numpy's <c>Generator(PCG64(seedSequence))</c>, for seeds beyond 64 bits or spawned sequences.</summary>
    /// <param name="seedSequence">The sequence PCG64 draws its state from.</param>
    /// <returns>The generator.</returns>
    public static Rng Numpy(SeedSequence seedSequence) => new(Pcg64.From(seedSequence));

    /// <summary>numpy's <c>default_rng()</c>: PCG64 seeded from fresh operating-system entropy.</summary>
    /// <returns>A new, unpredictable generator.</returns>
    public static Rng NumpyFromEntropy() => new(Pcg64.From(SeedSequence.FromEntropy()));

    /// <summary>Whether this is numpy's PCG64 stream (<see cref="Numpy(long)"/>) rather than xoshiro256**.</summary>
    public bool IsNumpy => _pcg is not null;

    /// <summary>A generator seeded from the operating system's entropy, for unseeded resets.</summary>
    /// <returns>A new, unpredictable generator.</returns>
    public static Rng FromEntropy() => new(System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue));

    /// <summary>The generator's complete state: four words and the cached normal deviate, or numpy's PCG64 state (<see cref="IsNumpy"/>).</summary>
    /// <returns>Six numbers that <see cref="FromSnapshot"/> (or, for numpy's stream, <see cref="FromNumpySnapshot"/>) turns back into this generator.</returns>
    public long[] SaveSnapshot() => _pcg?.SaveSnapshot() ??
        [(long)_s0, (long)_s1, (long)_s2, (long)_s3, _spareNormal.HasValue ? 1 : 0, BitConverter.DoubleToInt64Bits(_spareNormal ?? 0)];

    /// <summary>A generator in the state <see cref="SaveSnapshot"/> recorded.</summary>
    /// <param name="snapshot">Six numbers.</param>
    /// <returns>The generator.</returns>
    public static Rng FromSnapshot(ReadOnlySpan<long> snapshot)
    {
        if (snapshot.Length != 6)
        {
            throw new ArgumentException($"a generator snapshot has 6 numbers; got {snapshot.Length}.", nameof(snapshot));
        }

        var rng = new Rng(0)
        {
            _s0 = (ulong)snapshot[0],
            _s1 = (ulong)snapshot[1],
            _s2 = (ulong)snapshot[2],
            _s3 = (ulong)snapshot[3],
            _spareNormal = snapshot[4] != 0 ? BitConverter.Int64BitsToDouble(snapshot[5]) : null,
        };
        return rng;
    }

    /// <summary>A numpy stream in the state <see cref="SaveSnapshot"/> recorded.</summary>
    /// <param name="snapshot">Six numbers.</param>
    /// <returns>The generator.</returns>
    public static Rng FromNumpySnapshot(ReadOnlySpan<long> snapshot) => new(Pcg64.FromSnapshot(snapshot));

    /// <summary>Next 64 uniformly random bits.</summary>
    /// <returns>A uniformly distributed 64-bit value.</returns>
    public ulong NextUInt64()
    {
        if (_pcg is not null)
        {
            return _pcg.Next64();
        }

        var result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1), with 53 random bits.</summary>
    /// <returns>A double in [0, 1).</returns>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    /// <param name="low">Inclusive lower bound.</param>
    /// <param name="high">Exclusive upper bound.</param>
    /// <returns>A uniformly distributed double.</returns>
    public double Uniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>Standard normal, by the Box-Muller transform (one draw per call; two uniforms consumed).</summary>
    /// <returns>A draw from N(0, 1).</returns>
    public double NextGaussian()
    {
        var u1 = 1.0 - NextDouble(); // (0, 1]: the logarithm stays finite
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Uniform integer in [0, <paramref name="n"/>), without modulo bias.</summary>
    /// <param name="n">Number of outcomes, at least 1.</param>
    /// <returns>An integer in [0, n).</returns>
    public int NextInt(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (_pcg is not null)
        {
            return NumpyBounded(_pcg, (uint)(n - 1));
        }

        var bound = (ulong)n;
        var threshold = (0UL - bound) % bound;
        while (true)
        {
            var r = NextUInt64();
            if (r >= threshold)
            {
                return (int)(r % bound);
            }
        }
    }

    /// <summary>numpy's <c>integers(0, range + 1)</c> for a range under 2^32: Lemire's multiply-and-reject on 32-bit draws.</summary>
    private static int NumpyBounded(Pcg64 pcg, uint range)
    {
        if (range == 0)
        {
            return 0; // numpy draws nothing for a single outcome
        }

        var exclusive = (ulong)range + 1;
        var m = pcg.Next32() * exclusive;
        var leftover = (uint)m;
        if (leftover < exclusive)
        {
            var threshold = (uint)((uint.MaxValue - range) % exclusive);
            while (leftover < threshold)
            {
                m = pcg.Next32() * exclusive;
                leftover = (uint)m;
            }
        }

        return (int)(m >> 32);
    }

    /// <summary>Standard normal sample (Marsaglia's polar method).</summary>
    /// <returns>A draw from N(0, 1).</returns>
    public double Normal()
    {
        if (_spareNormal is { } spare)
        {
            _spareNormal = null;
            return spare;
        }

        double u, v, s;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            s = u * u + v * v;
        }
        while (s >= 1 || s == 0);

        var factor = Math.Sqrt(-2 * Math.Log(s) / s);
        // A numpy stream's snapshot is PCG64's state alone, so it keeps no spare.
        _spareNormal = _pcg is null ? v * factor : null;
        return u * factor;
    }

    /// <summary>Exponential sample with rate 1.</summary>
    /// <returns>A draw from Exp(1).</returns>
    public double Exponential() => -Math.Log(1 - NextDouble());

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        var z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
