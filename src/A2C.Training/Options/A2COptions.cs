using A2C.Core;

namespace A2C.Training;

/// <summary>What computes the network's forward and backward passes; the optimizer is TorchSharp's either way.</summary>
public enum Engine
{
    /// <summary>The .NET engine on the CPU, TorchSharp on any other device.</summary>
    Auto,

    /// <summary>
    /// Forward and backward passes in .NET (<c>System.Numerics.Tensors</c>) over the same parameter
    /// memory TorchSharp steps: no per-operation native calls, the fast path for small MLPs. CPU only.
    /// </summary>
    DotNet,

    /// <summary>TorchSharp modules and autograd: the plain path, and the one for CUDA.</summary>
    Torch,
}

/// <summary>
/// Options of an A2C run, named as in Stable-Baselines3 (in snake_case in config.json and RL Zoo
/// files, kebab-case on the command line) with its A2C defaults. Each property is a row of
/// <see cref="Hyperparameters"/>, which holds its names and range; <see cref="Validate"/> checks
/// them once, naming the option and its allowed range.
/// </summary>
public sealed record A2COptions
{
    /// <summary>Registered environment id.</summary>
    /// <value>Default CartPole-v1.</value>
    public string Env { get; init; } = "CartPole-v1";

    /// <summary>The env's keyword arguments, as <c>gym.make(env, **env_kwargs)</c> takes them (RL Zoo's env_kwargs): a JSON object, written compactly.</summary>
    /// <value>Default <c>{}</c>: the registered defaults.</value>
    public string EnvKwargs { get; init; } = "{}";

    /// <summary>Parallel environments (n_envs).</summary>
    /// <value>Default 8; 1 to 4096.</value>
    public int NEnvs { get; init; } = 8;

    /// <summary>Environment steps to train for, summed over envs (total_timesteps).</summary>
    /// <value>Default 500,000 (RL Zoo's CartPole-v1 budget); at least NEnvs * NSteps.</value>
    public long TotalTimesteps { get; init; } = 500_000;

    /// <summary>Seed of environments, weights and action sampling.</summary>
    /// <value>Default 0; non-negative.</value>
    public int Seed { get; init; }

    /// <summary>Shared trunk or separate pi/vf networks.</summary>
    /// <value>Default Separate (Stable-Baselines3's MlpPolicy).</value>
    public NetKind Net { get; init; } = NetKind.Separate;

    /// <summary>Hidden layer sizes (net_arch).</summary>
    /// <value>Default [64, 64]; each 1 to 4096.</value>
    public IReadOnlyList<int> NetArch { get; init; } = [64, 64];

    /// <summary>The features extractor, as Stable-Baselines3's policy name (policy).</summary>
    /// <value>Default Auto: CnnPolicy for image observations, MultiInputPolicy for Dict ones, MlpPolicy otherwise.</value>
    public PolicyKind Policy { get; init; } = PolicyKind.Auto;

    /// <summary>Width of each NatureCNN's output (features_extractor_kwargs' features_dim, or cnn_output_dim for MultiInputPolicy).</summary>
    /// <value>Default 0: Stable-Baselines3's, 512 for CnnPolicy and 256 per image key for MultiInputPolicy; 0 to 4096.</value>
    public int FeaturesDim { get; init; }

    /// <summary>RMSprop as TensorFlow's (Stable-Baselines3's RMSpropTFLike, RL Zoo's choice for CNN policies): squared-gradient averages start at one, epsilon inside the root.</summary>
    /// <value>Default false (PyTorch's RMSprop, as Stable-Baselines3's default).</value>
    public bool RmsPropTfLike { get; init; }

    /// <summary>Hidden activation (activation_fn).</summary>
    /// <value>Default Tanh.</value>
    public Activation Activation { get; init; } = Activation.Tanh;

    /// <summary>Orthogonal initialization (ortho_init).</summary>
    /// <value>Default true.</value>
    public bool OrthoInit { get; init; } = true;

    /// <summary>Initial log std of Gaussian policies (log_std_init).</summary>
    /// <value>Default 0.0; -20 to 2.</value>
    public float LogStdInit { get; init; }

    /// <summary>
    /// Generalized state-dependent exploration (use_sde), Box actions only: the action is the mean
    /// plus latent @ W, with the policy's last hidden features as latent and exploration matrices W
    /// (one per env) drawn from N(0, exp(log_std)^2), kept fixed between resamplings.
    /// </summary>
    /// <value>Default false.</value>
    public bool UseSde { get; init; }

    /// <summary>
    /// With <see cref="UseSde"/>, draw new exploration matrices every this many steps of a rollout
    /// (sde_sample_freq); -1 (or 0): only at the start of each rollout.
    /// </summary>
    /// <value>Default -1; -1 or more.</value>
    public int SdeSampleFreq { get; init; } = -1;

    /// <summary>
    /// With <see cref="UseSde"/>, one log std per latent feature and action dimension (policy_kwargs
    /// full_std) rather than one per latent feature shared by all dimensions.
    /// </summary>
    /// <value>Default true.</value>
    public bool FullStd { get; init; } = true;

    /// <summary>Learning rate, constant or RL Zoo's lin_X (learning_rate).</summary>
    /// <value>Default 7e-4; values in (0, 1].</value>
    public Schedule LearningRate { get; init; } = Schedule.NewConstant(7e-4);

    /// <summary>Steps per env per update (n_steps).</summary>
    /// <value>Default 5; 1 to 100,000.</value>
    public int NSteps { get; init; } = 5;

