using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace A2C.Training;

/// <summary>
/// PyTorch's RMSprop step (no momentum, not centered) on the model's flat parameter vector, over the
/// state of the TorchSharp optimizer it belongs to, so checkpoints save and load that optimizer as
/// before. On the CPU the step runs over the .NET arrays (the running average through a view of its
/// tensor's memory): five libtorch calls on 9,155 floats took about 17 µs of an 8-env update, this
/// loop about 3; and it rounds the same wherever the arrays lie (libtorch's kernels round their vector body
/// and scalar tail differently). On other devices it runs as tensor
/// operations, where every scalar lives in a field or a using: TorchSharp 0.107 turns each double
/// into a temporary <see cref="Scalar"/> whose finalizer may free it while libtorch still reads it
/// (one fresh-clone CI run failed with Scalar::toFloat's check inside add_(Scalar)).
/// </summary>
internal sealed class FlatRmsProp : IDisposable
{
    private readonly FlatParameters _flat;
    private readonly RMSProp.State _state;
    private readonly double _alpha;
    private readonly double _epsilon;
    private readonly Scalar _alphaScalar;
    private readonly Scalar _oneMinusAlpha;
    private readonly Scalar _epsilonScalar;
    private readonly Scalar _one = 1.ToScalar();

    /// <summary>Steps <paramref name="flat"/>'s one parameter, the only one of <paramref name="optimizer"/>, along its gradient.</summary>
    public FlatRmsProp(RMSProp optimizer, FlatParameters flat, double alpha, double epsilon)
    {
        _flat = flat;
        _state = (RMSProp.State)optimizer.state_dict().State.Single();
        (_alpha, _epsilon) = (alpha, epsilon);
        _alphaScalar = alpha.ToScalar();
        _oneMinusAlpha = (1 - alpha).ToScalar();
        _epsilonScalar = epsilon.ToScalar();
    }

    /// <summary>One step with learning rate <paramref name="learningRate"/>.</summary>
    public void Step(double learningRate)
    {
        _state.step += 1;
        if (_flat.Host is { } parameters)
        {
            // The tensor's memory itself (a view, not a copy), so the optimizer's saved state is this one.
            var average = MemoryMarshal.Cast<byte, float>(_state.square_avg.bytes);
            HostStep(parameters, _flat.HostGradients!, average, (float)_alpha, (float)(1 - _alpha), (float)_epsilon, (float)-learningRate);
            return;
        }

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var rate = (-learningRate).ToScalar();
        _state.square_avg.mul_(_alphaScalar).addcmul_(_flat.Gradients, _flat.Gradients, _oneMinusAlpha);
        var denominator = _state.square_avg.sqrt().add_(_epsilonScalar, _one);
        _flat.All.addcdiv_(_flat.Gradients, denominator, rate);
    }

    public void Dispose()
    {
        _alphaScalar.Dispose();
        _oneMinusAlpha.Dispose();
        _epsilonScalar.Dispose();
        _one.Dispose();
    }

    /// <summary>
    /// PyTorch's terms in float32: v = alpha v + (1 - alpha) g g (as one multiply-add, which is how
    /// libtorch's addcmul rounds here: the running averages come out bit for bit), then
    /// p += rate g / (sqrt(v) + eps), within a rounding of libtorch's addcdiv (1 ulp in about 0.5% of
    /// elements, measured).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void HostStep(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> average, float alpha, float oneMinusAlpha, float epsilon, float rate)
    {
        // Vectors, then the scalar tail with the same operations: square roots and quotients are
        // correctly rounded either way, so every element rounds alike wherever it falls.
        ref var p = ref MemoryMarshal.GetReference(parameters);
        ref var gr = ref MemoryMarshal.GetReference(gradients);
        ref var a = ref MemoryMarshal.GetReference(average);
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var (k, m, e, r) = (Vector512.Create(alpha), Vector512.Create(oneMinusAlpha), Vector512.Create(epsilon), Vector512.Create(rate));
            for (; i + 16 <= parameters.Length; i += 16)
            {
                var g = Vector512.LoadUnsafe(ref gr, (nuint)i);
                var v = Vector512.FusedMultiplyAdd(m * g, g, k * Vector512.LoadUnsafe(ref a, (nuint)i));
                v.StoreUnsafe(ref a, (nuint)i);
                (Vector512.LoadUnsafe(ref p, (nuint)i) + (r * g / (Vector512.Sqrt(v) + e))).StoreUnsafe(ref p, (nuint)i);
            }
        }

        {
            var (k, m, e, r) = (Vector256.Create(alpha), Vector256.Create(oneMinusAlpha), Vector256.Create(epsilon), Vector256.Create(rate));
            for (; i + 8 <= parameters.Length; i += 8)
            {
                var g = Vector256.LoadUnsafe(ref gr, (nuint)i);
                var v = Vector256.FusedMultiplyAdd(m * g, g, k * Vector256.LoadUnsafe(ref a, (nuint)i));
                v.StoreUnsafe(ref a, (nuint)i);
                (Vector256.LoadUnsafe(ref p, (nuint)i) + (r * g / (Vector256.Sqrt(v) + e))).StoreUnsafe(ref p, (nuint)i);
            }
        }

        for (; i < parameters.Length; i++)
        {
            var g = gradients[i];
            var v = MathF.FusedMultiplyAdd(oneMinusAlpha * g, g, alpha * average[i]);
            average[i] = v;
            parameters[i] += rate * g / (MathF.Sqrt(v) + epsilon);
        }
    }
}
