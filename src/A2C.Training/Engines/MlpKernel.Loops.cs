using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static A2C.Kernels.DenseLoops;

namespace A2C.Training;

/// <content>
/// The backward pass's inner loop: the outer-product accumulation of weight gradients, in 256-bit
/// registers. The forward loops (weighted sums of rows, tanh) are shared with A2C.Policy
/// (Kernels/DenseLoops.cs).
/// </content>
internal sealed partial class MlpKernel
{
    /// <summary>
    /// destination[j, k] += dot(left row j, right row k) for row-major left (rows x width) and
    /// right (columns x width): dW = G Xᵀ with both operands feature-major, so no transposed copy
    /// of the activations is needed. Blocks of 2 x 4 dot products share their loads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AccumulateProducts(ReadOnlySpan<float> left, ReadOnlySpan<float> right, Span<float> destination, int rows, int columns, int width)
    {
        if (Vector512.IsHardwareAccelerated && width % WideLanes == 0)
        {
            AccumulateProductsWide(left, right, destination, rows, columns, width);
            return;
        }

        ref var l = ref MemoryMarshal.GetReference(left);
        ref var r = ref MemoryMarshal.GetReference(right);
        var vectors = width / Lanes;
        var j = 0;
        for (; j + 2 <= rows; j += 2)
        {
            var k = 0;
            for (; k + 4 <= columns; k += 4)
            {
                Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
                Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
                ref var l0 = ref Unsafe.Add(ref l, j * width);
                ref var l1 = ref Unsafe.Add(ref l0, width);
                ref var r0 = ref Unsafe.Add(ref r, k * width);
                ref var r1 = ref Unsafe.Add(ref r0, width);
                ref var r2 = ref Unsafe.Add(ref r1, width);
                ref var r3 = ref Unsafe.Add(ref r2, width);
                for (var v = 0; v < vectors; v++)
                {
                    var offset = (nuint)(v * Lanes);
                    var g0 = Vector256.LoadUnsafe(ref l0, offset);
                    var g1 = Vector256.LoadUnsafe(ref l1, offset);
                    var x0 = Vector256.LoadUnsafe(ref r0, offset);
                    var x1 = Vector256.LoadUnsafe(ref r1, offset);
                    var x2 = Vector256.LoadUnsafe(ref r2, offset);
                    var x3 = Vector256.LoadUnsafe(ref r3, offset);
                    a00 = Vector256.FusedMultiplyAdd(g0, x0, a00);
                    a01 = Vector256.FusedMultiplyAdd(g0, x1, a01);
                    a02 = Vector256.FusedMultiplyAdd(g0, x2, a02);
                    a03 = Vector256.FusedMultiplyAdd(g0, x3, a03);
                    a10 = Vector256.FusedMultiplyAdd(g1, x0, a10);
                    a11 = Vector256.FusedMultiplyAdd(g1, x1, a11);
                    a12 = Vector256.FusedMultiplyAdd(g1, x2, a12);
                    a13 = Vector256.FusedMultiplyAdd(g1, x3, a13);
                }

                var d0 = destination.Slice(j * columns + k, 4);
                var d1 = destination.Slice((j + 1) * columns + k, 4);
                d0[0] += Vector256.Sum(a00);
                d0[1] += Vector256.Sum(a01);
                d0[2] += Vector256.Sum(a02);
                d0[3] += Vector256.Sum(a03);
                d1[0] += Vector256.Sum(a10);
                d1[1] += Vector256.Sum(a11);
                d1[2] += Vector256.Sum(a12);
                d1[3] += Vector256.Sum(a13);
            }

            for (; k < columns; k++)
            {
                destination[j * columns + k] += TensorPrimitives.Dot(left.Slice(j * width, width), right.Slice(k * width, width));
                destination[(j + 1) * columns + k] += TensorPrimitives.Dot(left.Slice((j + 1) * width, width), right.Slice(k * width, width));
            }
        }

        for (; j < rows; j++)
        {
            for (var k = 0; k < columns; k++)
            {
                destination[j * columns + k] += TensorPrimitives.Dot(left.Slice(j * width, width), right.Slice(k * width, width));
            }
        }
    }

