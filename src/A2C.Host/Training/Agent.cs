using static TorchSharp.torch;

namespace A2C.Host.Training;

/// <summary>
/// Acts with an <see cref="ActorCritic"/> for a batch of observations: samples actions with its own
/// seeded generator (never the global one) and reports the values it saw, without autograd.
/// </summary>
public sealed class Agent : IPolicy, IDisposable
{
    private readonly Generator _generator;
    private readonly Device _device;

    /// <summary>Wraps <paramref name="model"/>; sampling uses a generator seeded with <paramref name="seed"/>.</summary>
    /// <param name="model">The network.</param>
    /// <param name="seed">Seed of the sampling generator.</param>
    /// <param name="device">Where the model lives.</param>
    public Agent(ActorCritic model, long seed, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        _device = device;
        _generator = new Generator((ulong)seed, device);
    }

    /// <summary>The network.</summary>
    public ActorCritic Model { get; }

    /// <summary>Whether <see cref="IPolicy.Act"/> takes the most likely action instead of sampling.</summary>
    public bool Deterministic { get; set; }

    /// <inheritdoc />
    void IPolicy.Act(float[] observations, int count, int[] discreteActions, float[] continuousActions, float[] values) =>
        Act(observations, count, Deterministic, discreteActions, continuousActions, values);

    /// <summary>Chooses actions for <paramref name="count"/> observations and returns the values V(s).</summary>
    /// <param name="observations">count x ObservationSize floats, env-major.</param>
    /// <param name="count">Number of observations.</param>
    /// <param name="deterministic">Take the most likely action (argmax, or the Gaussian mean) instead of sampling.</param>
    /// <param name="discreteActions">Receives discrete actions (length count), when the policy is discrete.</param>
    /// <param name="continuousActions">Receives continuous actions (count x dims), when the policy is continuous: unclipped samples.</param>
    /// <param name="values">Receives V(s) (length count).</param>
    public void Act(float[] observations, int count, bool deterministic, int[] discreteActions, float[] continuousActions, float[] values)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var obs = tensor(observations, [count, Model.Spec.ObservationSize], device: _device);
        var (actor, v) = Model.Evaluate(obs);
        v.cpu().data<float>().CopyTo(values);
        if (Model.Spec.Continuous)
        {
            var sample = deterministic
                ? actor
                : actor + Model.LogStd!.exp() * randn(actor.shape, generator: _generator, device: _device);
            sample.cpu().data<float>().CopyTo(continuousActions);
        }
        else
        {
            var chosen = deterministic
                ? actor.argmax(-1)
                : multinomial(actor.softmax(-1), 1, false, _generator).squeeze(-1);
            var longs = chosen.cpu().data<long>();
            for (var i = 0; i < count; i++)
            {
                discreteActions[i] = (int)longs[i];
            }
        }
    }

    /// <summary>V(s) for <paramref name="count"/> observations, without autograd.</summary>
    /// <param name="observations">count x ObservationSize floats.</param>
    /// <param name="count">Number of observations.</param>
    /// <param name="values">Receives the values.</param>
    public void Values(ReadOnlySpan<float> observations, int count, Span<float> values)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var obs = tensor(observations.ToArray(), [count, Model.Spec.ObservationSize], device: _device);
        var v = Model.Value(obs).cpu().data<float>();
        for (var i = 0; i < count; i++)
        {
            values[i] = v[i];
        }
    }

    /// <summary>The sampling generator's state.</summary>
    /// <returns>Its bytes.</returns>
    public byte[] SaveGenerator()
    {
        using var state = _generator.get_state();
        return state.data<byte>().ToArray();
    }

    /// <summary>Restores the sampling generator's state.</summary>
    /// <param name="state">Bytes from <see cref="SaveGenerator"/>.</param>
    public void LoadGenerator(byte[] state)
    {
        using var tensor = TorchSharp.torch.tensor(state, TorchSharp.torch.ScalarType.Byte);
        _generator.set_state(tensor);
    }

    /// <summary>Releases the generator.</summary>
    public void Dispose() => _generator.Dispose();
}
