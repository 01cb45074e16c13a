using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static A2C.Kernels.DenseLoops;

namespace A2C.Training;

/// <summary>
/// The actor-critic MLP's forward and backward passes in .NET over a flat parameter vector laid out
/// as <see cref="ParameterLayout"/> says: the .NET engine's replacement for TorchSharp's forward
/// and autograd on the CPU, where a 64x64 network is too small for libtorch's per-operation cost
/// (2-7 µs a call) to pay off. It computes what <see cref="ActorCritic.Evaluate"/> and autograd
/// compute, in float32, layer by layer; sums run in another order, so results agree to float32
/// rounding, not bit for bit.
/// <para>
/// Activations are kept feature-major ([width, batch padded to a multiple of 8]) so that the
/// inner loops run over the batch in 256-bit vectors with weights broadcast from the row-major
/// matrices as they are: no transposed copy of the weights, which change every update. One
/// instance per thread: it keeps the last forward pass's activations for the backward pass.
/// </para>
/// <para>
/// This file holds the passes and their buffers; the register-blocked forward loops they call,
/// which know nothing of layers, are A2C.Policy's Kernels/DenseLoops.cs, compiled here too so the
/// trainer and the shipped runtime run the same code; MlpKernel.Loops.cs holds the backward's.
/// </para>
/// </summary>
internal sealed partial class MlpKernel
{
    private readonly ParameterLayout _layout;
    private readonly bool _tanh;
    private readonly int _observationSize;
    private readonly int _widest;
    private readonly AlignedFloats[] _policyActivations;
    private readonly AlignedFloats[] _valueActivations;
    private int _capacity;
    private int _padded;
    private AlignedFloats _inputs;
    private AlignedFloats _actorOut;
    private AlignedFloats _valueOut;
    private AlignedFloats _gradA;
    private AlignedFloats _gradB;
    private AlignedFloats _sampleMajor;

    /// <summary>Creates buffers for batches of up to <paramref name="capacity"/> rows (grown on demand).</summary>
    public MlpKernel(ParameterLayout layout, Activation activation, int capacity)
    {
        _layout = layout;
        _tanh = activation == Activation.Tanh;
        _observationSize = layout.PolicyTrunk.Count > 0 ? layout.PolicyTrunk[0].In : layout.ActorHead.In;
        _widest = layout.PolicyTrunk.Concat(layout.ValueTrunk).Append(layout.ActorHead).Append(layout.CriticHead).Max(s => Math.Max(s.In, s.Out));
        _policyActivations = new AlignedFloats[layout.PolicyTrunk.Count];
        _valueActivations = new AlignedFloats[layout.ValueTrunk.Count];
        Grow(Math.Max(1, capacity));
    }

    /// <summary>
    /// Actor outputs (batch x actions, row-major) and values (batch) of <paramref name="batch"/>
    /// observations (batch x observation size, row-major). Either output may be empty to skip it
    /// (then <see cref="Backward"/> cannot follow).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Forward(ReadOnlySpan<float> weights, ReadOnlySpan<float> observations, int batch, Span<float> actor, Span<float> values)
    {
        if (batch > _capacity)
        {
            Grow(batch);
        }

        var p = _padded = Pad(batch);
        var inputs = _inputs.Span(_observationSize * p);
        inputs.Clear();
        for (var i = 0; i < batch; i++)
        {
            for (var k = 0; k < _observationSize; k++)
            {
                inputs[k * p + i] = observations[i * _observationSize + k];
            }
        }

        // Values alone (bootstrapping) need only the critic's trunk when it has its own.
        var features = actor.IsEmpty && _layout.Separate ? default : Trunk(weights, _layout.PolicyTrunk, _policyActivations, inputs, p);
        var valueFeatures = _layout.Separate ? Trunk(weights, _layout.ValueTrunk, _valueActivations, inputs, p) : features;
        if (!actor.IsEmpty)
        {
            var head = _layout.ActorHead;
            var output = _actorOut.Span(head.Out * p);
            Combine(weights.Slice(head.Weight), head.In, 1, weights.Slice(head.Bias, head.Out), features, output, head.Out, head.In, p);
            for (var i = 0; i < batch; i++)
            {
                for (var j = 0; j < head.Out; j++)
                {
                    actor[i * head.Out + j] = output[j * p + i];
                }
            }
        }

        if (!values.IsEmpty)
        {
            var head = _layout.CriticHead;
            var output = _valueOut.Span(p);
            Combine(weights.Slice(head.Weight), head.In, 1, weights.Slice(head.Bias, 1), valueFeatures, output, 1, head.In, p);
            output[..batch].CopyTo(values);
        }
    }

