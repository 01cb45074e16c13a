using A2C.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace A2C.Training;

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
/// pass, estimates advantages with the core's GAE, forms the A2C loss and its gradient, clips the
/// gradient by global norm and steps TorchSharp's RMSprop (or Adam) on the model's flat parameter
/// vector. The forward and backward passes are the agent's <see cref="Engine"/>'s: TorchSharp
/// autograd through <see cref="Losses.A2C"/>, or the .NET kernel with the core's closed-form
/// <see cref="LossGradients"/>. Runs on the caller's thread; buffers are reused between updates.
/// </summary>
public sealed class Learner : IDisposable
{
    private readonly A2COptions _options;
    private readonly LossOptions _lossOptions;
    private readonly TorchSharp.Modules.OptimizerHelper _optimizer;
    private readonly Device _device;
    private readonly MlpKernel? _kernel;
    private int _steps = -1;
    private int _envs = -1;
    private RolloutBuffer? _copy;
    private float[] _lastValues = [];
    private long[] _longActions = [];
    private float[] _advantages = [];
    private float[] _returns = [];
    private float[] _actor = [];
    private float[] _currentValues = [];
    private float[] _gradActor = [];
    private float[] _gradValues = [];
    private float[] _logStd = [];
    private float[] _gradLogStd = [];

