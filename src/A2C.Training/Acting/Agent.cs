using A2C.Envs;
using static TorchSharp.torch;

namespace A2C.Training;

/// <summary>
/// Acts with an <see cref="ActorCritic"/> for a batch of observations: computes the actor's outputs
/// and V(s) without autograd (with the .NET engine or TorchSharp, see <see cref="Engine"/>; the
/// <see cref="Learner"/> computes its gradients with the same engine), then
/// samples actions in .NET with its own seeded generator (never the global one). Sampling the
/// same way from either engine's outputs is what makes both give the same actions for a seed.
/// With gSDE (<see cref="PolicySpec.UseSde"/>, TorchSharp engine) an action is the mean plus
/// latent @ W, W one exploration matrix per observation row drawn from N(0, exp(log_std)^2) with
/// the same generator, renewed as <see cref="SdeSampleFreq"/> says.
/// </summary>
public sealed class Agent : IPolicy, IDisposable
{
    private Rng _rng;
    private float[] _actor = [];
    private float[] _logStd = [];
    private readonly TorchEngine? _sde;
    private float[] _latent = [];
    private float[] _matrices = [];
    private int _matrixRows;
    private bool _noiseStale = true;
    private bool[] _valid = [];

    /// <summary>The logit a masked action gets: sb3-contrib's -1e8, far enough below any real logit that exp underflows to 0.</summary>
    internal const float MaskedLogit = -1e8f;

    /// <summary>Wraps <paramref name="model"/>; sampling uses a generator seeded with <paramref name="seed"/>.</summary>
    /// <param name="model">The network.</param>
    /// <param name="seed">Seed of the sampling generator.</param>
    /// <param name="device">Where the model lives.</param>
    /// <param name="engine">Who computes the forward pass; <see cref="Engine.Auto"/> picks .NET on the CPU.</param>
    /// <param name="threads">Threads the .NET engine computes on (1 or 2; see <see cref="A2COptions.Threads"/>); the results are the same bits either way.</param>
    /// <exception cref="ArgumentException">The .NET engine was asked for on a device other than the CPU.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is not 1 or 2.</exception>
    public Agent(ActorCritic model, long seed, Device device, Engine engine = Engine.Auto, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(device);
        Model = model;
        Device = device;
        _rng = new Rng(seed);
        Compute = EngineChoice.Create(engine, model, device, threads);

        // EngineChoice never gives the .NET engine a gSDE policy.
        _sde = model.Spec.UseSde ? (TorchEngine)Compute : null;
    }

    /// <summary>
    /// With gSDE, new exploration matrices every this many steps of a rollout (Stable-Baselines3's
    /// sde_sample_freq); -1 or 0: only at the start of each rollout. Unused without gSDE.
    /// </summary>
    /// <value>Default -1.</value>
    public int SdeSampleFreq { get; set; } = -1;

    /// <summary>The network.</summary>
    public ActorCritic Model { get; }

    /// <summary>
    /// With a Discrete action space, the env's action mask (use_action_masks): forbidden actions get
    /// no probability in acting, in evaluation and in the update's loss. Null: no masking.
    /// </summary>
    public ActionMaskFunction? ActionMask { get; init; }

    /// <summary>Who computes forward passes (resolved: never <see cref="Engine.Auto"/>).</summary>
    public Engine Engine => Compute.Kind;

    /// <summary>Threads the engine computes on: 1, or 2 when the .NET engine was asked for two and the policy and value networks are separate.</summary>
    public int Threads => Compute is DotNetEngine dotNet ? dotNet.Threads : 1;

    /// <summary>The engine itself, which the learner shares.</summary>
    internal IEngine Compute { get; }

    /// <summary>Where the model's tensors are made.</summary>
    internal Device Device { get; }

    /// <summary>Whether <see cref="IPolicy.Act"/> takes the most likely action instead of sampling.</summary>
    public bool Deterministic { get; set; }

    /// <inheritdoc />
    void IPolicy.BeginStep(int step)
    {
        // Deterministic actions use no noise, so they draw none.
        if (_sde is not null && !Deterministic && (step == 0 || (SdeSampleFreq > 0 && step % SdeSampleFreq == 0)))
        {
            _noiseStale = true;
        }
    }

    /// <inheritdoc />
    void IPolicy.Act(float[] observations, int count, int[] discreteActions, float[] continuousActions, float[] values) =>
        Act(observations, count, Deterministic, discreteActions, continuousActions, values);