    /// <summary><see cref="AccumulateProducts"/> in 512-bit vectors, for widths of a multiple of 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AccumulateProductsWide(ReadOnlySpan<float> left, ReadOnlySpan<float> right, Span<float> destination, int rows, int columns, int width)
    {
        ref var l = ref MemoryMarshal.GetReference(left);
        ref var r = ref MemoryMarshal.GetReference(right);
        var vectors = width / WideLanes;
        var j = 0;
        for (; j + 2 <= rows; j += 2)
        {
            var k = 0;
            for (; k + 4 <= columns; k += 4)
            {
                Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
                Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
                ref var l0 = ref Unsafe.Add(ref l, j * width);
                ref var l1 = ref Unsafe.Add(ref l0, width);
                ref var r0 = ref Unsafe.Add(ref r, k * width);
                ref var r1 = ref Unsafe.Add(ref r0, width);
                ref var r2 = ref Unsafe.Add(ref r1, width);
                ref var r3 = ref Unsafe.Add(ref r2, width);
                for (var v = 0; v < vectors; v++)
                {
                    var offset = (nuint)(v * WideLanes);
                    var g0 = Vector512.LoadUnsafe(ref l0, offset);
                    var g1 = Vector512.LoadUnsafe(ref l1, offset);
                    var x0 = Vector512.LoadUnsafe(ref r0, offset);
                    var x1 = Vector512.LoadUnsafe(ref r1, offset);
                    var x2 = Vector512.LoadUnsafe(ref r2, offset);
                    var x3 = Vector512.LoadUnsafe(ref r3, offset);
                    a00 = Vector512.FusedMultiplyAdd(g0, x0, a00);
                    a01 = Vector512.FusedMultiplyAdd(g0, x1, a01);
                    a02 = Vector512.FusedMultiplyAdd(g0, x2, a02);
                    a03 = Vector512.FusedMultiplyAdd(g0, x3, a03);
                    a10 = Vector512.FusedMultiplyAdd(g1, x0, a10);
                    a11 = Vector512.FusedMultiplyAdd(g1, x1, a11);
                    a12 = Vector512.FusedMultiplyAdd(g1, x2, a12);
                    a13 = Vector512.FusedMultiplyAdd(g1, x3, a13);
                }

                var d0 = destination.Slice(j * columns + k, 4);
                var d1 = destination.Slice((j + 1) * columns + k, 4);
                d0[0] += Vector512.Sum(a00);
                d0[1] += Vector512.Sum(a01);
                d0[2] += Vector512.Sum(a02);
                d0[3] += Vector512.Sum(a03);
                d1[0] += Vector512.Sum(a10);
                d1[1] += Vector512.Sum(a11);
                d1[2] += Vector512.Sum(a12);
                d1[3] += Vector512.Sum(a13);
            }

            for (; k < columns; k++)
            {
                destination[j * columns + k] += TensorPrimitives.Dot(left.Slice(j * width, width), right.Slice(k * width, width));
                destination[(j + 1) * columns + k] += TensorPrimitives.Dot(left.Slice((j + 1) * width, width), right.Slice(k * width, width));
            }
        }

        for (; j < rows; j++)
        {
            for (var k = 0; k < columns; k++)
            {
                destination[j * columns + k] += TensorPrimitives.Dot(left.Slice(j * width, width), right.Slice(k * width, width));
            }
        }
    }

    /// <summary>
    /// gradient *= 1 - output², d tanh(u)/du from the stored output, in one pass (three
    /// TensorPrimitives passes before; the same roundings: the square, then the difference, then the product).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TanhDerivative(ReadOnlySpan<float> output, Span<float> gradient)
    {
        ref var o = ref MemoryMarshal.GetReference(output);
        ref var g = ref MemoryMarshal.GetReference(gradient);
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + WideLanes <= output.Length; i += WideLanes)
            {
                var y = Vector512.LoadUnsafe(ref o, (nuint)i);
                (Vector512.LoadUnsafe(ref g, (nuint)i) * (Vector512<float>.One - (y * y))).StoreUnsafe(ref g, (nuint)i);
            }
        }

        for (; i + Lanes <= output.Length; i += Lanes)
        {
            var y = Vector256.LoadUnsafe(ref o, (nuint)i);
            (Vector256.LoadUnsafe(ref g, (nuint)i) * (Vector256<float>.One - (y * y))).StoreUnsafe(ref g, (nuint)i);
        }

        for (; i < output.Length; i++)
        {
            var y = Unsafe.Add(ref o, i);
            Unsafe.Add(ref g, i) *= 1f - (y * y);
        }
    }
}
