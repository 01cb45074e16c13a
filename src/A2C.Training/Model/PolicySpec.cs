using A2C.Envs.Spaces;

namespace A2C.Training;

/// <summary>The distribution a policy's actor output parameterizes, picked from the action space.</summary>
public enum ActionDistribution
{
    /// <summary>Discrete: one categorical over the actions (the actor gives logits).</summary>
    Categorical,

    /// <summary>Box: a diagonal Gaussian (the actor gives means; the log std is a parameter).</summary>
    Gaussian,

    /// <summary>MultiDiscrete: one categorical per choice, independent (logits of each, side by side).</summary>
    MultiCategorical,

    /// <summary>MultiBinary: one Bernoulli per switch (a logit each).</summary>
    Bernoulli,
}

/// <summary>Shape of an actor-critic network.</summary>
/// <param name="ObservationSize">Floats per flat observation.</param>
/// <param name="ActionCount">Width of the actor's output: the number of actions (Discrete), action dimensions (Box), the sum of nvec (MultiDiscrete) or switches (MultiBinary).</param>
/// <param name="Continuous">Box actions (diagonal Gaussian) rather than integer ones.</param>
/// <param name="Net">Shared or separate trunks.</param>
/// <param name="NetArch">Hidden layer sizes, e.g. [64, 64].</param>
/// <param name="Activation">Hidden activation.</param>
/// <param name="OrthoInit">Orthogonal initialization (gains sqrt 2, 0.01 for the actor head, 1 for the critic head; zero biases).</param>
/// <param name="LogStdInit">Initial log standard deviation of the Gaussian policy.</param>
/// <param name="UseSde">Generalized state-dependent exploration (Box actions only): the log std is a [latent, dims] matrix (or [latent, 1]) over the policy's last hidden features rather than one per dimension.</param>
/// <param name="FullStd">With <paramref name="UseSde"/>: a log std per latent feature and action dimension; false, one per latent feature.</param>
public sealed record PolicySpec(
    int ObservationSize,
    int ActionCount,
    bool Continuous,
    NetKind Net,
    IReadOnlyList<int> NetArch,
    Activation Activation,
    bool OrthoInit,
    float LogStdInit,
    bool UseSde = false,
    bool FullStd = true)
{
    /// <summary>Width of the policy's last hidden layer, its latent features (the features' width without hidden layers).</summary>
    public int LatentSize => NetArch.Count == 0 ? FeatureSize : NetArch[^1];

    /// <summary>Shape of the log std parameter: [dims], or with gSDE [latent, dims] (full std) or [latent, 1]; empty for integer actions.</summary>
    public long[] LogStdShape => !Continuous ? [] : UseSde ? [LatentSize, FullStd ? ActionCount : 1] : [ActionCount];

    /// <summary>How observations become the networks' input; null for a plain vector read as it is.</summary>
    public ObservationEncoding? Encoding { get; init; }

    /// <summary>For MultiDiscrete actions, the values of each choice; null otherwise.</summary>
    public IReadOnlyList<int>? ActionNvec { get; init; }

    /// <summary>MultiBinary actions: one Bernoulli per output.</summary>
    public bool BinaryActions { get; init; }

    /// <summary>The distribution the actor's output parameterizes.</summary>
    public ActionDistribution Distribution =>
        Continuous ? ActionDistribution.Gaussian
        : ActionNvec is not null ? ActionDistribution.MultiCategorical
        : BinaryActions ? ActionDistribution.Bernoulli
        : ActionDistribution.Categorical;

    /// <summary>Integers per action for integer action spaces (1 for Discrete), floats per action for Box.</summary>
    public int ActionSize => Distribution switch
    {
        ActionDistribution.Categorical => 1,
        ActionDistribution.MultiCategorical => ActionNvec!.Count,
        _ => ActionCount,
    };

    /// <summary>Features the first layer reads: the encoding's width, or the observation's size.</summary>
    public int FeatureSize => Encoding?.FeatureSize ?? ObservationSize;

    /// <summary>Why only the torch engine can run this policy (e.g. a CNN), or null when the .NET engine can.</summary>
    public string? TorchOnlyReason =>
        Encoding is { HasImages: true } ? $"{Encoding.Policy}Policy's NatureCNN image features"
        : UseSde ? "gSDE (use_sde)"
        : null;

    /// <summary>
    /// The network for an env's spaces and the run's options, as Stable-Baselines3 builds it: the features
    /// extractor from the observation space and <see cref="A2COptions.Policy"/>, the distribution from the
    /// action space. CnnPolicy keeps no hidden layers after its features unless net_arch differs from its
    /// default, as SB3's CnnPolicy.
    /// </summary>
    /// <param name="observationSpace">One env's observation space.</param>
    /// <param name="actionSpace">One env's action space.</param>
    /// <param name="options">The run's options.</param>
    /// <returns>The spec.</returns>
    /// <exception cref="ArgumentException">The policy does not fit the spaces; the message says which and why.</exception>
    public static PolicySpec For(Space observationSpace, Space actionSpace, A2COptions options)
    {
        ArgumentNullException.ThrowIfNull(observationSpace);
        ArgumentNullException.ThrowIfNull(actionSpace);
        ArgumentNullException.ThrowIfNull(options);
        var encoding = ObservationEncoding.For(observationSpace, options.Policy, options.FeaturesDim);
        var arch = options.ResolvedNetArch(encoding.Policy);
        var spec = new PolicySpec(observationSpace.FlatSize, 0, actionSpace is Box, options.Net, arch, options.Activation, options.OrthoInit, options.LogStdInit, options.UseSde, options.FullStd)
        {
            Encoding = encoding.IsIdentity ? null : encoding,
        };
        return actionSpace switch
        {
            Discrete d => spec with { ActionCount = d.N },
            Box b => spec with { ActionCount = b.FlatSize },
            MultiDiscrete m => spec with { ActionCount = m.Nvec.Sum(), ActionNvec = m.Nvec.ToArray() },
            MultiBinary mb => spec with { ActionCount = mb.N, BinaryActions = true },
            _ => throw new ArgumentException($"{actionSpace} actions are not supported; use Discrete, Box, MultiDiscrete or MultiBinary."),
        };
    }
}
