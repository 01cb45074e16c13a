using System.Text.Json.Nodes;
using A2C.Envs.ClassicControl;
using A2C.Envs.Toy;
using A2C.Envs.ToyText;
using A2C.Envs.Wrappers;

namespace A2C.Envs;

/// <summary>The registry of environments: <c>Registry.Make("CartPole-v1")</c>, as Gymnasium's <c>gym.make</c>.</summary>
public static class Registry
{
    private static readonly object _gate = new();
    private static readonly List<EnvSpec> _registered = [];

    static Registry()
    {
        Register(new EnvSpec("CartPole-v1", () => new CartPole(), 500, 475.0, "Balance a pole on a cart by pushing left or right."));
        Register(new EnvSpec("Acrobot-v1", () => new Acrobot(), 500, -100.0, "Swing a two-link pendulum's tip above the line by torquing its middle joint."));
        Register(new EnvSpec("MountainCar-v0", () => new MountainCar(), 200, -110.0, "Rock an under-powered car up the right hill."));
        Register(new EnvSpec("MountainCarContinuous-v0", () => new MountainCarContinuous(), 999, 90.0, "Continuous-push mountain car."));
        Register(new EnvSpec("Pendulum-v1", () => new Pendulum(), 200, null, "Swing a pendulum upright and keep it there."));
        Register(new EnvSpec("FrozenLake-v1", () => new FrozenLake(), 100, 0.70, "Cross a slippery 4x4 lake from S to G without falling into a hole (Discrete observations).")
        {
            KwargNames = FrozenLake.KwargNames,
            KwargsEntryPoint = kwargs => FrozenLake.FromKwargs(kwargs),
        });
        Register(new EnvSpec("FrozenLake8x8-v1", () => new FrozenLake(mapName: "8x8"), 200, 0.85, "FrozenLake on Gymnasium's 8x8 map.")
        {
            KwargNames = FrozenLake.KwargNames,
            KwargsEntryPoint = kwargs => FrozenLake.FromKwargs(kwargs, "8x8"),
        });
        Register(new EnvSpec("Taxi-v4", () => new Taxi(), 200, 8.0, "Pick a passenger up and drop them at their destination on a 5x5 grid with walls (Discrete observations).")
        {
            KwargNames = Taxi.KwargNames,
            KwargsEntryPoint = Taxi.FromKwargs,
            ActionMask = Taxi.ActionMask,
        });
        // Gymnasium registers neither CliffWalking with a time limit or a reward threshold.
        Register(new EnvSpec("CliffWalking-v1", () => new CliffWalking(), null, null, "Walk along a cliff from start to goal; a fall costs 100 and restarts the walk (Discrete observations).")
        {
            KwargNames = CliffWalking.KwargNames,
            KwargsEntryPoint = kwargs => CliffWalking.FromKwargs(kwargs),
        });
        Register(new EnvSpec("CliffWalkingSlippery-v1", () => new CliffWalking(isSlippery: true), null, null, "CliffWalking where a move slips to either side a third of the time each.")
        {
            KwargNames = CliffWalking.KwargNames,
            KwargsEntryPoint = kwargs => CliffWalking.FromKwargs(kwargs, slipperyByDefault: true),
        });
        Register(new EnvSpec("LineWalk-v0", () => new LineWalk(), 100, 1.0, "The seed preset's corridor: walk past +1 for reward 1."));
        Register(new EnvSpec("Identity-v0", () => new Identity(), 100, 95.0, "Name the one-hot state shown (optimal: argmax)."));
        Register(new EnvSpec("IdentityContinuous-v0", () => new IdentityContinuous(), 100, 95.0, "Repeat the number shown, within 0.05."));
        Register(new EnvSpec("IdentityMultiDiscrete-v0", () => new IdentityMultiDiscrete(), 100, 90.0, "Repeat both choices of the MultiDiscrete([3, 4]) state shown."));
        Register(new EnvSpec("IdentityMultiBinary-v0", () => new IdentityMultiBinary(), 100, 90.0, "Set the four switches of the MultiBinary(4) state shown."));
        Register(new EnvSpec("ImageIdentity-v0", () => new ImageIdentity(), 100, 90.0, "Name the lit quadrant of a 36x36 uint8 image (CnnPolicy)."));
        Register(new EnvSpec("SimpleMultiObs-v0", () => new SimpleMultiObs(), 100, 90.0, "Dict of an image and a vector: name the number shown and whether the image is bright (MultiInputPolicy)."));
    }

    /// <summary>Every registered environment, in registration order.</summary>
    public static IReadOnlyList<EnvSpec> Specs
    {
        get
        {
            lock (_gate)
            {
                return _registered.ToArray();
            }
        }
    }

    /// <summary>Registers an environment; its id must be new.</summary>
    /// <param name="spec">What to register.</param>
    /// <exception cref="ArgumentException">The id is already registered.</exception>
    public static void Register(EnvSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrWhiteSpace(spec.Id, nameof(spec));
        lock (_gate)
        {
            if (_registered.Any(s => s.Id == spec.Id))
            {
                throw new ArgumentException($"an environment with id '{spec.Id}' is already registered.", nameof(spec));
            }

            _registered.Add(spec);
        }
    }