    /// <summary>Chooses actions for <paramref name="count"/> observations and returns the values V(s).</summary>
    /// <param name="observations">count x ObservationSize floats, env-major.</param>
    /// <param name="count">Number of observations.</param>
    /// <param name="deterministic">Take the most likely action (argmax, or the Gaussian mean) instead of sampling.</param>
    /// <param name="discreteActions">Receives integer actions (count x the action's integers: 1 for Discrete, K for MultiDiscrete, N for MultiBinary), when the policy's actions are integers.</param>
    /// <param name="continuousActions">Receives continuous actions (count x dims), when the policy is continuous: unclipped samples.</param>
    /// <param name="values">Receives V(s) (length count).</param>
    public void Act(float[] observations, int count, bool deterministic, int[] discreteActions, float[] continuousActions, float[] values)
    {
        ArgumentNullException.ThrowIfNull(observations);
        ArgumentNullException.ThrowIfNull(values);
        var width = Model.Spec.ActionCount;
        if (_actor.Length < count * width)
        {
            _actor = new float[count * width];
        }

        var actor = _actor.AsSpan(0, count * width);
        if (_sde is not null && !deterministic)
        {
            ActSde(observations, count, actor, continuousActions, values);
            return;
        }

        Compute.Forward(observations.AsSpan(0, count * Model.Spec.ObservationSize), count, actor, values.AsSpan(0, count));
        if (Model.Spec.Continuous)
        {
            var logStd = LogStd();
            for (var i = 0; i < count; i++)
            {
                for (var d = 0; d < width; d++)
                {
                    var mean = actor[i * width + d];
                    continuousActions[i * width + d] = deterministic ? mean : (float)(mean + Math.Exp(logStd[d]) * _rng.NextGaussian());
                }
            }

            return;
        }

        switch (Model.Spec.Distribution)
        {
            case ActionDistribution.MultiCategorical:
                ActMultiCategorical(actor, count, deterministic, discreteActions);
                return;
            case ActionDistribution.Bernoulli:
                for (var j = 0; j < count * width; j++)
                {
                    // A switch is on with probability sigmoid(z); its mode is on when z > 0 (torch rounds 0.5 down).
                    discreteActions[j] = deterministic ? (actor[j] > 0 ? 1 : 0) : (_rng.NextDouble() < 1 / (1 + Math.Exp(-actor[j])) ? 1 : 0);
                }

                return;
        }

        if (ActionMask is { } mask)
        {
            MaskLogits(mask, observations, count, Model.Spec.ObservationSize, actor, ref _valid);
        }

        for (var i = 0; i < count; i++)
        {
            var logits = actor.Slice(i * width, width);
            discreteActions[i] = deterministic ? ArgMax(logits) : Sample(logits, _rng.NextDouble());
        }
    }

    /// <summary>
    /// The flags <paramref name="mask"/> gives each of <paramref name="count"/> observations, row after
    /// row into <paramref name="allowed"/> (count x actions), checking each row leaves an action.
    /// </summary>
    internal static void AllowedActions(ActionMaskFunction mask, ReadOnlySpan<float> observations, int count, int observationSize, Span<bool> allowed)
    {
        var width = allowed.Length / count;
        for (var i = 0; i < count; i++)
        {
            var row = allowed.Slice(i * width, width);
            mask(observations.Slice(i * observationSize, observationSize), row);
            if (!row.Contains(true))
            {
                throw new InvalidOperationException("the env's action mask allows no action for an observation; an action mask must leave at least one.");
            }
        }
    }

    /// <summary>
    /// Sets the logits of actions <paramref name="mask"/> forbids to <see cref="MaskedLogit"/>, as
    /// sb3-contrib's MaskableCategorical does: their probability is then 0 in float32 and double,
    /// so they are never sampled or the argmax, and their log-probability and gradient vanish from
    /// the loss. <paramref name="allowed"/> is a buffer, grown as needed.
    /// </summary>
    internal static void MaskLogits(ActionMaskFunction mask, ReadOnlySpan<float> observations, int count, int observationSize, Span<float> logits, ref bool[] allowed)
    {
        if (allowed.Length < logits.Length)
        {
            allowed = new bool[logits.Length];
        }

        var flags = allowed.AsSpan(0, logits.Length);
        AllowedActions(mask, observations, count, observationSize, flags);
        for (var j = 0; j < logits.Length; j++)
        {
            if (!flags[j])
            {
                logits[j] = MaskedLogit;
            }
        }
    }

    /// <summary>
    /// Draws new gSDE exploration matrices, one per row of a batch of <paramref name="count"/>
    /// observations (one per env when acting for a vector env), each [latent, dims] with entries
    /// N(0, exp(log_std)^2) (log_std's one column repeated for every dim unless full_std). Acting
    /// draws them itself at the start of each rollout, every <see cref="SdeSampleFreq"/> steps, and
    /// whenever the batch size changes.
    /// </summary>
    /// <param name="count">Rows of the batches to act for.</param>
    /// <exception cref="InvalidOperationException">The policy does not use gSDE.</exception>
    public void ResetNoise(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (_sde is null)
        {
            throw new InvalidOperationException("this policy does not use gSDE (use_sde), so it has no exploration matrices.");
        }

        var spec = Model.Spec;
        var (latent, dims) = (spec.LatentSize, spec.ActionCount);
        var columns = spec.FullStd ? dims : 1;
        var logStd = LogStd();
        if (_matrices.Length != count * latent * dims)
        {
            _matrices = new float[count * latent * dims];
        }

        var k = 0;
        for (var i = 0; i < count; i++)
        {
            for (var l = 0; l < latent; l++)
            {
                for (var d = 0; d < dims; d++)
                {
                    _matrices[k++] = (float)(Math.Exp(logStd[l * columns + (spec.FullStd ? d : 0)]) * _rng.NextGaussian());
                }
            }
        }

        _matrixRows = count;
        _noiseStale = false;
    }

