using A2C.Core;

namespace A2C.Training;

/// <summary>
/// The .NET engine: <see cref="MlpKernel"/> forward and backward passes over the model's flat
/// parameters in .NET memory, with the core's closed-form <see cref="LossGradients"/> in between,
/// written straight into the gradient vector. CPU only.
/// </summary>
internal sealed class DotNetEngine : IEngine
{
    // Acting and learning keep their own activations, so a forward pass for actions never
    // overwrites what a backward pass needs, and each stays sized for its own batches.
    private const int ActingCapacity = 16;
    private readonly ActorCritic _model;
    private readonly float[] _weights;
    private readonly float[] _gradients;
    private readonly MlpKernel _acting;
    private MlpKernel? _learning;
    private int _total = -1;
    private float[] _actor = [];
    private float[] _values = [];
    private float[] _gradActor = [];
    private float[] _gradValues = [];
    private float[] _logStd = [];
    private float[] _gradLogStd = [];
    private readonly int[] _nvec;
    private float[] _actingFeatures = [];
    private float[] _learningFeatures = [];
    private bool[] _valid = [];
    private readonly HelperThread? _helper;

    /// <summary>The engine for <paramref name="model"/>, on <paramref name="threads"/> threads (1 or 2).</summary>
    public DotNetEngine(ActorCritic model, int threads = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threads, 2);
        _model = model;
        _weights = model.Flat.Host ?? throw new ArgumentException("the .NET engine needs the parameters in .NET memory (on the CPU).", nameof(model));
        if (model.Spec.UseSde)
        {
            throw new ArgumentException(EngineChoice.NoSdeMessage, nameof(model));
        }

        _gradients = model.Flat.HostGradients!;
        _acting = new MlpKernel(model.Flat.Layout, model.Spec.Activation, ActingCapacity);
        _nvec = model.Spec.ActionNvec?.ToArray() ?? [];

        // Only separate policy and value networks split (a shared trunk feeds both heads).
        _helper = threads == 2 && model.Flat.Layout.Separate ? new HelperThread() : null;
    }

    public Engine Kind => Engine.DotNet;

    /// <summary>Threads this engine computes on.</summary>
    public int Threads => _helper is null ? 1 : 2;

    public void Forward(ReadOnlySpan<float> observations, int count, Span<float> actor, Span<float> values) =>
        _acting.Forward(_weights, Features(observations, count, ref _actingFeatures), count, actor, values, _helper);

    public void Dispose() => _helper?.Dispose();

    public LossBreakdown Gradient(RolloutBuffer rollout, LossOptions options, float[] advantages, float[] returns, Envs.ActionMaskFunction? mask = null)
    {
        var spec = _model.Spec;
        var layout = _model.Flat.Layout;
        var total = rollout.Steps * rollout.Envs;
        EnsureBuffers(total);
        _learning ??= new MlpKernel(layout, spec.Activation, total);
        _learning.Forward(_weights, Features(rollout.Observations, total, ref _learningFeatures), total, _actor, _values, _helper);
        if (mask is not null)
        {
            // A masked logit is a constant: its gradient (probability 0 minus not taken) is 0, so backward needs no change.
            Agent.MaskLogits(mask, rollout.Observations, total, spec.ObservationSize, _actor, ref _valid);
        }

        LossBreakdown loss;
        switch (spec.Distribution)
        {
            case ActionDistribution.Gaussian:
                _weights.AsSpan(layout.LogStd, _logStd.Length).CopyTo(_logStd);
                loss = LossGradients.Gaussian(options, _actor, _logStd, rollout.ContinuousActions, _values, advantages, returns, _gradActor, _gradLogStd, _gradValues);
                break;
            case ActionDistribution.MultiCategorical:
                loss = LossGradients.MultiCategorical(options, _actor, _nvec, rollout.DiscreteActions, _values, advantages, returns, _gradActor, _gradValues);
                break;
            case ActionDistribution.Bernoulli:
                loss = LossGradients.Bernoulli(options, _actor, rollout.DiscreteActions, _values, advantages, returns, _gradActor, _gradValues);
                break;
            default:
                loss = LossGradients.Categorical(options, _actor, spec.ActionCount, rollout.DiscreteActions, _values, advantages, returns, _gradActor, _gradValues);
                break;
        }

        NonFiniteUpdateException.ThrowIfNotFinite(loss);
        Array.Clear(_gradients);
        _learning.Backward(_weights, total, _gradActor, _gradValues, _gradients, _helper);
        if (spec.Continuous)
        {
            // The log std does not pass through the network.
            _gradLogStd.CopyTo(_gradients.AsSpan(layout.LogStd));
        }

        return loss;
    }

    /// <summary>The observations as the first layer reads them: themselves, or their encoding (one-hot, scaled) in <paramref name="buffer"/>.</summary>
    private ReadOnlySpan<float> Features(ReadOnlySpan<float> observations, int count, ref float[] buffer)
    {
        if (_model.Spec.Encoding is not { } encoding)
        {
            return observations;
        }

        var size = count * encoding.FeatureSize;
        if (buffer.Length < size)
        {
            buffer = new float[size];
        }

        encoding.Encode(observations, count, buffer);
        return buffer.AsSpan(0, size);
    }

    private void EnsureBuffers(int total)
    {
        if (total == _total)
        {
            return;
        }

        // The core's loss gradients take arrays of exactly one rollout's length.
        var spec = _model.Spec;
        _total = total;
        _actor = new float[total * spec.ActionCount];
        _values = new float[total];
        _gradActor = new float[total * spec.ActionCount];
        _gradValues = new float[total];
        _logStd = spec.Continuous ? new float[spec.ActionCount] : [];
        _gradLogStd = spec.Continuous ? new float[spec.ActionCount] : [];
    }
}