    /// <summary>The spec registered under <paramref name="id"/>.</summary>
    /// <param name="id">The id.</param>
    /// <returns>The spec.</returns>
    /// <exception cref="UnknownEnvironmentException">No such id; the message lists the known ones.</exception>
    public static EnvSpec Spec(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_gate)
        {
            return _registered.FirstOrDefault(s => s.Id == id) ?? throw new UnknownEnvironmentException(id, _registered.Select(s => s.Id));
        }
    }

    /// <summary>Makes a new instance of a registered environment, wrapped in its time limit.</summary>
    /// <param name="id">The id, e.g. <c>CartPole-v1</c>.</param>
    /// <param name="maxEpisodeSteps">Overrides the registered time limit.</param>
    /// <returns>The environment; the caller disposes it.</returns>
    /// <exception cref="UnknownEnvironmentException">No such id; the message lists the known ones.</exception>
    public static IEnv Make(string id, int? maxEpisodeSteps = null) => Make(id, null, maxEpisodeSteps);

    /// <summary>Makes a new instance as <c>gym.make(id, **kwargs)</c> does, wrapped in its time limit.</summary>
    /// <param name="id">The id, e.g. <c>FrozenLake-v1</c>.</param>
    /// <param name="kwargs">Keyword arguments by Gymnasium's names (null or empty: the registered defaults).</param>
    /// <param name="maxEpisodeSteps">Overrides the registered time limit.</param>
    /// <returns>The environment; the caller disposes it.</returns>
    /// <exception cref="UnknownEnvironmentException">No such id; the message lists the known ones.</exception>
    /// <exception cref="ArgumentException">A keyword the env does not take, or a value it cannot use; the message names it and what the env takes.</exception>
    /// <remarks>As with <c>gym.make</c>, <c>max_episode_steps</c> among the kwargs sets the time limit of any env.</remarks>
    public static IEnv Make(string id, JsonObject? kwargs, int? maxEpisodeSteps = null)
    {
        var spec = Spec(id);
        var (envKwargs, madeLimit) = SplitMakeArguments(spec, kwargs);
        var env = envKwargs.Count == 0 ? spec.EntryPoint() : WithKwargs(spec, envKwargs);
        var limit = maxEpisodeSteps ?? madeLimit ?? spec.MaxEpisodeSteps;
        return limit is { } steps ? new TimeLimit(env, steps) : env;
    }

    /// <summary>The name of <c>gym.make</c>'s own time-limit keyword, which every env takes.</summary>
    public const string MaxEpisodeStepsKwarg = "max_episode_steps";

    private static (JsonObject EnvKwargs, int? Limit) SplitMakeArguments(EnvSpec spec, JsonObject? kwargs)
    {
        if (kwargs is null || !kwargs.ContainsKey(MaxEpisodeStepsKwarg))
        {
            return (kwargs ?? [], null);
        }

        var node = kwargs[MaxEpisodeStepsKwarg];
        var limit = node is JsonValue value && value.TryGetValue<int>(out var steps) && steps > 0
            ? steps
            : throw new ArgumentException($"{spec.Id}'s {MaxEpisodeStepsKwarg} is a positive whole number of steps; got {node?.ToJsonString() ?? "null"}.", nameof(kwargs));
        var rest = new JsonObject();
        foreach (var (key, item) in kwargs)
        {
            if (key != MaxEpisodeStepsKwarg)
            {
                rest[key] = item?.DeepClone();
            }
        }

        return (rest, limit);
    }

    /// <summary>Checks <paramref name="kwargs"/> against what <paramref name="id"/> takes, by making one instance.</summary>
    /// <exception cref="ArgumentException">As <see cref="Make(string, JsonObject?, int?)"/>.</exception>
    public static void CheckKwargs(string id, JsonObject? kwargs) => Make(id, kwargs).Dispose();

    private static IEnv WithKwargs(EnvSpec spec, JsonObject kwargs)
    {
        if (spec.KwargsEntryPoint is null)
        {
            throw new ArgumentException($"{spec.Id} takes no env kwargs but {MaxEpisodeStepsKwarg}; got {string.Join(", ", kwargs.Select(p => p.Key))}.", nameof(kwargs));
        }

        var unknown = kwargs.Select(p => p.Key).Where(k => !spec.KwargNames.Contains(k)).ToArray();
        return unknown.Length > 0
            ? throw new ArgumentException($"{spec.Id} has no env kwarg{(unknown.Length == 1 ? string.Empty : "s")} {string.Join(", ", unknown)}; it takes {string.Join(", ", spec.KwargNames)} and {MaxEpisodeStepsKwarg}.", nameof(kwargs))
            : spec.KwargsEntryPoint(kwargs);
    }
}