    /// <summary>Discount factor (gamma).</summary>
    /// <value>Default 0.99; [0, 1].</value>
    public float Gamma { get; init; } = 0.99f;

    /// <summary>GAE lambda (gae_lambda); 1 gives plain n-step returns.</summary>
    /// <value>Default 1.0; [0, 1].</value>
    public float GaeLambda { get; init; } = 1.0f;

    /// <summary>Entropy bonus weight (ent_coef).</summary>
    /// <value>Default 0.0; [0, 1].</value>
    public float EntCoef { get; init; }

    /// <summary>Value loss weight (vf_coef).</summary>
    /// <value>Default 0.5; [0, 10].</value>
    public float VfCoef { get; init; } = 0.5f;

    /// <summary>Gradient clipping by global norm (max_grad_norm).</summary>
    /// <value>Default 0.5; (0, 1000].</value>
    public float MaxGradNorm { get; init; } = 0.5f;

    /// <summary>RMSprop epsilon (rms_prop_eps).</summary>
    /// <value>Default 1e-5; (0, 1).</value>
    public float RmsPropEps { get; init; } = 1e-5f;

    /// <summary>RMSprop (alpha 0.99) rather than Adam (use_rms_prop).</summary>
    /// <value>Default true.</value>
    public bool UseRmsProp { get; init; } = true;

    /// <summary>Normalize advantages per batch (normalize_advantage).</summary>
    /// <value>Default false.</value>
    public bool NormalizeAdvantage { get; init; }

    /// <summary>Mask the actions the env's action mask forbids (use_action_masks), as sb3-contrib's maskable algorithms do; the env must give one (Taxi-v4 does).</summary>
    /// <value>Default false.</value>
    public bool UseActionMasks { get; init; }

    /// <summary>Normalize observations and rewards as Stable-Baselines3's VecNormalize does (RL Zoo's normalize).</summary>
    /// <value>Default false.</value>
    public bool Normalize { get; init; }

    /// <summary>Critic loss: MSE (Stable-Baselines3) or Huber (the seed preset).</summary>
    /// <value>Default Mse.</value>
    public ValueLoss ValueLoss { get; init; } = ValueLoss.Mse;

    /// <summary>Longest a reset or step of all in-process envs may take, in seconds, before the run stops naming the env that hangs (0: no limit, the default; each step then runs on a watchdog's thread).</summary>
    /// <value>Default 0 (no limit); 0 to 86,400.</value>
    public double EnvStepTimeout { get; init; }

    /// <summary>What to do when an env returns a NaN or infinite observation or reward: stop with an error (default) or drop the rollout and go on.</summary>
    /// <value>Default Fail.</value>
    public NonFinitePolicy NanPolicy { get; init; } = NonFinitePolicy.Fail;

    /// <summary>Who computes forward and backward passes (<see cref="Training.Engine.Auto"/>: .NET on the CPU). Both give the same actions and the same learning curve for the same seed.</summary>
    /// <value>Default Auto.</value>
    public Engine Engine { get; init; } = Engine.Auto;

    /// <summary>
    /// Threads the .NET engine computes on: with 2, separate policy and value networks run their
    /// forward and backward passes on two cores at once (a shared trunk stays on one). Every
    /// output and gradient is the same chain of operations either way, so results are the same
    /// bits (docs/benchmarks.md has what it gains). Engine torch takes its threads from
    /// OMP_NUM_THREADS instead.
    /// </summary>
    /// <value>Default 1.</value>
    public int Threads { get; init; } = 1;

    /// <summary>Stable-Baselines3's A2C defaults.</summary>
    public static A2COptions Defaults { get; } = new();

    /// <summary>
    /// The seed preset's choices on top of <paramref name="options"/>: GAE lambda 0.95, Huber value
    /// loss, normalized advantages, entropy 0.01, shared backbone.
    /// </summary>
    /// <param name="options">The options to change.</param>
    /// <returns>The preset applied.</returns>
    public static A2COptions SeedPreset(A2COptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with
        {
            GaeLambda = 0.95f,
            ValueLoss = ValueLoss.Huber,
            NormalizeAdvantage = true,
            EntCoef = 0.01f,
            Net = NetKind.Shared,
        };
    }

    /// <summary>Every violated range, each naming the option (empty when the options are valid).</summary>
    /// <returns>The problems, such as "n_envs is 0; allowed: 1 to 4096.", in <see cref="Hyperparameters.All"/>'s order.</returns>
    public IReadOnlyList<string> Validate() => Hyperparameters.Check(this).Select(problem => problem.ToString()).ToList();

    /// <summary>The loss options of the core that these options imply.</summary>
    /// <returns>The loss options.</returns>
    public LossOptions ToLossOptions() => new(ValueLoss, NormalizeAdvantage, VfCoef, EntCoef);

    /// <summary>
    /// The hidden layers after the features extractor under <paramref name="policy"/>: <see cref="NetArch"/>,
    /// except that CnnPolicy with the default [64, 64] has none, as Stable-Baselines3's CnnPolicy.
    /// </summary>
    /// <param name="policy">The resolved policy.</param>
    /// <returns>The layer sizes.</returns>
    public IReadOnlyList<int> ResolvedNetArch(PolicyKind policy) =>
        policy == PolicyKind.Cnn && NetArch.SequenceEqual([64, 64]) ? [] : NetArch;
}
