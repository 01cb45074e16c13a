using A2C.Envs.Spaces;
using A2C.Envs.Vector;

namespace A2C.Training;

/// <summary>One vector step at a time into a <see cref="RolloutBuffer"/>, with scratch arrays reused between steps.</summary>
internal sealed class RolloutStepper
{
    private readonly IVectorEnv _env;
    private readonly IPolicy _policy;
    private readonly Normalizer? _normalizer;
    private readonly int[] _discreteActions;
    private readonly float[] _continuousActions;
    private readonly float[] _clipped;
    private readonly float[] _values;
    private readonly float[] _rewards;
    private readonly bool[] _dones;
    private readonly bool _checkSpace;

    public RolloutStepper(IVectorEnv env, IPolicy policy, Normalizer? normalizer)
    {
        _env = env;
        _policy = policy;
        _normalizer = normalizer;
        var n = env.NumEnvs;
        // Discrete, MultiDiscrete and MultiBinary actions are integers: actionSize of them per env.
        Discrete = env.SingleActionSpace is not A2C.Envs.Spaces.Box;
        var actionSize = env.SingleActionSpace.FlatSize;
        _discreteActions = Discrete ? new int[n * actionSize] : [];
        _continuousActions = Discrete ? [] : new float[n * actionSize];
        _clipped = Discrete ? [] : new float[n * actionSize];
        _values = new float[n];
        _rewards = new float[n];
        _dones = new bool[n];
        Current = new float[n * env.ObservationSize];
        _checkSpace = env.SingleObservationSpace.HasIntegerParts();
    }

    public bool Discrete { get; }

    /// <summary>s_t as the policy sees it (normalized when there is a normalizer).</summary>
    public float[] Current { get; private set; }

    public void Start(int? seed, bool resume, long step)
    {
        StartEnvs(seed, resume);
        RequireFinite(step, afterStep: false);
    }

    private void StartEnvs(int? seed, bool resume)
    {
        // Only envs whose state a checkpoint restored can continue; a remote simulator's state
        // was not saved, so it starts from a reset.
        if (resume && _env is A2C.Envs.ISnapshotable)
        {
            Current = _normalizer?.Observations(_env.Observations) ?? (float[])_env.Observations.Clone();
            return;
        }

        _env.Reset(seed);
        Current = _normalizer?.Reset(_env.Observations) ?? (float[])_env.Observations.Clone();
    }

    /// <summary>Throws <see cref="NonFiniteEnvironmentException"/> naming the first env whose observation (or, after a step, reward) is not finite.</summary>
    private void RequireFinite(long step, bool afterStep)
    {
        var env = _env;
        var size = env.ObservationSize;
        var observations = env.Observations;
        for (var i = 0; i < observations.Length; i++)
        {
            if (!float.IsFinite(observations[i]))
            {
                throw new NonFiniteEnvironmentException(i / size, step, $"observation[{i % size}]", observations[i]);
            }
        }

        // Integer parts (Discrete, MultiDiscrete, MultiBinary, uint8 images) are checked whole: a wrong
        // dtype or value would otherwise be one-hot encoded or scaled into nonsense without a word.
        if (_checkSpace)
        {
            for (var i = 0; i < env.NumEnvs; i++)
            {
                if (env.SingleObservationSpace.ObservationViolation(observations.AsSpan(i * size, size)) is { } why)
                {
                    throw new RolloutException(i, step, new InvalidDataException($"its observation {why}."));
                }
            }
        }

        if (!afterStep)
        {
            return;
        }

        for (var i = 0; i < env.NumEnvs; i++)
        {
            if (!float.IsFinite(env.Rewards[i]))
            {
                throw new NonFiniteEnvironmentException(i, step, "reward", env.Rewards[i]);
            }

            if (env.Terminated[i] || env.Truncated[i])
            {
                var final = env.FinalObservations.AsSpan(i * size, size);
                for (var k = 0; k < size; k++)
                {
                    if (!float.IsFinite(final[k]))
                    {
                        throw new NonFiniteEnvironmentException(i, step, $"final observation[{k}]", final[k]);
                    }
                }
            }
        }
    }

    public void Step(RolloutBuffer into, int t, long step)
    {
        var env = _env;
        var n = env.NumEnvs;
        var obsSize = env.ObservationSize;
        _policy.BeginStep(t);
        _policy.Act(Current, n, _discreteActions, _continuousActions, _values);
        Current.CopyTo(into.Observations, t * n * obsSize);
        if (Discrete)
        {
            _discreteActions.CopyTo(into.DiscreteActions, t * _discreteActions.Length);
        }
        else
        {
            _continuousActions.CopyTo(into.ContinuousActions, t * _continuousActions.Length);
        }
        _values.CopyTo(into.Values, t * n);
        RolloutStream.StepWithActions(env, _discreteActions, _continuousActions, _clipped);
        RequireFinite(step, afterStep: true);

        var terminated = into.Terminated.AsSpan(t * n, n);
        var truncated = into.Truncated.AsSpan(t * n, n);
        env.Terminated.CopyTo(terminated);
        env.Truncated.CopyTo(truncated);
        env.Rewards.CopyTo(_rewards, 0);
        if (_normalizer is null)
        {
            env.Observations.CopyTo(Current, 0);
        }
        else
        {
            for (var i = 0; i < n; i++)
            {
                _dones[i] = terminated[i] || truncated[i];
            }

            _normalizer.Step(env.Observations, _rewards, _dones).CopyTo(Current, 0);
        }

        _rewards.CopyTo(into.Rewards, t * n);
        var finalValues = into.FinalValues.AsSpan(t * n, n);
        for (var i = 0; i < n; i++)
        {
            finalValues[i] = 0f;
            if (truncated[i] && !terminated[i])
            {
                ReadOnlySpan<float> final = env.FinalObservations.AsSpan(i * obsSize, obsSize);
                if (_normalizer is not null)
                {
                    final = _normalizer.Observations(final.ToArray());
                }

                _policy.Values(final, 1, finalValues.Slice(i, 1));
            }
        }

        foreach (var episode in env.FinishedEpisodes)
        {
            into.Episodes.Add(episode);
        }

        into.EndStep(t);
    }
}
