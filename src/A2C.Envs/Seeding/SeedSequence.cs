using System.Numerics;

namespace A2C.Envs.Seeding;

/// <summary>
/// numpy's <c>SeedSequence</c> (numpy.random.bit_generator): it hashes a seed of any size into a
/// pool of four 32-bit words and draws a bit generator's initial state from that pool, so that
/// nearby seeds give unrelated streams. Same seed, same words as numpy 1.17 and later, which is
/// what <c>np.random.default_rng(seed)</c> and Gymnasium's <c>reset(seed=...)</c> start from.
/// </summary>
public sealed class SeedSequence
{
    private const int PoolSize = 4;
    private const uint InitA = 0x43b0d7e5;
    private const uint MultA = 0x931e8875;
    private const uint InitB = 0x8b51f9dd;
    private const uint MultB = 0x58f38ded;
    private const uint MixMultL = 0xca01f9dd;
    private const uint MixMultR = 0x4973f715;
    private const int XShift = 16;

    private readonly uint[] _pool = new uint[PoolSize];

    /// <summary>The pool numpy mixes from <paramref name="entropy"/> (and <paramref name="spawnKey"/>, as <c>SeedSequence(entropy, spawn_key=...)</c>).</summary>
    /// <param name="entropy">A non-negative integer of any size.</param>
    /// <param name="spawnKey">numpy's spawn key: the path of child indices, empty for a root sequence.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative entropy or key, which numpy refuses too.</exception>
    public SeedSequence(BigInteger entropy, params BigInteger[] spawnKey)
    {
        ArgumentNullException.ThrowIfNull(spawnKey);
        var words = Words(entropy, nameof(entropy)).ToList();
        if (spawnKey.Length > 0)
        {
            // Padding keeps the key's words from colliding with a longer seed's (numpy's rule).
            while (words.Count < PoolSize)
            {
                words.Add(0);
            }

            foreach (var key in spawnKey)
            {
                words.AddRange(Words(key, nameof(spawnKey)));
            }
        }

        Mix(words);
        Entropy = entropy;
    }

    /// <summary>A root sequence of fresh operating-system entropy (128 bits, as numpy draws).</summary>
    public static SeedSequence FromEntropy()
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return new SeedSequence(new BigInteger(bytes, isUnsigned: true));
    }

    /// <summary>The seed this sequence was made from (numpy's <c>entropy</c>).</summary>
    public BigInteger Entropy { get; }

    /// <summary><paramref name="count"/> 32-bit words of state, as <c>generate_state(count, np.uint32)</c>.</summary>
    public uint[] GenerateState32(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var state = new uint[count];
        var hash = InitB;
        for (var i = 0; i < count; i++)
        {
            var value = _pool[i % PoolSize] ^ hash;
            hash *= MultB;
            value *= hash;
            state[i] = value ^ (value >> XShift);
        }

        return state;
    }

    /// <summary><paramref name="count"/> 64-bit words, as <c>generate_state(count, np.uint64)</c>: pairs of 32-bit words, low word first.</summary>
    public ulong[] GenerateState64(int count)
    {
        var halves = GenerateState32(checked(count * 2));
        var state = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            state[i] = halves[2 * i] | ((ulong)halves[2 * i + 1] << 32);
        }

        return state;
    }

    private void Mix(List<uint> entropy)
    {
        var hash = InitA;
        uint HashMix(uint value)
        {
            value ^= hash;
            hash *= MultA;
            value *= hash;
            return value ^ (value >> XShift);
        }

        static uint Combine(uint x, uint y)
        {
            var result = (MixMultL * x) - (MixMultR * y);
            return result ^ (result >> XShift);
        }

        for (var i = 0; i < PoolSize; i++)
        {
            _pool[i] = HashMix(i < entropy.Count ? entropy[i] : 0);
        }

        for (var source = 0; source < PoolSize; source++)
        {
            for (var target = 0; target < PoolSize; target++)
            {
                if (source != target)
                {
                    _pool[target] = Combine(_pool[target], HashMix(_pool[source]));
                }
            }
        }

        for (var source = PoolSize; source < entropy.Count; source++)
        {
            for (var target = 0; target < PoolSize; target++)
            {
                _pool[target] = Combine(_pool[target], HashMix(entropy[source]));
            }
        }
    }

    /// <summary>An integer's 32-bit words, least significant first; zero is one word.</summary>
    private static IEnumerable<uint> Words(BigInteger value, string name)
    {
        if (value.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, "numpy's SeedSequence takes non-negative integers only.");
        }

        do
        {
            yield return (uint)(value & uint.MaxValue);
            value >>= 32;
        }
        while (value > 0);
    }
}