    /// <summary>Creates the optimizer for <paramref name="agent"/>'s model.</summary>
    /// <param name="agent">The agent whose model learns; its engine computes the gradients.</param>
    /// <param name="options">Validated options.</param>
    /// <param name="device">The model's device.</param>
    public Learner(Agent agent, A2COptions options, Device device)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(options);
        Agent = agent;
        _options = options;
        _lossOptions = options.ToLossOptions();
        _device = device;
        var lr = options.LearningRate.ValueAt(1.0);
        Parameter[] flat = [agent.Model.Flat.All];
        _optimizer = options.UseRmsProp
            ? optim.RMSProp(flat, lr, alpha: 0.99, eps: options.RmsPropEps)
            : optim.Adam(flat, lr, eps: options.RmsPropEps);
        _kernel = agent.Engine == Engine.DotNet ? new MlpKernel(agent.Model.Flat.Layout, agent.Model.Spec.Activation, options.NEnvs * options.NSteps) : null;
    }

    /// <summary>The agent that acts and learns.</summary>
    public Agent Agent { get; }

    /// <summary>Advantages and returns of the last update (time-major), for inspection and tests; overwritten by the next update.</summary>
    public Estimates? LastEstimates { get; private set; }

    /// <summary>Learns from one rollout of step batches (copied into a reused buffer first).</summary>
    /// <param name="rollout">n_steps consecutive step batches.</param>
    /// <param name="progressRemaining">1 at the start of training, 0 at the end (for the learning-rate schedule).</param>
    /// <returns>What the update did.</returns>
    /// <exception cref="NonFiniteUpdateException">The loss or gradient was not finite; parameters are unchanged.</exception>
    public UpdateStats Update(IList<StepBatch> rollout, double progressRemaining)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        var n = rollout[0].Rewards.Length;
        var spec = Agent.Model.Spec;
        if (_copy is null || _copy.Steps != rollout.Count || _copy.Envs != n)
        {
            _copy = new RolloutBuffer(rollout.Count, n, spec.ObservationSize, spec.Continuous ? spec.ActionCount : 1, !spec.Continuous);
        }

        _copy.CopyFrom(rollout);
        return Update(_copy, progressRemaining);
    }

    /// <summary>Learns from one rollout.</summary>
    /// <param name="rollout">n_steps consecutive vector steps, time-major.</param>
    /// <param name="progressRemaining">1 at the start of training, 0 at the end (for the learning-rate schedule).</param>
    /// <returns>What the update did.</returns>
    /// <exception cref="NonFiniteUpdateException">The loss or gradient was not finite; parameters are unchanged.</exception>
    public UpdateStats Update(RolloutBuffer rollout, double progressRemaining)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        var steps = rollout.Steps;
        var n = rollout.Envs;
        var total = steps * n;
        EnsureBuffers(steps, n);
        Agent.Values(rollout.NextObservations, n, _lastValues);
        var core = Rollout.Create(steps, n, rollout.Rewards, rollout.Values, rollout.Terminated, rollout.Truncated, rollout.FinalValues, _lastValues);
        Gae.EstimateInto(_options.Gamma, _options.GaeLambda, core, _advantages, _returns);

        var breakdown = _kernel is null ? TorchGradient(rollout, total) : KernelGradient(rollout, total);
        var gradNorm = nn.utils.clip_grad_norm_([Agent.Model.Flat.All], _options.MaxGradNorm);
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
            breakdown.Policy,
            breakdown.Value,
            breakdown.Entropy,
            breakdown.Total,
            Normalization.ExplainedVariance(rollout.Values, _returns),
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

    private static void RequireFinite(LossBreakdown loss)
    {
        // The .NET engine sums in double: a loss beyond float32's range is as broken as an infinite one.
        if (!double.IsFinite(loss.Total) || Math.Abs(loss.Total) > float.MaxValue)
        {
            throw new NonFiniteUpdateException($"the loss is {loss.Total} (policy {loss.Policy}, value {loss.Value}); the update was refused.");
        }
    }

    /// <summary>The .NET engine: kernel forward, closed-form loss gradient, kernel backward, straight into the gradient vector.</summary>
    private LossBreakdown KernelGradient(RolloutBuffer rollout, int total)
    {
        var flat = Agent.Model.Flat;
        var weights = flat.Host!;
        var gradients = flat.HostGradients!;
        _kernel!.Forward(weights, rollout.Observations, total, _actor, _currentValues);
        LossBreakdown loss;
        if (Agent.Model.Spec.Continuous)
        {
            weights.AsSpan(flat.Layout.LogStd, _logStd.Length).CopyTo(_logStd);
            loss = LossGradients.Gaussian(_lossOptions, _actor, _logStd, rollout.ContinuousActions, _currentValues, _advantages, _returns, _gradActor, _gradLogStd, _gradValues);
        }
        else
        {
            loss = LossGradients.Categorical(_lossOptions, _actor, Agent.Model.Spec.ActionCount, rollout.DiscreteActions, _currentValues, _advantages, _returns, _gradActor, _gradValues);
        }

        RequireFinite(loss);
        Array.Clear(gradients);
        _kernel.Backward(weights, total, _gradActor, _gradValues, gradients);
        if (Agent.Model.Spec.Continuous)
        {
            _gradLogStd.CopyTo(gradients.AsSpan(flat.Layout.LogStd));
        }

        return loss;
    }

    /// <summary>The TorchSharp engine: module forward, the core's loss, autograd into the gradient vector.</summary>
    private LossBreakdown TorchGradient(RolloutBuffer rollout, int total)
    {
        var spec = Agent.Model.Spec;
        using var scope = NewDisposeScope();
        var obs = tensor(rollout.Observations, [total, spec.ObservationSize], device: _device);
        var (actor, currentValues) = Agent.Model.Evaluate(obs);
        Tensor logProbs, entropies;
        if (spec.Continuous)
        {
            var a = tensor(rollout.ContinuousActions, [total, spec.ActionCount], device: _device);
            logProbs = Distributions.GaussianLogProb(actor, Agent.Model.LogStd!, a);
            entropies = Distributions.GaussianEntropy(actor, Agent.Model.LogStd!);
        }
        else
        {
            for (var i = 0; i < total; i++)
            {
                _longActions[i] = rollout.DiscreteActions[i];
            }

            logProbs = Distributions.CategoricalLogProb(actor, tensor(_longActions, device: _device));
            entropies = Distributions.CategoricalEntropy(actor);
        }

        var loss = Losses.A2C(_lossOptions, logProbs, entropies, currentValues, tensor(_advantages, device: _device), tensor(_returns, device: _device));
        RequireFinite(loss.Breakdown);
        _optimizer.zero_grad();
        loss.Total.backward();
        return loss.Breakdown;
    }

    private void EnsureBuffers(int steps, int n)
    {
        if (steps == _steps && n == _envs)
        {
            return;
        }

        var spec = Agent.Model.Spec;
        var total = steps * n;
        (_steps, _envs) = (steps, n);
        _lastValues = new float[n];
        _longActions = spec.Continuous ? [] : new long[total];
        _advantages = new float[total];
        _returns = new float[total];
        _actor = new float[total * spec.ActionCount];
        _currentValues = new float[total];
        _gradActor = new float[total * spec.ActionCount];
        _gradValues = new float[total];
        _logStd = spec.Continuous ? new float[spec.ActionCount] : [];
        _gradLogStd = spec.Continuous ? new float[spec.ActionCount] : [];
        LastEstimates = new Estimates(_advantages, _returns);
    }
}
