using A2C.Envs.Spaces;

namespace A2C.Envs;

/// <summary>
/// Base class of our environments: enforces the reset/step contract, validates actions, and
/// owns the seeded generator. Subclasses implement <see cref="OnReset"/> and one of the
/// <c>OnStep</c> overloads.
/// </summary>
public abstract class Env : IEnv, ISnapshotable
{
    private Rng? _rng;
    private EpisodePhase _phase = EpisodePhase.NotStarted;

    /// <summary>Creates an environment with the given name and spaces.</summary>
    /// <param name="name">Name for messages, e.g. <c>CartPole-v1</c>.</param>
    /// <param name="observationSpace">The observation space.</param>
    /// <param name="actionSpace">The action space (<see cref="Discrete"/>, <see cref="Box"/>, <see cref="MultiDiscrete"/> or <see cref="MultiBinary"/>).</param>
    protected Env(string name, Space observationSpace, Space actionSpace)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(observationSpace);
        ArgumentNullException.ThrowIfNull(actionSpace);
        if (actionSpace is not (Discrete or Box or MultiDiscrete or MultiBinary))
        {
            throw new ArgumentException($"action space must be Discrete, Box, MultiDiscrete or MultiBinary; got {actionSpace}.", nameof(actionSpace));
        }

        Name = name;
        ObservationSpace = observationSpace;
        ActionSpace = actionSpace;
    }

    private enum EpisodePhase
    {
        NotStarted,
        Running,
        Ended,
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public Space ObservationSpace { get; }

    /// <inheritdoc />
    public Space ActionSpace { get; }

    /// <inheritdoc />
    public IEnv Unwrapped => this;

    /// <summary>The generator for reset distributions and any noise; seeded by <see cref="Reset"/>.</summary>
    protected Rng Random => _rng ??= SeedsAsGymnasium ? Rng.NumpyFromEntropy() : Rng.FromEntropy();

    /// <summary>
    /// Whether <see cref="Reset"/> seeds <see cref="Random"/> as Gymnasium seeds <c>np_random</c>
    /// (numpy's PCG64 through SeedSequence), so that a seed starts the episode Gymnasium's env
    /// starts: true for the ports of Gymnasium's envs, false (xoshiro256**) for our own.
    /// </summary>
    protected virtual bool SeedsAsGymnasium => false;

    /// <inheritdoc />
    public void Reset(Span<float> observation, int? seed = null)
    {
        RequireObservationBuffer(observation);
        if (seed is { } s)
        {
            _rng = SeedsAsGymnasium ? Rng.Numpy(s) : new Rng(s);
        }

        OnReset(observation);
        _phase = EpisodePhase.Running;
    }

    /// <inheritdoc />
    public StepResult Step(int action, Span<float> observation)
    {
        RequireRunning();
        RequireObservationBuffer(observation);
        if (ActionSpace is not Discrete discrete)
        {
            throw new ArgumentException($"{Name} has a {ActionSpace} action space; pass a float vector, not the integer {action}.", nameof(action));
        }

        if (!discrete.Contains(action))
        {
            throw new ArgumentOutOfRangeException(nameof(action), action, $"{Name}: action {action} is outside the action space {discrete}.");
        }

        return Finish(OnStep(action, observation));
    }

    /// <inheritdoc />
    public StepResult Step(ReadOnlySpan<float> action, Span<float> observation)
    {
        RequireRunning();
        RequireObservationBuffer(observation);
        if (ActionSpace is not Box box)
        {
            throw new ArgumentException($"{Name} has a {ActionSpace} action space; pass an integer action, not a vector.", nameof(action));
        }

        if (action.Length != box.FlatSize)
        {
            throw new ArgumentException($"{Name}: the action has {action.Length} components; the action space {box} has {box.FlatSize}.", nameof(action));
        }

        foreach (var a in action)
        {
            if (float.IsNaN(a))
            {
                throw new ArgumentException($"{Name}: the action contains NaN.", nameof(action));
            }
        }

        return Finish(OnStep(action, observation));
    }

    /// <inheritdoc />
    public StepResult Step(ReadOnlySpan<int> action, Span<float> observation)
    {
        if (ActionSpace is Discrete && action.Length == 1)
        {
            return Step(action[0], observation);
        }

        RequireRunning();
        RequireObservationBuffer(observation);
        var why = ActionSpace switch
        {
            MultiDiscrete m => m.Violation(action),
            MultiBinary b => b.Violation(action),
            _ => $"has {action.Length} integers, which do not fit the {ActionSpace} action space",
        };
        if (why is not null)
        {
            throw new ArgumentOutOfRangeException(nameof(action), $"{Name}: the action {why}.");
        }

        return Finish(OnStep(action, observation));
    }

    /// <inheritdoc />
    public long[] SaveSnapshot()
    {
        // The generator's kind: 0 none yet, 1 xoshiro256**, 2 numpy's PCG64.
        var data = new List<long> { (long)_phase, _rng is null ? 0 : _rng.IsNumpy ? 2 : 1 };
        data.AddRange(_rng?.SaveSnapshot() ?? new long[6]);
        var extra = SaveExtraState();
        data.Add(extra.Length);
        data.AddRange(extra);
        return data.ToArray();
    }

    /// <inheritdoc />
    public void LoadSnapshot(ReadOnlySpan<long> snapshot)
    {
        var reader = new SnapshotReader(snapshot, Name);
        var phase = reader.Long();
        var generator = reader.Long();
        Span<long> rng = stackalloc long[6];
        for (var i = 0; i < 6; i++)
        {
            rng[i] = reader.Long();
        }

        var extra = reader.Block();
        reader.End();
        if (phase is < 0 or > 2)
        {
            throw new ArgumentException($"{Name}: the snapshot's episode phase {phase} is not valid.", nameof(snapshot));
        }

        if (generator is < 0 or > 2)
        {
            throw new ArgumentException($"{Name}: the snapshot's generator kind {generator} is not valid (0 none, 1 xoshiro256**, 2 numpy's PCG64).", nameof(snapshot));
        }

        LoadExtraState(extra);
        _phase = (EpisodePhase)phase;
        _rng = generator switch
        {
            1 => Rng.FromSnapshot(rng),
            2 => Rng.FromNumpySnapshot(rng),
            _ => null,
        };
    }

    /// <summary>Releases resources; our built-in environments hold none.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Starts a new episode (the generator is already seeded) and writes its first observation.</summary>
    /// <param name="observation">Destination of the observation space's size.</param>
    protected abstract void OnReset(Span<float> observation);

    /// <summary>Applies a valid discrete action. Overridden by environments with a <see cref="Discrete"/> action space.</summary>
    /// <param name="action">An element of the action space.</param>
    /// <param name="observation">Destination of the observation space's size.</param>
    /// <returns>Reward and flags.</returns>
    protected virtual StepResult OnStep(int action, Span<float> observation) =>
        throw new NotSupportedException($"{Name} does not implement discrete actions.");

    /// <summary>Applies a continuous action of the right size (not yet clipped). Overridden by environments with a <see cref="Box"/> action space.</summary>
    /// <param name="action">The action vector.</param>
    /// <param name="observation">Destination of the observation space's size.</param>
    /// <returns>Reward and flags.</returns>
    protected virtual StepResult OnStep(ReadOnlySpan<float> action, Span<float> observation) =>
        throw new NotSupportedException($"{Name} does not implement continuous actions.");

    /// <summary>Applies a valid integer-vector action. Overridden by environments with a <see cref="MultiDiscrete"/> or <see cref="MultiBinary"/> action space.</summary>
    /// <param name="action">An element of the action space.</param>
    /// <param name="observation">Destination of the observation space's size.</param>
    /// <returns>Reward and flags.</returns>
    protected virtual StepResult OnStep(ReadOnlySpan<int> action, Span<float> observation) =>
        throw new NotSupportedException($"{Name} does not implement integer-vector actions.");

    /// <summary>State of the subclass beyond the episode phase and the generator, for snapshots.</summary>
    /// <returns>The numbers; empty for a stateless environment.</returns>
    protected virtual long[] SaveExtraState() => [];

    /// <summary>Restores what <see cref="SaveExtraState"/> saved.</summary>
    /// <param name="state">The numbers.</param>
    protected virtual void LoadExtraState(ReadOnlySpan<long> state)
    {
        if (state.Length != 0)
        {
            throw new ArgumentException($"{Name}: the snapshot holds {state.Length} values of state this environment does not have.", nameof(state));
        }
    }

    /// <summary>Marks the episode as running, e.g. after the physical state was set directly.</summary>
    protected void ContinueEpisode() => _phase = EpisodePhase.Running;

    /// <summary>Releases resources.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }

    private StepResult Finish(StepResult result)
    {
        if (result.Done)
        {
            _phase = EpisodePhase.Ended;
        }

        return result;
    }

    private void RequireRunning()
    {
        switch (_phase)
        {
            case EpisodePhase.NotStarted:
                throw new InvalidOperationException($"{Name}: Step was called before Reset; call Reset first.");
            case EpisodePhase.Ended:
                throw new InvalidOperationException($"{Name}: Step was called after the episode ended (terminated or truncated); call Reset first.");
        }
    }

    private void RequireObservationBuffer(Span<float> observation)
    {
        if (observation.Length != ObservationSpace.FlatSize)
        {
            throw new ArgumentException($"{Name}: the observation buffer has length {observation.Length}; observations have {ObservationSpace.FlatSize} components.", nameof(observation));
        }
    }
}

