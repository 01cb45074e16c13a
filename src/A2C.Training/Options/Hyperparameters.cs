using A2C.Core;

namespace A2C.Training;

/// <summary>
/// The one table of A2C's hyperparameters: a row per property of <see cref="A2COptions"/>, in
/// config.json's order. Validation, config.json (writing and strict reading), RL Zoo files, the
/// resume checks and the command line's train options are all derived from it, so each option's
/// Stable-Baselines3 name is written here and nowhere else.
/// </summary>
/// <remarks>
/// To add an option: add its property (with its <c>&lt;value&gt;</c> doc) to <see cref="A2COptions"/>,
/// add a row here (SB3 name, command-line spelling, help, format, get and set, and its range and
/// rule on resume if it has them) and list it in <see cref="All"/> where config.json should hold it.
/// Mark it <c>OptionalInConfig</c> so that runs written before it existed still read.
/// </remarks>
public static class Hyperparameters
{
    /// <summary>The environment id (a registered one, or <c>grpc://HOST:PORT</c>).</summary>
    public static Hyperparameter<string> Env { get; } = new("env", "--env", "Registered environment id, e.g. CartPole-v1, or grpc://HOST:PORT.", ValueFormat.Text, o => o.Env, (o, v) => o with { Env = v })
    {
        Range = new("a registered environment id", v => !string.IsNullOrWhiteSpace(v)),
        OnResume = ResumeRule.Shape,
    };

    /// <summary>The env's keyword arguments (RL Zoo's env_kwargs), checked against what the registered env takes.</summary>
    public static Hyperparameter<string> EnvKwargs { get; } = new("env_kwargs", "--env-kwargs", "The env's keyword arguments as a JSON object, as gym.make takes them (RL Zoo's env_kwargs), e.g. '{\"is_slippery\": false}'.", ValueFormat.JsonObjectText, o => o.EnvKwargs, (o, v) => o with { EnvKwargs = v })
    {
        Range = new((o, v) => EnvKwargsProblem(o.Env, v) is null, o => EnvKwargsProblem(o.Env, o.EnvKwargs) ?? "the env's keyword arguments"),
        OnResume = ResumeRule.Shape,
        OptionalInConfig = true,
    };

    /// <summary>Parallel environments.</summary>
    public static Hyperparameter<int> NEnvs { get; } = new("n_envs", "--n-envs", "Parallel environments.", ValueFormat.Whole, o => o.NEnvs, (o, v) => o with { NEnvs = v })
    {
        Range = new("1 to 4096", v => v is >= 1 and <= 4096),
        OnResume = ResumeRule.Shape,
    };

    /// <summary>Steps per env per update.</summary>
    public static Hyperparameter<int> NSteps { get; } = new("n_steps", "--n-steps", "Steps per env per update.", ValueFormat.Whole, o => o.NSteps, (o, v) => o with { NSteps = v })
    {
        Range = new("1 to 100000", v => v is >= 1 and <= 100_000),
    };

    /// <summary>Environment steps to train for; the one option a resumed run may change.</summary>
    public static Hyperparameter<long> TotalTimesteps { get; } = new("total_timesteps", "--total-steps", "Environment steps to train for, summed over envs.", ValueFormat.Long, o => o.TotalTimesteps, (o, v) => o with { TotalTimesteps = v })
    {
        Range = new((o, v) => v >= (long)o.NEnvs * o.NSteps, o => $"at least {NEnvs.Name} * {NSteps.Name} = {(long)o.NEnvs * o.NSteps}"),
        OnResume = ResumeRule.Free,
    };

    /// <summary>Seed of envs, weights and action sampling.</summary>
    public static Hyperparameter<int> Seed { get; } = new("seed", "--seed", "Seed of envs, weights and sampling.", ValueFormat.Whole, o => o.Seed, (o, v) => o with { Seed = v })
    {
        Range = new("0 or more", v => v >= 0),
    };