    /// <summary>gSDE: the means and latent features, then mean + latent @ W_i for each row i.</summary>
    private void ActSde(float[] observations, int count, Span<float> means, float[] continuousActions, float[] values)
    {
        var spec = Model.Spec;
        var (latent, dims) = (spec.LatentSize, spec.ActionCount);
        if (_latent.Length < count * latent)
        {
            _latent = new float[count * latent];
        }

        _sde!.ForwardWithLatent(observations.AsSpan(0, count * spec.ObservationSize), count, means, values.AsSpan(0, count), _latent.AsSpan(0, count * latent));
        if (_noiseStale || _matrixRows != count)
        {
            ResetNoise(count);
        }

        for (var i = 0; i < count; i++)
        {
            for (var d = 0; d < dims; d++)
            {
                var noise = 0.0;
                for (var l = 0; l < latent; l++)
                {
                    noise += _latent[i * latent + l] * (double)_matrices[((i * latent) + l) * dims + d];
                }

                continuousActions[i * dims + d] = (float)(means[i * dims + d] + noise);
            }
        }
    }

    /// <summary>V(s) for <paramref name="count"/> observations, without autograd.</summary>
    /// <param name="observations">count x ObservationSize floats.</param>
    /// <param name="count">Number of observations.</param>
    /// <param name="values">Receives the values.</param>
    public void Values(ReadOnlySpan<float> observations, int count, Span<float> values) =>
        Compute.Forward(observations.Slice(0, count * Model.Spec.ObservationSize), count, default, values.Slice(0, count));

    /// <summary>The sampling generator's state.</summary>
    /// <returns>Its bytes.</returns>
    public byte[] SaveGenerator()
    {
        var snapshot = _rng.SaveSnapshot();
        var bytes = new byte[snapshot.Length * sizeof(long)];
        Buffer.BlockCopy(snapshot, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    /// <summary>Restores the sampling generator's state.</summary>
    /// <param name="state">Bytes from <see cref="SaveGenerator"/>.</param>
    /// <exception cref="ArgumentException">The bytes are not a generator state.</exception>
    public void LoadGenerator(byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Length == 0 || state.Length % sizeof(long) != 0)
        {
            throw new ArgumentException($"a sampling generator state has a multiple of 8 bytes; got {state.Length}.", nameof(state));
        }

        var snapshot = new long[state.Length / sizeof(long)];
        Buffer.BlockCopy(state, 0, snapshot, 0, state.Length);
        _rng = Rng.FromSnapshot(snapshot);
    }

    /// <summary>Stops the engine's helper thread, if it has one.</summary>
    public void Dispose() => Compute.Dispose();

    /// <summary>Inverse-CDF draw from softmax(<paramref name="logits"/>) with the uniform <paramref name="u"/> in [0, 1).</summary>
    internal static int Sample(ReadOnlySpan<float> logits, double u)
    {
        var top = double.NegativeInfinity;
        foreach (var z in logits)
        {
            top = Math.Max(top, z);
        }

        var total = 0.0;
        foreach (var z in logits)
        {
            total += Math.Exp(z - top);
        }

        var target = u * total;
        var cumulative = 0.0;
        var last = 0;
        for (var j = 0; j < logits.Length; j++)
        {
            var weight = Math.Exp(logits[j] - top);
            cumulative += weight;
            if (target < cumulative)
            {
                return j;
            }

            last = weight > 0 ? j : last;
        }

        return last; // u * total rounded up to the last boundary: the last action with any weight (never a masked one)
    }

    private void ActMultiCategorical(ReadOnlySpan<float> actor, int count, bool deterministic, int[] actions)
    {
        var nvec = Model.Spec.ActionNvec!;
        var width = Model.Spec.ActionCount;
        for (var i = 0; i < count; i++)
        {
            var offset = i * width;
            for (var k = 0; k < nvec.Count; k++)
            {
                var logits = actor.Slice(offset, nvec[k]);
                actions[i * nvec.Count + k] = deterministic ? ArgMax(logits) : Sample(logits, _rng.NextDouble());
                offset += nvec[k];
            }
        }
    }

    private static int ArgMax(ReadOnlySpan<float> logits)
    {
        var best = 0;
        for (var j = 1; j < logits.Length; j++)
        {
            if (logits[j] > logits[best])
            {
                best = j;
            }
        }

        return best;
    }

    private ReadOnlySpan<float> LogStd()
    {
        var layout = Model.Flat.Layout;
        if (Model.Flat.Host is { } host)
        {
            return host.AsSpan(layout.LogStd, layout.Count - layout.LogStd);
        }

        using var scope = NewDisposeScope();
        _logStd = Model.LogStd!.detach().cpu().data<float>().ToArray();
        return _logStd;
    }
}