    /// <summary>
    /// Adds to <paramref name="gradients"/> dLoss/dParameters given dLoss/dActor (batch x actions)
    /// and dLoss/dValues (batch) for the batch of the last <see cref="Forward"/>, which must have
    /// computed both heads. The log-std gradient does not pass through the network: the caller adds it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Backward(ReadOnlySpan<float> weights, int batch, ReadOnlySpan<float> gradActor, ReadOnlySpan<float> gradValues, Span<float> gradients)
    {
        var p = _padded;
        var inputs = _inputs.Span(_observationSize * p);
        var features = Last(_layout.PolicyTrunk, _policyActivations, inputs, p);
        var actorHead = _layout.ActorHead;
        var gradOutput = _gradB.Span(actorHead.Out * p);
        gradOutput.Clear();
        for (var i = 0; i < batch; i++)
        {
            for (var j = 0; j < actorHead.Out; j++)
            {
                gradOutput[j * p + i] = gradActor[i * actorHead.Out + j];
            }
        }

        var gradFeatures = _gradA.Span(actorHead.In * p);
        gradFeatures.Clear();
        var policyHasTrunk = _layout.PolicyTrunk.Count > 0;
        DenseBackward(weights, actorHead, features, gradOutput, batch, p, gradients, policyHasTrunk ? gradFeatures : default);

        var criticHead = _layout.CriticHead;
        if (!_layout.Separate)
        {
            var gradValue = _gradB.Span(p);
            gradValue.Clear();
            gradValues[..batch].CopyTo(gradValue);
            DenseBackward(weights, criticHead, features, gradValue, batch, p, gradients, policyHasTrunk ? gradFeatures : default);
            TrunkBackward(weights, _layout.PolicyTrunk, _policyActivations, inputs, batch, p, gradients);
            return;
        }

        TrunkBackward(weights, _layout.PolicyTrunk, _policyActivations, inputs, batch, p, gradients);
        var valueFeatures = Last(_layout.ValueTrunk, _valueActivations, inputs, p);
        var gradValueOutput = _gradB.Span(p);
        gradValueOutput.Clear();
        gradValues[..batch].CopyTo(gradValueOutput);
        var gradValueFeatures = _gradA.Span(criticHead.In * p);
        gradValueFeatures.Clear();
        DenseBackward(weights, criticHead, valueFeatures, gradValueOutput, batch, p, gradients, _layout.ValueTrunk.Count > 0 ? gradValueFeatures : default);
        TrunkBackward(weights, _layout.ValueTrunk, _valueActivations, inputs, batch, p, gradients);
    }

    // Padded batches up to this width form dW from a sample-major copy of the input (measured: see docs/benchmarks.md).
    private const int SampleMajorLimit = 64;

    // Batches wider than one 256-bit vector pad to 512-bit vectors where the JIT accelerates them, so the wide loops take them.
    private static int Pad(int batch)
    {
        var lanes = Vector512.IsHardwareAccelerated && batch > Lanes ? WideLanes : Lanes;
        return (batch + lanes - 1) / lanes * lanes;
    }

    private static ReadOnlySpan<float> Last(IReadOnlyList<DenseSlot> layers, AlignedFloats[] activations, ReadOnlySpan<float> inputs, int p) =>
        layers.Count == 0 ? inputs : activations[^1].Span(layers[^1].Out * p);