    /// <summary>Shared trunk or separate policy and value networks.</summary>
    public static Hyperparameter<NetKind> Net { get; } = new("net", "--net", "One shared trunk for policy and value, or separate networks.", ValueFormat.Choice(("shared", NetKind.Shared), ("separate", NetKind.Separate)), o => o.Net, (o, v) => o with { Net = v })
    {
        OnResume = ResumeRule.Shape,
    };

    /// <summary>Hidden layer sizes.</summary>
    public static Hyperparameter<IReadOnlyList<int>> NetArch { get; } = new("net_arch", "--net-arch", "Hidden layer sizes, e.g. 64,64.", ValueFormat.Sizes, o => o.NetArch, (o, v) => o with { NetArch = v })
    {
        Range = new("up to 16 layers of 1 to 4096 units", v => v.Count <= 16 && v.All(w => w is >= 1 and <= 4096)),
        OnResume = ResumeRule.Shape,
    };

    /// <summary>The features extractor, by Stable-Baselines3's policy name.</summary>
    public static Hyperparameter<PolicyKind> Policy { get; } = new("policy", "--policy", "Features extractor: auto (from the observation space), MlpPolicy, CnnPolicy (NatureCNN over images) or MultiInputPolicy (Dict observations).", ValueFormat.Choice(("auto", PolicyKind.Auto), ("MlpPolicy", PolicyKind.Mlp), ("CnnPolicy", PolicyKind.Cnn), ("MultiInputPolicy", PolicyKind.MultiInput)), o => o.Policy, (o, v) => o with { Policy = v })
    {
        OnResume = ResumeRule.Shape,
        OptionalInConfig = true,
    };

    /// <summary>Width of each NatureCNN's output.</summary>
    public static Hyperparameter<int> FeaturesDim { get; } = new("features_dim", "--features-dim", "Width of each NatureCNN's output; 0: 512 for CnnPolicy, 256 per image key for MultiInputPolicy.", ValueFormat.Whole, o => o.FeaturesDim, (o, v) => o with { FeaturesDim = v })
    {
        Range = new("0 to 4096", v => v is >= 0 and <= 4096),
        OnResume = ResumeRule.Shape,
        OptionalInConfig = true,
    };

    /// <summary>Hidden activation.</summary>
    public static Hyperparameter<Activation> Activation { get; } = new("activation", "--activation", "Hidden activation (activation_fn).", ValueFormat.Choice(("tanh", Training.Activation.Tanh), ("relu", Training.Activation.Relu)), o => o.Activation, (o, v) => o with { Activation = v });

    /// <summary>Orthogonal initialization.</summary>
    public static Hyperparameter<bool> OrthoInit { get; } = new("ortho_init", "--ortho-init", "Orthogonal initialization of the weights.", ValueFormat.Flag, o => o.OrthoInit, (o, v) => o with { OrthoInit = v });

    /// <summary>Initial log std of Gaussian policies.</summary>
    public static Hyperparameter<float> LogStdInit { get; } = new("log_std_init", "--log-std-init", "Initial log std of Gaussian policies.", ValueFormat.Single, o => o.LogStdInit, (o, v) => o with { LogStdInit = v })
    {
        Range = new("-20 to 2", v => float.IsFinite(v) && v is >= -20 and <= 2),
    };

    /// <summary>Generalized state-dependent exploration (gSDE), for Box actions.</summary>
    public static Hyperparameter<bool> UseSde { get; } = new("use_sde", "--use-sde", "Generalized state-dependent exploration (gSDE) for Box actions: noise latent @ W, W resampled per rollout or every sde_sample_freq steps. Needs engine torch (auto picks it).", ValueFormat.Flag, o => o.UseSde, (o, v) => o with { UseSde = v })
    {
        OnResume = ResumeRule.Shape,
        OptionalInConfig = true,
    };

