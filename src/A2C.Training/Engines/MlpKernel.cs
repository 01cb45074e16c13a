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
/// caller at a time: it keeps the last forward pass's activations for the backward pass. Given a
/// <see cref="HelperThread"/>, separate policy and value networks run on two threads, each with
/// its own buffers; either way every output and gradient element is the same chain of operations.
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
    private readonly Scratch _policyScratch = new();
    private readonly Scratch _valueScratch = new();
    private readonly Action _policyForward;
    private readonly Action _valueForward;
    private readonly Action _policyBackward;
    private readonly Action _valueBackward;
    private int _capacity;
    private int _padded;
    private int _batch;
    private AlignedFloats _inputs;
    private AlignedFloats _actorOut;
    private AlignedFloats _valueOut;

    // What the branch delegates read: set by Forward and Backward before they run.
    private float[] _weights = [];
    private float[] _gradients = [];

    /// <summary>Creates buffers for batches of up to <paramref name="capacity"/> rows (grown on demand).</summary>
    public MlpKernel(ParameterLayout layout, Activation activation, int capacity)
    {
        _layout = layout;
        _tanh = activation == Activation.Tanh;
        _observationSize = layout.PolicyTrunk.Count > 0 ? layout.PolicyTrunk[0].In : layout.ActorHead.In;
        _widest = layout.PolicyTrunk.Concat(layout.ValueTrunk).Append(layout.ActorHead).Append(layout.CriticHead).Max(s => Math.Max(s.In, s.Out));
        _policyActivations = new AlignedFloats[layout.PolicyTrunk.Count];
        _valueActivations = new AlignedFloats[layout.ValueTrunk.Count];
        _policyForward = PolicyForward;
        _valueForward = ValueForward;
        _policyBackward = PolicyBackward;
        _valueBackward = ValueBackward;
        Grow(Math.Max(1, capacity));
    }

    /// <summary>
    /// Actor outputs (batch x actions, row-major) and values (batch) of <paramref name="batch"/>
    /// observations (batch x observation size, row-major). Either output may be empty to skip it
    /// (then <see cref="Backward"/> cannot follow). With <paramref name="helper"/> and separate
    /// networks, the value network runs on the helper while the policy network runs here: the
    /// two share only the inputs, so the outputs are the same bits as on one thread.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Forward(float[] weights, ReadOnlySpan<float> observations, int batch, Span<float> actor, Span<float> values, HelperThread? helper = null)
    {
        if (batch > _capacity)
        {
            Grow(batch);
        }

        var p = _padded = Pad(batch);
        _batch = batch;
        _weights = weights;
        var inputs = _inputs.Span(_observationSize * p);
        inputs.Clear();
        for (var i = 0; i < batch; i++)
        {
            for (var k = 0; k < _observationSize; k++)
            {
                inputs[k * p + i] = observations[i * _observationSize + k];
            }
        }

        if (_layout.Separate && !actor.IsEmpty && !values.IsEmpty && helper is not null)
        {
            helper.Run(_valueForward, _policyForward);
        }
        else if (_layout.Separate)
        {
            // Values alone (bootstrapping) need only the critic's network.
            if (!actor.IsEmpty)
            {
                PolicyForward();
            }

            if (!values.IsEmpty)
            {
                ValueForward();
            }
        }
        else
        {
            // A shared trunk feeds both heads: one thread.
            PolicyForward();
            if (!values.IsEmpty)
            {
                var head = _layout.CriticHead;
                var features = Last(_layout.PolicyTrunk, _policyActivations, _inputs.Span(_observationSize * p), p);
                Combine(weights.AsSpan(head.Weight), head.In, 1, weights.AsSpan(head.Bias, 1), features, _valueOut.Span(p), 1, head.In, p);
            }
        }

        if (!actor.IsEmpty)
        {
            var outputs = _layout.ActorHead.Out;
            var output = _actorOut.Span(outputs * p);
            for (var i = 0; i < batch; i++)
            {
                for (var j = 0; j < outputs; j++)
                {
                    actor[i * outputs + j] = output[j * p + i];
                }
            }
        }

        if (!values.IsEmpty)
        {
            _valueOut.Span(batch).CopyTo(values);
        }
    }

    /// <summary>
    /// Adds to <paramref name="gradients"/> dLoss/dParameters given dLoss/dActor (batch x actions)
    /// and dLoss/dValues (batch) for the batch of the last <see cref="Forward"/>, which must have
    /// computed both heads. The log-std gradient does not pass through the network: the caller adds it.
    /// With <paramref name="helper"/> and separate networks, the value network's gradient is
    /// computed on the helper: the networks' parameters, and so their gradients, are disjoint.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Backward(float[] weights, int batch, ReadOnlySpan<float> gradActor, ReadOnlySpan<float> gradValues, float[] gradients, HelperThread? helper = null)
    {
        Debug.Assert(batch == _batch, "the batch of the last forward pass");
        var p = _padded;
        _weights = weights;
        _gradients = gradients;
        var outputs = _layout.ActorHead.Out;
        var gradOutput = _policyScratch.GradB.Span(outputs * p);
        gradOutput.Clear();
        for (var i = 0; i < batch; i++)
        {
            for (var j = 0; j < outputs; j++)
            {
                gradOutput[j * p + i] = gradActor[i * outputs + j];
            }
        }

        // The shared trunk's case keeps the value gradient in the value scratch while the actor head uses the policy's.
        var gradValue = _valueScratch.GradB.Span(p);
        gradValue.Clear();
        gradValues[..batch].CopyTo(gradValue);
        if (!_layout.Separate)
        {
            var inputs = _inputs.Span(_observationSize * p);
            var features = Last(_layout.PolicyTrunk, _policyActivations, inputs, p);
            var hasTrunk = _layout.PolicyTrunk.Count > 0;
            var gradFeatures = _policyScratch.GradA.Span(_layout.ActorHead.In * p);
            gradFeatures.Clear();
            DenseBackward(weights, _layout.ActorHead, features, gradOutput, batch, p, gradients, hasTrunk ? gradFeatures : default, _policyScratch);
            DenseBackward(weights, _layout.CriticHead, features, gradValue, batch, p, gradients, hasTrunk ? gradFeatures : default, _policyScratch);
            TrunkBackward(weights, _layout.PolicyTrunk, _policyActivations, inputs, batch, p, gradients, _policyScratch);
        }
        else if (helper is not null)
        {
            helper.Run(_valueBackward, _policyBackward);
        }
        else
        {
            PolicyBackward();
            ValueBackward();
        }
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
        _policyScratch.Grow(_widest * p);
        _valueScratch.Grow(_widest * p);
    }

    /// <summary>The policy's trunk and the actor head (with a shared trunk, the trunk both heads read).</summary>
    private void PolicyForward()
    {
        var p = _padded;
        var head = _layout.ActorHead;
        var features = Trunk(_weights, _layout.PolicyTrunk, _policyActivations, _inputs.Span(_observationSize * p), p);
        Combine(_weights.AsSpan(head.Weight), head.In, 1, _weights.AsSpan(head.Bias, head.Out), features, _actorOut.Span(head.Out * p), head.Out, head.In, p);
    }

    /// <summary>The separate value network: its trunk and the critic head.</summary>
    private void ValueForward()
    {
        var p = _padded;
        var head = _layout.CriticHead;
        var features = Trunk(_weights, _layout.ValueTrunk, _valueActivations, _inputs.Span(_observationSize * p), p);
        Combine(_weights.AsSpan(head.Weight), head.In, 1, _weights.AsSpan(head.Bias, 1), features, _valueOut.Span(p), 1, head.In, p);
    }

    /// <summary>The separate policy network's gradient, from dLoss/dActor in the policy scratch's GradB.</summary>
    private void PolicyBackward() =>
        BranchBackward(_layout.ActorHead, _layout.PolicyTrunk, _policyActivations, _policyScratch);

    /// <summary>The separate value network's gradient, from dLoss/dValues in the value scratch's GradB.</summary>
    private void ValueBackward() =>
        BranchBackward(_layout.CriticHead, _layout.ValueTrunk, _valueActivations, _valueScratch);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BranchBackward(DenseSlot head, IReadOnlyList<DenseSlot> trunk, AlignedFloats[] activations, Scratch scratch)
    {
        var p = _padded;
        var inputs = _inputs.Span(_observationSize * p);
        var gradFeatures = scratch.GradA.Span(head.In * p);
        gradFeatures.Clear();
        var gradOutput = scratch.GradB.Span(head.Out * p);
        DenseBackward(_weights, head, Last(trunk, activations, inputs, p), gradOutput, _batch, p, _gradients, trunk.Count > 0 ? gradFeatures : default, scratch);
        TrunkBackward(_weights, trunk, activations, inputs, _batch, p, _gradients, scratch);
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

    /// <summary>Backpropagates through a trunk, starting from dLoss/d(its last activation) in the scratch's GradA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TrunkBackward(ReadOnlySpan<float> weights, IReadOnlyList<DenseSlot> layers, AlignedFloats[] activations, ReadOnlySpan<float> inputs, int batch, int p, Span<float> gradients, Scratch scratch)
    {
        var gradOutput = scratch.GradA;
        var gradInput = scratch.GradB;
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
            DenseBackward(weights, slot, input, gradPre, batch, p, gradients, gradIn, scratch);
            (gradOutput, gradInput) = (gradInput, gradOutput);
        }
    }

    /// <summary>
    /// Accumulates dW += gradOutput inputᵀ and db += row sums over the real samples (padding
    /// columns of gradOutput are zero, so they add nothing to dW); when
    /// <paramref name="gradInput"/> is not empty, gradInput += Wᵀ gradOutput (all feature-major).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DenseBackward(ReadOnlySpan<float> weights, DenseSlot slot, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, int batch, int p, Span<float> gradients, Span<float> gradInput, Scratch scratch)
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
            var sampleMajor = scratch.SampleMajor.Span(batch * slot.In);
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
    /// One thread's working buffers for a backward pass: two gradients of activations, swapped
    /// layer by layer, and the sample-major copy of an input. Each network has its own, so the
    /// two can run at once.
    /// </summary>
    private sealed class Scratch
    {
        public AlignedFloats GradA { get; private set; }

        public AlignedFloats GradB { get; private set; }

        public AlignedFloats SampleMajor { get; private set; }

        public void Grow(int length)
        {
            GradA = new AlignedFloats(length);
            GradB = new AlignedFloats(length);
            SampleMajor = new AlignedFloats(length);
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