    private void Grow(int capacity)
    {
        _capacity = capacity;
        var p = Pad(capacity);
        for (var l = 0; l < _policyActivations.Length; l++)
        {
            _policyActivations[l] = new AlignedFloats(_layout.PolicyTrunk[l].Out * p);
        }

        for (var l = 0; l < _valueActivations.Length; l++)
        {
            _valueActivations[l] = new AlignedFloats(_layout.ValueTrunk[l].Out * p);
        }

        _inputs = new AlignedFloats(_observationSize * p);
        _actorOut = new AlignedFloats(_layout.ActorHead.Out * p);
        _valueOut = new AlignedFloats(p);
        _gradA = new AlignedFloats(_widest * p);
        _gradB = new AlignedFloats(_widest * p);
        _sampleMajor = new AlignedFloats(_widest * p);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ReadOnlySpan<float> Trunk(ReadOnlySpan<float> weights, IReadOnlyList<DenseSlot> layers, AlignedFloats[] activations, ReadOnlySpan<float> inputs, int p)
    {
        var input = inputs;
        for (var l = 0; l < layers.Count; l++)
        {
            var slot = layers[l];
            var output = activations[l].Span(slot.Out * p);
            Combine(weights.Slice(slot.Weight), slot.In, 1, weights.Slice(slot.Bias, slot.Out), input, output, slot.Out, slot.In, p);
            if (_tanh)
            {
                Tanh(output);
            }
            else
            {
                TensorPrimitives.Max(output, 0f, output);
            }

            input = output;
        }

        return input;
    }

    /// <summary>Backpropagates through a trunk, starting from dLoss/d(its last activation) in _gradA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TrunkBackward(ReadOnlySpan<float> weights, IReadOnlyList<DenseSlot> layers, AlignedFloats[] activations, ReadOnlySpan<float> inputs, int batch, int p, Span<float> gradients)
    {
        var gradOutput = _gradA;
        var gradInput = _gradB;
        for (var l = layers.Count - 1; l >= 0; l--)
        {
            var slot = layers[l];
            var size = slot.Out * p;
            var output = activations[l].Span(size);
            var gradPre = gradOutput.Span(size);
            if (_tanh)
            {
                TanhDerivative(output, gradPre);
            }
            else
            {
                for (var i = 0; i < size; i++)
                {
                    gradPre[i] = output[i] > 0f ? gradPre[i] : 0f;
                }
            }

            var input = l == 0 ? inputs : activations[l - 1].Span(slot.In * p);
            var gradIn = l == 0 ? default : gradInput.Span(slot.In * p);
            gradIn.Clear();
            DenseBackward(weights, slot, input, gradPre, batch, p, gradients, gradIn);
            (gradOutput, gradInput) = (gradInput, gradOutput);
        }
    }

    /// <summary>
    /// Accumulates dW += gradOutput inputᵀ and db += row sums over the real samples (padding
    /// columns of gradOutput are zero, so they add nothing to dW); when
    /// <paramref name="gradInput"/> is not empty, gradInput += Wᵀ gradOutput (all feature-major).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DenseBackward(ReadOnlySpan<float> weights, DenseSlot slot, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, int batch, int p, Span<float> gradients, Span<float> gradInput)
    {
        var gradW = gradients.Slice(slot.Weight, slot.In * slot.Out);
        var gradB = gradients.Slice(slot.Bias, slot.Out);
        for (var j = 0; j < slot.Out; j++)
        {
            gradB[j] += TensorPrimitives.Sum(gradOutput.Slice(j * p, batch));
        }

        if (Vector512.IsHardwareAccelerated && slot.In % WideLanes == 0 && p <= SampleMajorLimit)
        {
            // A narrow batch makes short dot products whose horizontal sums cost more than their
            // multiply-adds; with the input sample-major, dW is a weighted sum of its rows instead.
            var sampleMajor = _sampleMajor.Span(batch * slot.In);
            for (var k = 0; k < slot.In; k++)
            {
                for (var b = 0; b < batch; b++)
                {
                    sampleMajor[b * slot.In + k] = input[k * p + b];
                }
            }

            Combine(gradOutput, p, 1, default, sampleMajor, gradW, slot.Out, batch, slot.In, accumulate: true);
        }
        else
        {
            AccumulateProducts(gradOutput, input, gradW, slot.Out, slot.In, p);
        }

        if (!gradInput.IsEmpty)
        {
            Combine(weights.Slice(slot.Weight), 1, slot.In, default, gradOutput, gradInput, slot.In, slot.Out, p, accumulate: true);
        }
    }

    /// <summary>
    /// A float buffer whose first element is on a 64-byte boundary, so that every row (a multiple of
    /// 8 floats) starts one and no 256-bit load or store straddles a cache line. A plain array's
    /// alignment depends on what was allocated before it: an 8-env act took 7.2 or 8.6 µs (medians)
    /// with two allocation histories, and 5.4 aligned. Pinned (on the pinned-object heap), so the GC
    /// never moves it.
    /// </summary>
    internal readonly struct AlignedFloats
    {
        private const int Alignment = 64;
        private readonly float[] _array;
        private readonly int _offset;

        public AlignedFloats(int length)
        {
            _array = GC.AllocateArray<float>(length + Alignment / sizeof(float), pinned: true);
            var misalignment = (int)(Marshal.UnsafeAddrOfPinnedArrayElement(_array, 0) % Alignment);
            _offset = (Alignment - misalignment) % Alignment / sizeof(float);
            Length = length;
        }

        /// <summary>Usable floats.</summary>
        public int Length { get; }

        /// <summary>The first <paramref name="length"/> floats.</summary>
        public Span<float> Span(int length)
        {
            Debug.Assert(length <= Length, "a span within the buffer");
            return _array.AsSpan(_offset, length);
        }
    }
}