    /// <summary>How often gSDE draws new exploration matrices.</summary>
    public static Hyperparameter<int> SdeSampleFreq { get; } = new("sde_sample_freq", "--sde-sample-freq", "With use_sde: new exploration matrices every this many steps of a rollout; -1: only at the start of each rollout.", ValueFormat.Whole, o => o.SdeSampleFreq, (o, v) => o with { SdeSampleFreq = v })
    {
        Range = new("-1 (only at the start of each rollout), 0 (the same) or a number of steps up to 100000", v => v is >= -1 and <= 100_000),
        OptionalInConfig = true,
    };

    /// <summary>gSDE's log std per latent feature and action dimension, or per latent feature only.</summary>
    public static Hyperparameter<bool> FullStd { get; } = new("full_std", "--full-std", "With use_sde: a log std per latent feature and action dimension (true) or per latent feature only (false).", ValueFormat.Flag, o => o.FullStd, (o, v) => o with { FullStd = v })
    {
        OnResume = ResumeRule.Shape,
        OptionalInConfig = true,
    };

    /// <summary>Learning rate: a constant or RL Zoo's <c>lin_X</c>.</summary>
    public static Hyperparameter<Schedule> LearningRate { get; } = new("learning_rate", "--learning-rate", "Learning rate: a constant (7e-4) or lin_X, linear from X to 0.", ValueFormat.Schedule, o => o.LearningRate, (o, v) => o with { LearningRate = v })
    {
        Range = new("(0, 1], or lin_X with X in (0, 1]", v => v switch
        {
            Schedule.Constant c => c.Value is > 0 and <= 1,
            Schedule.Linear l => l.Initial is > 0 and <= 1 && l.Final is >= 0 and <= 1,
            _ => false,
        }),
    };

    /// <summary>Discount factor.</summary>
    public static Hyperparameter<float> Gamma { get; } = new("gamma", "--gamma", "Discount factor.", ValueFormat.Single, o => o.Gamma, (o, v) => o with { Gamma = v })
    {
        Range = new("0 to 1", v => v is >= 0 and <= 1),
    };

    /// <summary>GAE lambda.</summary>
    public static Hyperparameter<float> GaeLambda { get; } = new("gae_lambda", "--gae-lambda", "GAE lambda; 1 gives plain n-step returns.", ValueFormat.Single, o => o.GaeLambda, (o, v) => o with { GaeLambda = v })
    {
        Range = new("0 to 1", v => v is >= 0 and <= 1),
    };

    /// <summary>Entropy bonus weight.</summary>
    public static Hyperparameter<float> EntCoef { get; } = new("ent_coef", "--ent-coef", "Entropy bonus weight.", ValueFormat.Single, o => o.EntCoef, (o, v) => o with { EntCoef = v })
    {
        Range = new("0 to 1", v => v is >= 0 and <= 1),
    };

    /// <summary>Value loss weight.</summary>
    public static Hyperparameter<float> VfCoef { get; } = new("vf_coef", "--vf-coef", "Value loss weight.", ValueFormat.Single, o => o.VfCoef, (o, v) => o with { VfCoef = v })
    {
        Range = new("0 to 10", v => v is >= 0 and <= 10),
    };

    /// <summary>Gradient clipping by global norm.</summary>
    public static Hyperparameter<float> MaxGradNorm { get; } = new("max_grad_norm", "--max-grad-norm", "Gradient clipping by global norm.", ValueFormat.Single, o => o.MaxGradNorm, (o, v) => o with { MaxGradNorm = v })
    {
        Range = new("greater than 0, up to 1000", v => v is > 0 and <= 1000),
    };

    /// <summary>RMSprop epsilon.</summary>
    public static Hyperparameter<float> RmsPropEps { get; } = new("rms_prop_eps", "--rms-prop-eps", "RMSprop epsilon.", ValueFormat.Single, o => o.RmsPropEps, (o, v) => o with { RmsPropEps = v })
    {
        Range = new("greater than 0, less than 1", v => v is > 0 and < 1),
    };

    /// <summary>RMSprop rather than Adam.</summary>
    public static Hyperparameter<bool> UseRmsProp { get; } = new("use_rms_prop", "--use-rms-prop", "true: RMSprop (alpha 0.99); false: Adam.", ValueFormat.Flag, o => o.UseRmsProp, (o, v) => o with { UseRmsProp = v });

