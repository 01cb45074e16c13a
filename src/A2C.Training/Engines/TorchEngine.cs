using A2C.Core;
using static TorchSharp.torch;

namespace A2C.Training;

/// <summary>
/// The TorchSharp engine: the <see cref="ActorCritic"/> module's forward pass, the core's
/// <see cref="Losses.A2C"/> and autograd into the flat gradient vector. The plain path, and the one
/// for CUDA.
/// </summary>
internal sealed class TorchEngine : IEngine
{
    private readonly ActorCritic _model;
    private readonly Device _device;
    private float[] _actor = [];
    private float[] _values = [];
    private long[] _longActions = [];

    public TorchEngine(ActorCritic model, Device device)
    {
        _model = model;
        _device = device;
    }

    public Engine Kind => Engine.Torch;

    public void Forward(ReadOnlySpan<float> observations, int count, Span<float> actor, Span<float> values)
    {
        if (_values.Length < count)
        {
            _values = new float[count];
        }

        if (_actor.Length < actor.Length)
        {
            _actor = new float[actor.Length];
        }

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var obs = tensor(observations.ToArray(), [count, _model.Spec.ObservationSize], device: _device);
        var (actorOut, valueOut) = _model.Evaluate(obs);
        if (!actor.IsEmpty)
        {
            from_array(_actor).narrow(0, 0, actor.Length).view(actorOut.shape).copy_(actorOut);
            _actor.AsSpan(0, actor.Length).CopyTo(actor);
        }

        from_array(_values).narrow(0, 0, count).copy_(valueOut);
        _values.AsSpan(0, count).CopyTo(values);
    }

    public LossBreakdown Gradient(RolloutBuffer rollout, LossOptions options, float[] advantages, float[] returns)
    {
        var spec = _model.Spec;
        var total = rollout.Steps * rollout.Envs;
        using var scope = NewDisposeScope();
        var obs = tensor(rollout.Observations, [total, spec.ObservationSize], device: _device);
        var (actor, currentValues) = _model.Evaluate(obs);
        Tensor logProbs, entropies;
        switch (spec.Distribution)
        {
            case ActionDistribution.Gaussian:
                var a = tensor(rollout.ContinuousActions, [total, spec.ActionCount], device: _device);
                logProbs = Distributions.GaussianLogProb(actor, _model.LogStd!, a);
                entropies = Distributions.GaussianEntropy(actor, _model.LogStd!);
                break;
            case ActionDistribution.Bernoulli:
                var bits = tensor(rollout.DiscreteActions, [total, spec.ActionCount], device: _device).to(ScalarType.Float32);
                logProbs = Distributions.BernoulliLogProb(actor, bits);
                entropies = Distributions.BernoulliEntropy(actor);
                break;
            default:
                var actions = LongActions(rollout.DiscreteActions, total * spec.ActionSize);
                if (spec.ActionNvec is { } nvec)
                {
                    var choices = tensor(actions, [total, nvec.Count], device: _device);
                    logProbs = Distributions.MultiCategoricalLogProb(actor, nvec.ToArray(), choices);
                    entropies = Distributions.MultiCategoricalEntropy(actor, nvec.ToArray());
                }
                else
                {
                    logProbs = Distributions.CategoricalLogProb(actor, tensor(actions, device: _device));
                    entropies = Distributions.CategoricalEntropy(actor);
                }

                break;
        }

        var loss = Losses.A2C(options, logProbs, entropies, currentValues, tensor(advantages, device: _device), tensor(returns, device: _device));
        NonFiniteUpdateException.ThrowIfNotFinite(loss.Breakdown);

        // What the optimizer's zero_grad does: every module parameter's gradient is a view of this vector.
        _model.Flat.Gradients.zero_();
        loss.Total.backward();
        return loss.Breakdown;
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
