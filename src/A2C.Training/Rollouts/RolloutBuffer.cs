using A2C.Envs.Vector;

namespace A2C.Training;

/// <summary>
/// n_steps consecutive vector steps of N envs, time-major (index <c>t * Envs + e</c>, times the
/// observation or action size where there is one): what the learner reads. The stream made by
/// <see cref="RolloutStream.CreateRollouts"/> refills one buffer for every rollout, so a subscriber
/// must use it (or copy it) within OnNext.
/// </summary>
public sealed class RolloutBuffer
{
    /// <summary>Allocates a buffer for <paramref name="steps"/> steps of <paramref name="envs"/> envs.</summary>
    /// <param name="steps">Vector steps per rollout (n_steps).</param>
    /// <param name="envs">Number of envs.</param>
    /// <param name="observationSize">Floats per observation.</param>
    /// <param name="actionSize">Discrete: 1. Box: floats per action.</param>
    /// <param name="discrete">Discrete or box actions.</param>
    public RolloutBuffer(int steps, int envs, int observationSize, int actionSize, bool discrete)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(envs, 1);
        Steps = steps;
        Envs = envs;
        ObservationSize = observationSize;
        Discrete = discrete;
        var total = steps * envs;
        Observations = new float[total * observationSize];
        DiscreteActions = discrete ? new int[total] : [];
        ContinuousActions = discrete ? [] : new float[total * actionSize];
        Values = new float[total];
        Rewards = new float[total];
        Terminated = new bool[total];
        Truncated = new bool[total];
        FinalValues = new float[total];
        NextObservations = new float[envs * observationSize];
    }

    /// <summary>Vector steps (n_steps).</summary>
    public int Steps { get; }

    /// <summary>Number of envs.</summary>
    public int Envs { get; }

    /// <summary>Floats per observation.</summary>
    public int ObservationSize { get; }

    /// <summary>Whether actions are discrete.</summary>
    public bool Discrete { get; }

    /// <summary>Index of the first vector step since the stream started.</summary>
    public long FirstStep { get; internal set; }

    /// <summary>s_t at which the actions were taken.</summary>
    public float[] Observations { get; }

    /// <summary>a_t for discrete envs, else empty.</summary>
    public int[] DiscreteActions { get; }

    /// <summary>a_t for box envs (unclipped samples), else empty.</summary>
    public float[] ContinuousActions { get; }

    /// <summary>V(s_t) at collection time.</summary>
    public float[] Values { get; }

    /// <summary>r_t.</summary>
    public float[] Rewards { get; }

    /// <summary>Which steps terminated their episode.</summary>
    public bool[] Terminated { get; }

    /// <summary>Which steps truncated their episode.</summary>
    public bool[] Truncated { get; }

    /// <summary>V(final observation) where truncated, else 0.</summary>
    public float[] FinalValues { get; }

    /// <summary>s_T after the last step (after same-step auto-reset), for bootstrapping.</summary>
    public float[] NextObservations { get; }

    /// <summary>Episodes that ended during the rollout.</summary>
    public List<EpisodeStats> Episodes { get; } = [];

    /// <summary>Copies <paramref name="rollout"/>'s step batches in.</summary>
    /// <param name="rollout">Exactly <see cref="Steps"/> batches of <see cref="Envs"/> envs.</param>
    /// <exception cref="ArgumentException">The rollout does not fit the buffer.</exception>
    public void CopyFrom(IList<StepBatch> rollout)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        if (rollout.Count != Steps || rollout.Any(b => b.Rewards.Length != Envs))
        {
            throw new ArgumentException($"the rollout has {rollout.Count} steps of {string.Join("/", rollout.Select(b => b.Rewards.Length).Distinct())} envs; this buffer holds {Steps} steps of {Envs}.", nameof(rollout));
        }

        var n = Envs;
        Episodes.Clear();
        FirstStep = rollout[0].Step;
        for (var t = 0; t < Steps; t++)
        {
            var b = rollout[t];
            b.Observations.CopyTo(Observations, t * n * ObservationSize);
            if (Discrete)
            {
                b.DiscreteActions.CopyTo(DiscreteActions, t * n);
            }
            else
            {
                b.ContinuousActions.CopyTo(ContinuousActions, t * b.ContinuousActions.Length);
            }
            b.Values.CopyTo(Values, t * n);
            b.Rewards.CopyTo(Rewards, t * n);
            b.Terminated.CopyTo(Terminated, t * n);
            b.Truncated.CopyTo(Truncated, t * n);
            b.FinalValues.CopyTo(FinalValues, t * n);
            Episodes.AddRange(b.FinishedEpisodes);
        }

        rollout[^1].NextObservations.CopyTo(NextObservations, 0);
    }

    /// <summary>Step <paramref name="t"/> as a new, independent <see cref="StepBatch"/>.</summary>
    internal StepBatch ToStepBatch(int t, float[] nextObservations)
    {
        var n = Envs;
        var actionSize = Discrete ? 0 : ContinuousActions.Length / (Steps * n);
        return new StepBatch(
            FirstStep + t,
            Observations.AsSpan(t * n * ObservationSize, n * ObservationSize).ToArray(),
            Discrete ? DiscreteActions.AsSpan(t * n, n).ToArray() : [],
            Discrete ? [] : ContinuousActions.AsSpan(t * n * actionSize, n * actionSize).ToArray(),
            Values.AsSpan(t * n, n).ToArray(),
            Rewards.AsSpan(t * n, n).ToArray(),
            Terminated.AsSpan(t * n, n).ToArray(),
            Truncated.AsSpan(t * n, n).ToArray(),
            FinalValues.AsSpan(t * n, n).ToArray(),
            nextObservations,
            [.. Episodes]);
    }
}