    /// <summary>TensorFlow-like RMSprop.</summary>
    public static Hyperparameter<bool> RmsPropTfLike { get; } = new("rms_prop_tf_like", "--rms-prop-tf-like", "RMSprop as TensorFlow's (SB3's RMSpropTFLike, for CNN policies): averages start at one, eps inside the root.", ValueFormat.Flag, o => o.RmsPropTfLike, (o, v) => o with { RmsPropTfLike = v })
    {
        OptionalInConfig = true,
    };

    /// <summary>Normalize advantages per batch.</summary>
    public static Hyperparameter<bool> NormalizeAdvantage { get; } = new("normalize_advantage", "--normalize-advantage", "Normalize advantages per batch.", ValueFormat.Flag, o => o.NormalizeAdvantage, (o, v) => o with { NormalizeAdvantage = v });

    /// <summary>Mask the actions the env's action mask forbids.</summary>
    public static Hyperparameter<bool> UseActionMasks { get; } = new("use_action_masks", "--use-action-masks", "Give no probability to the actions the env's action mask forbids (Gymnasium's info[\"action_mask\"], as sb3-contrib's maskable algorithms do), in acting, evaluation and the loss. Needs an env with a mask, such as Taxi-v4.", ValueFormat.Flag, o => o.UseActionMasks, (o, v) => o with { UseActionMasks = v })
    {
        OptionalInConfig = true,
    };

    /// <summary>Critic loss.</summary>
    public static Hyperparameter<ValueLoss> ValueLoss { get; } = new("value_loss", "--value-loss", "Critic loss: mse (Stable-Baselines3) or huber (the seed preset).", ValueFormat.Choice(("mse", Core.ValueLoss.Mse), ("huber", Core.ValueLoss.Huber)), o => o.ValueLoss, (o, v) => o with { ValueLoss = v });

    /// <summary>Normalize observations and rewards as VecNormalize does.</summary>
    public static Hyperparameter<bool> Normalize { get; } = new("normalize", "--normalize", "Normalize observations and rewards like VecNormalize.", ValueFormat.Flag, o => o.Normalize, (o, v) => o with { Normalize = v })
    {
        OnResume = ResumeRule.Shape,
    };

    /// <summary>Who computes forward and backward passes.</summary>
    public static Hyperparameter<Engine> Engine { get; } = new("engine", "--engine", "Who computes forward and backward passes: auto (.NET on the CPU; TorchSharp for CNN policies and gSDE), dotnet or torch.", ValueFormat.Choice(("auto", Training.Engine.Auto), ("dotnet", Training.Engine.DotNet), ("torch", Training.Engine.Torch)), o => o.Engine, (o, v) => o with { Engine = v })
    {
        // The .NET engine has no gSDE.
        Range = new((o, v) => !(o.UseSde && v == Training.Engine.DotNet), o => o.UseSde ? $"auto or torch with {UseSde.Name} (the .NET engine does not do gSDE; use --engine torch)" : "auto, dotnet or torch"),
        OptionalInConfig = true,
    };

    /// <summary>Threads the .NET engine computes on.</summary>
    public static Hyperparameter<int> Threads { get; } = new("threads", "--threads", "Threads the .NET engine computes on: 2 runs separate policy and value networks on two cores, with the same results bit for bit.", ValueFormat.Whole, o => o.Threads, (o, v) => o with { Threads = v })
    {
        // TorchSharp's own intra-op threads come from OMP_NUM_THREADS.
        Range = new((o, v) => v is 1 or 2 && !(v == 2 && o.Engine == Training.Engine.Torch), o => o.Engine == Training.Engine.Torch ? "1 with engine torch (set OMP_NUM_THREADS for TorchSharp's threads)" : "1 or 2"),
        OnResume = ResumeRule.Free,
        OptionalInConfig = true,
    };

