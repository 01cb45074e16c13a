using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace A2C.Training;

/// <summary>What some threads of this machine can do at most: fused multiply-adds on the widest vectors the JIT accelerates.</summary>
/// <param name="GigaFlops">Billions of floating-point operations a second (two per multiply-add) of all the threads together, the best of the measured rounds.</param>
/// <param name="VectorBits">The vector width the loop used: 512, 256 or 128.</param>
/// <param name="Threads">How many threads ran the loop at once.</param>
public sealed record FmaPeak(double GigaFlops, int VectorBits, int Threads = 1)
{
    // Twelve independent chains hide the multiply-add latency (4-5 cycles) on two or more FMA pipes.
    private const int Chains = 12;
    private const long IterationsPerRound = 4_000_000;

    /// <summary>
    /// Measures the peak on the calling thread: a loop of multiply-adds whose operands never leave
    /// the registers, timed over <paramref name="rounds"/> rounds (a few milliseconds each); the best
    /// round counts, as the machine's other load can only slow one down.
    /// </summary>
    /// <param name="rounds">Timed rounds, at least 1.</param>
    /// <param name="threads">Threads that run the loop at once, each round timed from a common start to the last one's end: the calling thread and threads - 1 others. On a VM two "cores" may share one core's FMA pipes, which this shows.</param>
    /// <returns>The peak and the vector width it was measured with.</returns>
    public static FmaPeak Measure(int rounds = 20, int threads = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (threads > 1)
        {
            return MeasureTogether(rounds, threads);
        }

        var bits = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;
        Func<long, float> loop = bits switch
        {
            512 => Chains512,
            256 => Chains256,
            _ => Chains128,
        };
        loop(IterationsPerRound / 10); // compiled before the first timed round
        var best = 0.0;
        var sink = 0f;
        for (var r = 0; r < rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            sink += loop(IterationsPerRound);
            best = Math.Max(best, IterationsPerRound * Chains * (bits / 32) * 2 / clock.Elapsed.TotalSeconds / 1e9);
        }

        // The sum is kept so that the loops cannot be removed as dead code.
        GC.KeepAlive(sink);
        return new FmaPeak(best, bits);
    }

    private static FmaPeak MeasureTogether(int rounds, int threads)
    {
        var bits = 0;
        var best = 0.0;
        using var start = new Barrier(threads);
        using var end = new Barrier(threads);
        var clock = new Stopwatch();

        void Worker(bool timer)
        {
            for (var r = 0; r < rounds; r++)
            {
                start.SignalAndWait();
                if (timer)
                {
                    clock.Restart();
                }

                var one = Measure(1);
                bits = one.VectorBits;
                end.SignalAndWait();
                if (timer)
                {
                    // Measure(1) times one round of IterationsPerRound after a shorter warm-up loop: count both.
                    var flops = threads * (IterationsPerRound + IterationsPerRound / 10) * Chains * (one.VectorBits / 32) * 2.0;
                    best = Math.Max(best, flops / clock.Elapsed.TotalSeconds / 1e9);
                }
            }
        }

        var others = Enumerable.Range(1, threads - 1).Select(_ => new Thread(() => Worker(timer: false)) { IsBackground = true }).ToList();
        others.ForEach(t => t.Start());
        Worker(timer: true);
        others.ForEach(t => t.Join());
        return new FmaPeak(best, bits, threads);
    }

    // One method per width, with no call inside the loop: a call would make the JIT keep the
    // accumulators on the stack (no vector register survives a call on x64 Linux).
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float Chains512(long iterations)
    {
        var (m, b) = (Vector512.Create(0.9999999f), Vector512.Create(1e-7f));
        Vector512<float> a0 = Vector512<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (var i = 0L; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, b);
            a1 = Vector512.FusedMultiplyAdd(a1, m, b);
            a2 = Vector512.FusedMultiplyAdd(a2, m, b);
            a3 = Vector512.FusedMultiplyAdd(a3, m, b);
            a4 = Vector512.FusedMultiplyAdd(a4, m, b);
            a5 = Vector512.FusedMultiplyAdd(a5, m, b);
            a6 = Vector512.FusedMultiplyAdd(a6, m, b);
            a7 = Vector512.FusedMultiplyAdd(a7, m, b);
            a8 = Vector512.FusedMultiplyAdd(a8, m, b);
            a9 = Vector512.FusedMultiplyAdd(a9, m, b);
            a10 = Vector512.FusedMultiplyAdd(a10, m, b);
            a11 = Vector512.FusedMultiplyAdd(a11, m, b);
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float Chains256(long iterations)
    {
        var (m, b) = (Vector256.Create(0.9999999f), Vector256.Create(1e-7f));
        Vector256<float> a0 = Vector256<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (var i = 0L; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, b);
            a1 = Vector256.FusedMultiplyAdd(a1, m, b);
            a2 = Vector256.FusedMultiplyAdd(a2, m, b);
            a3 = Vector256.FusedMultiplyAdd(a3, m, b);
            a4 = Vector256.FusedMultiplyAdd(a4, m, b);
            a5 = Vector256.FusedMultiplyAdd(a5, m, b);
            a6 = Vector256.FusedMultiplyAdd(a6, m, b);
            a7 = Vector256.FusedMultiplyAdd(a7, m, b);
            a8 = Vector256.FusedMultiplyAdd(a8, m, b);
            a9 = Vector256.FusedMultiplyAdd(a9, m, b);
            a10 = Vector256.FusedMultiplyAdd(a10, m, b);
            a11 = Vector256.FusedMultiplyAdd(a11, m, b);
        }

        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float Chains128(long iterations)
    {
        var (m, b) = (Vector128.Create(0.9999999f), Vector128.Create(1e-7f));
        Vector128<float> a0 = Vector128<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (var i = 0L; i < iterations; i++)
        {
            a0 = Vector128.FusedMultiplyAdd(a0, m, b);
            a1 = Vector128.FusedMultiplyAdd(a1, m, b);
            a2 = Vector128.FusedMultiplyAdd(a2, m, b);
            a3 = Vector128.FusedMultiplyAdd(a3, m, b);
            a4 = Vector128.FusedMultiplyAdd(a4, m, b);
            a5 = Vector128.FusedMultiplyAdd(a5, m, b);
            a6 = Vector128.FusedMultiplyAdd(a6, m, b);
            a7 = Vector128.FusedMultiplyAdd(a7, m, b);
            a8 = Vector128.FusedMultiplyAdd(a8, m, b);
            a9 = Vector128.FusedMultiplyAdd(a9, m, b);
            a10 = Vector128.FusedMultiplyAdd(a10, m, b);
            a11 = Vector128.FusedMultiplyAdd(a11, m, b);
        }

        return Vector128.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
