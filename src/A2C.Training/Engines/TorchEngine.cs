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
    private float[] _actor = [];
    private float[] _values = [];
    private float[] _latent = [];
    private long[] _longActions = [];

    public TorchEngine(ActorCritic model, Device device)
    {
        _model = model;
        _device = device;
    }

    public Engine Kind => Engine.Torch;

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

    public LossBreakdown Gradient(RolloutBuffer rollout, LossOptions options, float[] advantages, float[] returns)
    {
        var spec = _model.Spec;
        var total = rollout.Steps * rollout.Envs;
        using var scope = NewDisposeScope();
        var obs = tensor(rollout.Observations, [total, spec.ObservationSize], device: _device);
        var (actor, currentValues, latent) = _model.EvaluateWithLatent(obs);
        Tensor logProbs, entropies;
        if (spec.UseSde)
        {
            // Stable-Baselines3's actor-critic policies do not learn features through the std (learn_features false).
            var a = tensor(rollout.ContinuousActions, [total, spec.ActionCount], device: _device);
            logProbs = Distributions.SdeLogProb(actor, _model.LogStd!, latent, false, a);
            entropies = Distributions.SdeEntropy(actor, _model.LogStd!, latent, false);
        }
        else if (spec.Continuous)
        {
            var a = tensor(rollout.ContinuousActions, [total, spec.ActionCount], device: _device);
            logProbs = Distributions.GaussianLogProb(actor, _model.LogStd!, a);
            entropies = Distributions.GaussianEntropy(actor, _model.LogStd!);
        }
        else
        {
            if (_longActions.Length != total)
            {
                _longActions = new long[total];
            }

            for (var i = 0; i < total; i++)
            {
                _longActions[i] = rollout.DiscreteActions[i];
            }

            logProbs = Distributions.CategoricalLogProb(actor, tensor(_longActions, device: _device));
            entropies = Distributions.CategoricalEntropy(actor);
        }

        var loss = Losses.A2C(options, logProbs, entropies, currentValues, tensor(advantages, device: _device), tensor(returns, device: _device));
        NonFiniteUpdateException.ThrowIfNotFinite(loss.Breakdown);

        // What the optimizer's zero_grad does: every module parameter's gradient is a view of this vector.
        _model.Flat.Gradients.zero_();
        loss.Total.backward();
        return loss.Breakdown;
    }
}
