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

/// <summary>
/// One gradient step per rollout: re-evaluates the rollout's observations in one batched forward
/// pass, estimates advantages with the core's GAE, forms the A2C loss and its gradient, clips the
/// gradient by global norm and steps TorchSharp's RMSprop (or Adam) on the model's flat parameter
/// vector. The forward and backward passes are the agent's engine's: TorchSharp autograd through
/// <see cref="Losses.A2C"/>, or the .NET kernel with the core's closed-form
/// <see cref="LossGradients"/>. Runs on the caller's thread; buffers are reused between updates.
/// </summary>
public sealed class Learner : IDisposable
{
    private readonly A2COptions _options;
    private readonly LossOptions _lossOptions;
    private readonly TorchSharp.Modules.OptimizerHelper? _optimizer;
    private readonly TfLikeRmsProp? _tfLike;
    private readonly FlatRmsProp? _rmsProp;
    private int _steps = -1;
    private int _envs = -1;
    private float[] _lastValues = [];
    private float[] _advantages = [];
    private float[] _returns = [];

    /// <summary>Creates the optimizer for <paramref name="agent"/>'s model.</summary>
    /// <param name="agent">The agent whose model learns; its engine computes the gradients.</param>
    /// <param name="options">Validated options.</param>
    /// <param name="device">The model's device: the agent's.</param>
    /// <exception cref="ArgumentException"><paramref name="device"/> is not the agent's.</exception>
    public Learner(Agent agent, A2COptions options, Device device)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(device);
        if (device.type != agent.Device.type || (device.index >= 0 && agent.Device.index >= 0 && device.index != agent.Device.index))
        {
            throw new ArgumentException($"the learner's device ({device}) must be its agent's ({agent.Device}).", nameof(device));
        }

        Agent = agent;
        _options = options;
        _lossOptions = options.ToLossOptions();
        var lr = options.LearningRate.ValueAt(1.0);
        Parameter[] flat = [agent.Model.Flat.All];
        if (options.UseRmsProp && options.RmsPropTfLike)
        {
            _tfLike = new TfLikeRmsProp(agent.Model.Flat, options.RmsPropEps);
            return;
        }

        if (options.UseRmsProp)
        {
            var rmsProp = optim.RMSProp(flat, lr, alpha: 0.99, eps: options.RmsPropEps);
            _optimizer = rmsProp;
            _rmsProp = new FlatRmsProp(rmsProp, agent.Model.Flat, 0.99, options.RmsPropEps);
            return;
        }

        _optimizer = optim.Adam(flat, lr, eps: options.RmsPropEps);
    }

    /// <summary>The agent that acts and learns.</summary>
    public Agent Agent { get; }

    /// <summary>Advantages and returns of the last update (time-major), for inspection and tests; overwritten by the next update.</summary>
    public Estimates? LastEstimates { get; private set; }

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
        EnsureBuffers(steps, n);
        Agent.Values(rollout.NextObservations, n, _lastValues);
        var core = Rollout.Create(steps, n, rollout.Rewards, rollout.Values, rollout.Terminated, rollout.Truncated, rollout.FinalValues, _lastValues);
        Gae.EstimateInto(_options.Gamma, _options.GaeLambda, core, _advantages, _returns);

        var breakdown = Agent.Compute.Gradient(rollout, _lossOptions, _advantages, _returns, Agent.ActionMask);
        var flat = Agent.Model.Flat;
        var gradNorm = flat.HostGradients is { } host
            ? GradientClipping.ClipByGlobalNorm(host, _options.MaxGradNorm)
            : nn.utils.clip_grad_norm_([flat.All], _options.MaxGradNorm);
        if (!double.IsFinite(gradNorm))
        {
            flat.Gradients.zero_();
            throw new NonFiniteUpdateException($"the gradient norm is {gradNorm}; the update was refused.");
        }

        var lr = _options.LearningRate.ValueAt(Math.Clamp(progressRemaining, 0, 1));
        if (_tfLike is not null)
        {
            _tfLike.Step(lr);
        }
        else
        {
            // The group keeps the rate a checkpoint writes, whichever step runs.
            foreach (var group in _optimizer!.ParamGroups)
            {
                group.LearningRate = lr;
            }

            if (_rmsProp is not null)
            {
                _rmsProp.Step(lr);
            }
            else
            {
                _optimizer.step();
            }
        }

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
    public void SaveOptimizer(BinaryWriter writer)
    {
        if (_tfLike is not null)
        {
            _tfLike.Save(writer);
            return;
        }

        _optimizer!.save_state_dict(writer);
    }

    /// <summary>Reads the optimizer's state written by <see cref="SaveOptimizer"/>.</summary>
    /// <param name="reader">Source.</param>
    public void LoadOptimizer(BinaryReader reader)
    {
        if (_tfLike is not null)
        {
            _tfLike.Load(reader);
            return;
        }

        _optimizer!.load_state_dict(reader);
    }

    /// <summary>Releases the optimizer.</summary>
    public void Dispose()
    {
        _optimizer?.Dispose();
        _tfLike?.Dispose();
        _rmsProp?.Dispose();
    }

    private void EnsureBuffers(int steps, int n)
    {
        if (steps == _steps && n == _envs)
        {
            return;
        }

        var total = steps * n;
        (_steps, _envs) = (steps, n);
        _lastValues = new float[n];
        _advantages = new float[total];
        _returns = new float[total];
        LastEstimates = new Estimates(_advantages, _returns);
    }
}
