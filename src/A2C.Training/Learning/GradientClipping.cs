using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace A2C.Training;

/// <summary>Clipping by global norm, as PyTorch's clip_grad_norm_ does it, over a gradient in .NET memory.</summary>
internal static class GradientClipping
{
    /// <summary>
    /// Scales <paramref name="gradients"/> by max_norm / (norm + 1e-6) when that is below one and
    /// returns the norm before clipping. The sum of squares runs in double in a fixed order, so it
    /// does not depend on where the array lies; libtorch's float sum (two TorchSharp calls, about 7
    /// µs an update) agrees with it to float32 rounding.
    /// </summary>
    /// <param name="gradients">The flat gradient, clipped in place.</param>
    /// <param name="maxNorm">max_grad_norm.</param>
    /// <returns>The global L2 norm before clipping; not finite when a gradient is not (then nothing is scaled).</returns>
    public static double ClipByGlobalNorm(Span<float> gradients, double maxNorm)
    {
        var norm = Math.Sqrt(SumOfSquares(gradients));
        var coefficient = maxNorm / (norm + 1e-6);
        if (double.IsFinite(norm) && coefficient < 1)
        {
            var scale = (float)coefficient;
            for (var i = 0; i < gradients.Length; i++)
            {
                gradients[i] *= scale;
            }
        }

        return norm;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static double SumOfSquares(ReadOnlySpan<float> values)
    {
        ref var start = ref MemoryMarshal.GetReference(values);
        // Four chains, so that the multiply-adds do not wait on each other's latency.
        Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default;
        var i = 0;
        for (; i + 16 <= values.Length; i += 16)
        {
            var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref start, (nuint)i));
            var (nextLow, nextHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref start, (nuint)(i + 8)));
            a0 = Vector256.FusedMultiplyAdd(low, low, a0);
            a1 = Vector256.FusedMultiplyAdd(high, high, a1);
            a2 = Vector256.FusedMultiplyAdd(nextLow, nextLow, a2);
            a3 = Vector256.FusedMultiplyAdd(nextHigh, nextHigh, a3);
        }

        var sum = Vector256.Sum((a0 + a1) + (a2 + a3));
        for (; i < values.Length; i++)
        {
            sum += (double)values[i] * values[i];
        }

        return sum;
    }
}
