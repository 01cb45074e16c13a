using A2C.Core;
using static TorchSharp.torch;

namespace A2C.Training;

/// <summary>
/// The TorchSharp engine: the <see cref="ActorCritic"/> module's forward pass, the core's
/// <see cref="Losses.A2C"/> and autograd into the flat gradient vector. The plain path, and the one
/// for CUDA, and the one engine with gSDE (<see cref="ForwardWithLatent"/>, and its log-probabilities
/// and entropies in <see cref="Gradient"/>).
/// </summary>
internal sealed class TorchEngine : IEngine
{
    private readonly ActorCritic _model;
    private readonly Device _device;
    private readonly int[] _nvec;
    private float[] _actor = [];
    private float[] _values = [];
    private float[] _latent = [];
    private long[] _longActions = [];

    public TorchEngine(ActorCritic model, Device device)
    {
        _model = model;
        _device = device;
        _nvec = model.Spec.ActionNvec?.ToArray() ?? [];
    }

    public Engine Kind => Engine.Torch;

    /// <summary>Nothing to stop: libtorch's own threads are process-wide.</summary>
    public void Dispose()
    {
    }

    public void Forward(ReadOnlySpan<float> observations, int count, Span<float> actor, Span<float> values) =>
        ForwardWithLatent(observations, count, actor, values, default);

    /// <summary>As <see cref="Forward"/>, and the policy's last hidden features (gSDE's latent, count x LatentSize) into <paramref name="latent"/> unless it is empty.</summary>
    public void ForwardWithLatent(ReadOnlySpan<float> observations, int count, Span<float> actor, Span<float> values, Span<float> latent)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var obs = tensor(observations.ToArray(), [count, _model.Spec.ObservationSize], device: _device);
        var (actorOut, valueOut, latentOut) = _model.EvaluateWithLatent(obs);
        if (!actor.IsEmpty)
        {
            CopyOut(actorOut, ref _actor, actor);
        }

        if (!latent.IsEmpty)
        {
            CopyOut(latentOut, ref _latent, latent);
        }

        CopyOut(valueOut, ref _values, values.Slice(0, count));
    }

    /// <summary>Copies <paramref name="source"/> into <paramref name="into"/> through the reused host array <paramref name="staging"/>.</summary>
    private static void CopyOut(Tensor source, ref float[] staging, Span<float> into)
    {
        if (staging.Length < into.Length)
        {
            staging = new float[into.Length];
        }

        from_array(staging).narrow(0, 0, into.Length).view(source.shape).copy_(source);
        staging.AsSpan(0, into.Length).CopyTo(into);
    }

    public LossBreakdown Gradient(RolloutBuffer rollout, LossOptions options, float[] advantages, float[] returns, Envs.ActionMaskFunction? mask = null)
    {
        var spec = _model.Spec;
        var total = rollout.Steps * rollout.Envs;
        using var scope = NewDisposeScope();
        var obs = tensor(rollout.Observations, [total, spec.ObservationSize], device: _device);
        var (actor, currentValues, latent) = _model.EvaluateWithLatent(obs);
        if (mask is not null)
        {
            var allowed = new bool[total * spec.ActionCount];
            Agent.AllowedActions(mask, rollout.Observations, total, spec.ObservationSize, allowed);
            actor = where(tensor(allowed, [total, spec.ActionCount], device: _device), actor, Agent.MaskedLogit);
        }

        var (logProbs, entropies) = LogProbsAndEntropies(rollout, actor, latent, total);
        var loss = Losses.A2C(options, logProbs, entropies, currentValues, tensor(advantages, device: _device), tensor(returns, device: _device));
        NonFiniteUpdateException.ThrowIfNotFinite(loss.Breakdown);

        // What the optimizer's zero_grad does: every module parameter's gradient is a view of this vector.
        _model.Flat.Gradients.zero_();
        loss.Total.backward();
        return loss.Breakdown;
    }

    /// <summary>log pi(a | s) of the rollout's actions and the policy's entropies, by the spec's distribution.</summary>
    private (Tensor LogProbs, Tensor Entropies) LogProbsAndEntropies(RolloutBuffer rollout, Tensor actor, Tensor latent, int total)
    {
        var spec = _model.Spec;
        switch (spec.Distribution)
        {
            case ActionDistribution.Gaussian when spec.UseSde:
                // Stable-Baselines3's actor-critic policies do not learn features through the std (learn_features false).
                var sdeActions = tensor(rollout.ContinuousActions, [total, spec.ActionCount], device: _device);
                return (Distributions.SdeLogProb(actor, _model.LogStd!, latent, false, sdeActions), Distributions.SdeEntropy(actor, _model.LogStd!, latent, false));
            case ActionDistribution.Gaussian:
                var a = tensor(rollout.ContinuousActions, [total, spec.ActionCount], device: _device);
                return (Distributions.GaussianLogProb(actor, _model.LogStd!, a), Distributions.GaussianEntropy(actor, _model.LogStd!));
            case ActionDistribution.Bernoulli:
                var bits = tensor(rollout.DiscreteActions, [total, spec.ActionCount], device: _device).to(ScalarType.Float32);
                return (Distributions.BernoulliLogProb(actor, bits), Distributions.BernoulliEntropy(actor));
            case ActionDistribution.MultiCategorical:
                var choices = tensor(LongActions(rollout.DiscreteActions, total * _nvec.Length), [total, _nvec.Length], device: _device);
                return (Distributions.MultiCategoricalLogProb(actor, _nvec, choices), Distributions.MultiCategoricalEntropy(actor, _nvec));
            default:
                var actions = tensor(LongActions(rollout.DiscreteActions, total), device: _device);
                return (Distributions.CategoricalLogProb(actor, actions), Distributions.CategoricalEntropy(actor));
        }
    }

    private long[] LongActions(int[] actions, int count)
    {
        if (_longActions.Length != count)
        {
            _longActions = new long[count];
        }

        for (var i = 0; i < count; i++)
        {
            _longActions[i] = actions[i];
        }

        return _longActions;
    }
}
