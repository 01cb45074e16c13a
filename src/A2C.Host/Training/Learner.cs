using A2C.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace A2C.Host.Training;

/// <summary>What one update did.</summary>
/// <param name="PolicyLoss">Policy-gradient term.</param>
/// <param name="ValueLoss">Value term before vf_coef.</param>
/// <param name="Entropy">Mean policy entropy.</param>
/// <param name="TotalLoss">The loss that was minimized.</param>
/// <param name="ExplainedVariance">Of the returns by the values seen at collection time.</param>
/// <param name="GradNorm">Global gradient norm before clipping.</param>
/// <param name="LearningRate">Learning rate used.</param>
public sealed record UpdateStats(double PolicyLoss, double ValueLoss, double Entropy, double TotalLoss, double ExplainedVariance, double GradNorm, double LearningRate);

/// <summary>A loss or gradient was NaN or infinite: the update was refused and the model left as it was.</summary>
public sealed class NonFiniteUpdateException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="message">What was not finite.</param>
    public NonFiniteUpdateException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// One gradient step per rollout: re-evaluates the rollout's observations in one batched forward
/// pass, estimates advantages with the core's GAE, forms the core's A2C loss, clips the gradient by
/// global norm and steps RMSprop (or Adam). Runs on the caller's thread inside one dispose scope.
/// </summary>
public sealed class Learner : IDisposable
{
    private readonly A2COptions _options;
    private readonly TorchSharp.Modules.OptimizerHelper _optimizer;
    private readonly Device _device;

    /// <summary>Creates the optimizer for <paramref name="agent"/>'s model.</summary>
    /// <param name="agent">The agent whose model learns.</param>
    /// <param name="options">Validated options.</param>
    /// <param name="device">The model's device.</param>
    public Learner(Agent agent, A2COptions options, Device device)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(options);
        Agent = agent;
        _options = options;
        _device = device;
        var lr = options.LearningRate.ValueAt(1.0);
        _optimizer = options.UseRmsProp
            ? optim.RMSProp(agent.Model.parameters(), lr, alpha: 0.99, eps: options.RmsPropEps)
            : optim.Adam(agent.Model.parameters(), lr, eps: options.RmsPropEps);
    }

    /// <summary>The agent that acts and learns.</summary>
    public Agent Agent { get; }

    /// <summary>Advantages and returns of the last update (time-major), for inspection and tests.</summary>
    public Estimates? LastEstimates { get; private set; }

    /// <summary>Learns from one rollout.</summary>
    /// <param name="rollout">n_steps consecutive step batches.</param>
    /// <param name="progressRemaining">1 at the start of training, 0 at the end (for the learning-rate schedule).</param>
    /// <returns>What the update did.</returns>
    /// <exception cref="NonFiniteUpdateException">The loss or gradient was not finite; parameters are unchanged.</exception>
    public UpdateStats Update(IList<StepBatch> rollout, double progressRemaining)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        var steps = rollout.Count;
        var n = rollout[0].Rewards.Length;
        var obsSize = Agent.Model.Spec.ObservationSize;
        var total = steps * n;

        var rewards = new float[total];
        var values = new float[total];
        var terminated = new bool[total];
        var truncated = new bool[total];
        var finalValues = new float[total];
        var observations = new float[total * obsSize];
        for (var t = 0; t < steps; t++)
        {
            var b = rollout[t];
            b.Rewards.CopyTo(rewards, t * n);
            b.Values.CopyTo(values, t * n);
            b.Terminated.CopyTo(terminated, t * n);
            b.Truncated.CopyTo(truncated, t * n);
            b.FinalValues.CopyTo(finalValues, t * n);
            b.Observations.CopyTo(observations, t * n * obsSize);
        }

        var lastValues = new float[n];
        Agent.Values(rollout[^1].NextObservations, n, lastValues);
        var core = Rollout.Create(steps, n, rewards, values, terminated, truncated, finalValues, lastValues);
        var estimates = Gae.Estimate(_options.Gamma, _options.GaeLambda, core);
        LastEstimates = estimates;

        using var scope = NewDisposeScope();
        var obs = tensor(observations, [total, obsSize], device: _device);
        var (actor, currentValues) = Agent.Model.Evaluate(obs);
        Tensor logProbs, entropies;
        if (Agent.Model.Spec.Continuous)
        {
            var dims = Agent.Model.Spec.ActionCount;
            var actions = new float[total * dims];
            for (var t = 0; t < steps; t++)
            {
                rollout[t].ContinuousActions.CopyTo(actions, t * n * dims);
            }

            var a = tensor(actions, [total, dims], device: _device);
            logProbs = Distributions.GaussianLogProb(actor, Agent.Model.LogStd!, a);
            entropies = Distributions.GaussianEntropy(actor, Agent.Model.LogStd!);
        }
        else
        {
            var actions = new long[total];
            for (var t = 0; t < steps; t++)
            {
                for (var e = 0; e < n; e++)
                {
                    actions[t * n + e] = rollout[t].DiscreteActions[e];
                }
            }

            logProbs = Distributions.CategoricalLogProb(actor, tensor(actions, device: _device));
            entropies = Distributions.CategoricalEntropy(actor);
        }

        var loss = Losses.A2C(
            _options.ToLossOptions(),
            logProbs,
            entropies,
            currentValues,
            tensor(estimates.Advantages, device: _device),
            tensor(estimates.Returns, device: _device));
        if (!double.IsFinite(loss.Breakdown.Total))
        {
            throw new NonFiniteUpdateException($"the loss is {loss.Breakdown.Total} (policy {loss.Breakdown.Policy}, value {loss.Breakdown.Value}); the update was refused.");
        }

        _optimizer.zero_grad();
        loss.Total.backward();
        var gradNorm = nn.utils.clip_grad_norm_(Agent.Model.parameters(), _options.MaxGradNorm);
        if (!double.IsFinite(gradNorm))
        {
            _optimizer.zero_grad();
            throw new NonFiniteUpdateException($"the gradient norm is {gradNorm}; the update was refused.");
        }

        var lr = _options.LearningRate.ValueAt(Math.Clamp(progressRemaining, 0, 1));
        foreach (var group in _optimizer.ParamGroups)
        {
            group.LearningRate = lr;
        }

        _optimizer.step();
        return new UpdateStats(
            loss.Breakdown.Policy,
            loss.Breakdown.Value,
            loss.Breakdown.Entropy,
            loss.Breakdown.Total,
            Normalization.ExplainedVariance(values, estimates.Returns),
            gradNorm,
            lr);
    }

    /// <summary>Writes the optimizer's state (e.g. RMSprop's running averages).</summary>
    /// <param name="writer">Destination.</param>
    public void SaveOptimizer(BinaryWriter writer) => _optimizer.save_state_dict(writer);

    /// <summary>Reads the optimizer's state written by <see cref="SaveOptimizer"/>.</summary>
    /// <param name="reader">Source.</param>
    public void LoadOptimizer(BinaryReader reader) => _optimizer.load_state_dict(reader);

    /// <summary>Releases the optimizer.</summary>
    public void Dispose() => _optimizer.Dispose();
}