    /// <summary>What to do when an env returns a NaN or infinite value.</summary>
    public static Hyperparameter<NonFinitePolicy> NanPolicy { get; } = new("nan_policy", "--nan-policy", "fail: stop when an env returns a NaN or infinite observation or reward, naming it; skip: drop that rollout, reset the envs and go on (counted; 100 in a row still stop).", ValueFormat.Choice(("fail", NonFinitePolicy.Fail), ("skip", NonFinitePolicy.Skip)), o => o.NanPolicy, (o, v) => o with { NanPolicy = v })
    {
        OptionalInConfig = true,
    };

    /// <summary>Seconds a reset or step of all envs may take.</summary>
    public static Hyperparameter<double> EnvStepTimeout { get; } = new("env_step_timeout", "--env-step-timeout", "Seconds a reset or step of all envs may take before the run stops naming the env that hangs (0: no limit).", ValueFormat.Double, o => o.EnvStepTimeout, (o, v) => o with { EnvStepTimeout = v })
    {
        Range = new("0 (no limit) to 86400 seconds", v => double.IsFinite(v) && v is >= 0 and <= 86_400),
        OptionalInConfig = true,
    };

    /// <summary>Every row, in config.json's order (validation reports problems in this order too).</summary>
    public static IReadOnlyList<Hyperparameter> All { get; } =
    [
        Env, EnvKwargs, NEnvs, TotalTimesteps, Seed, Policy, FeaturesDim, Net, NetArch, Activation, OrthoInit, LogStdInit, UseSde, SdeSampleFreq, FullStd, LearningRate, NSteps,
        Gamma, GaeLambda, EntCoef, VfCoef, MaxGradNorm, RmsPropEps, UseRmsProp, RmsPropTfLike, NormalizeAdvantage, UseActionMasks, ValueLoss, Normalize, Engine, Threads, NanPolicy, EnvStepTimeout,
    ];

    /// <summary>Why <paramref name="kwargs"/> cannot make <paramref name="env"/>, or null (also for an id the env row refuses).</summary>
    private static string? EnvKwargsProblem(string env, string kwargs)
    {
        System.Text.Json.Nodes.JsonObject? parsed;
        try
        {
            parsed = System.Text.Json.Nodes.JsonNode.Parse(kwargs) as System.Text.Json.Nodes.JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            parsed = null;
        }

        if (parsed is null)
        {
            return "a JSON object such as {\"is_slippery\": false}";
        }

        if (parsed.Count == 0)
        {
            return null;
        }

        if (A2C.Envs.Remote.RemoteVectorEnv.IsRemote(env))
        {
            return "{} for a served env (its server makes the env: give the kwargs to a2c serve)";
        }

        try
        {
            A2C.Envs.Registry.CheckKwargs(env, parsed);
            return null;
        }
        catch (A2C.Envs.UnknownEnvironmentException)
        {
            return null;
        }
        catch (ArgumentException e)
        {
            var why = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", string.Empty, StringComparison.Ordinal);
            return $"what {env} takes, and {why.TrimEnd('.')}";
        }
    }

    /// <summary>Named sets of choices on top of the defaults: <c>seed</c> is <see cref="A2COptions.SeedPreset"/>.</summary>
    public static IReadOnlyDictionary<string, Func<A2COptions, A2COptions>> Presets { get; } = new Dictionary<string, Func<A2COptions, A2COptions>>
    {
        ["seed"] = A2COptions.SeedPreset,
    };

    /// <summary>The row whose Stable-Baselines3 name is <paramref name="name"/>, or null.</summary>
    /// <param name="name">A name such as <c>n_steps</c>.</param>
    /// <returns>The row, or null.</returns>
    public static Hyperparameter? Find(string name) => All.FirstOrDefault(row => row.Name == name);

    /// <summary>Every option of <paramref name="options"/> out of its range, in table order.</summary>
    /// <param name="options">The options.</param>
    /// <returns>The problems (empty when the options are valid).</returns>
    public static IReadOnlyList<OptionProblem> Check(A2COptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return All.Select(row => row.Check(options)).OfType<OptionProblem>().ToList();
    }
}