/// <summary>
/// An environment whose whole physical state is a float64 vector: it can be read, set, and
/// observed, so trajectories can be replayed from a known state.
/// </summary>
public abstract class PhysicalEnv : Env, IHasPhysicalState
{
    private readonly string[] _stateNames;

    /// <summary>Creates the environment with named state components, all zero until reset.</summary>
    /// <param name="name">Name for messages.</param>
    /// <param name="observationSpace">The observation space.</param>
    /// <param name="actionSpace">The action space.</param>
    /// <param name="stateNames">Names of the state's components, in order.</param>
    protected PhysicalEnv(string name, Box observationSpace, Space actionSpace, params string[] stateNames)
        : base(name, observationSpace, actionSpace)
    {
        ArgumentNullException.ThrowIfNull(stateNames);
        _stateNames = (string[])stateNames.Clone();
        State = new double[stateNames.Length];
    }

    /// <inheritdoc />
    public IReadOnlyList<string> StateNames => _stateNames;

    /// <summary>The physical state, float64, updated in place by the dynamics.</summary>
    protected double[] State { get; }

    /// <inheritdoc />
    public double[] GetState() => (double[])State.Clone();

    /// <inheritdoc />
    public void SetState(ReadOnlySpan<double> state)
    {
        if (state.Length != State.Length)
        {
            throw new ArgumentException($"{Name}: the state has {State.Length} components ({string.Join(", ", _stateNames)}); got {state.Length}.", nameof(state));
        }

        for (var i = 0; i < state.Length; i++)
        {
            if (!double.IsFinite(state[i]))
            {
                throw new ArgumentException($"{Name}: state component {_stateNames[i]} is {state[i]}; it must be finite.", nameof(state));
            }
        }

        state.CopyTo(State);
        ContinueEpisode();
    }

    /// <inheritdoc />
    public abstract void Observe(Span<float> observation);

    /// <inheritdoc />
    protected override long[] SaveExtraState() => State.Select(BitConverter.DoubleToInt64Bits).ToArray();

    /// <inheritdoc />
    protected override void LoadExtraState(ReadOnlySpan<long> state)
    {
        if (state.Length != State.Length)
        {
            throw new ArgumentException($"{Name}: the snapshot's state has {state.Length} components; this environment has {State.Length}.", nameof(state));
        }

        for (var i = 0; i < state.Length; i++)
        {
            State[i] = BitConverter.Int64BitsToDouble(state[i]);
        }
    }
}
