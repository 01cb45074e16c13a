using System.Collections;
using System.Runtime.InteropServices;
using A2C.Envs.Vector;

namespace A2C.Training;

/// <summary>
/// n_steps consecutive vector steps of N envs, time-major (index <c>t * Envs + e</c>, times the
/// observation or action size where there is one): the one shape of a rollout, which the learner
/// reads. As a list it is its steps, each a <see cref="StepBatch"/> view of its part of the arrays.
/// The stream made by <see cref="RolloutStream.CreateRollouts"/> refills one buffer for every
/// rollout, so a subscriber must use it (or copy it) within OnNext; those of
/// <see cref="RolloutStream.Create"/> and <see cref="StepStream.Rollouts"/> are new each time.
/// </summary>
public sealed class RolloutBuffer : IReadOnlyList<StepBatch>
{
    // Episodes.Count after each step, so that each step's episodes are a slice of Episodes.
    private readonly int[] _episodesAfter;

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
        ActionSize = actionSize;
        var total = steps * envs;
        Observations = new float[total * observationSize];
        DiscreteActions = discrete ? new int[total * actionSize] : [];
        ContinuousActions = discrete ? [] : new float[total * actionSize];
        Values = new float[total];
        Rewards = new float[total];
        Terminated = new bool[total];
        Truncated = new bool[total];
        FinalValues = new float[total];
        NextObservations = new float[envs * observationSize];
        _episodesAfter = new int[steps];
    }

    /// <summary>Vector steps (n_steps).</summary>
    public int Steps { get; }

    /// <summary>Number of envs.</summary>
    public int Envs { get; }

    /// <summary>Floats per observation.</summary>
    public int ObservationSize { get; }

    /// <summary>Whether actions are discrete.</summary>
    public bool Discrete { get; }

    /// <summary>Discrete: 1. Box: floats per action.</summary>
    public int ActionSize { get; }

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

    /// <summary>Episodes that ended during the rollout, in order.</summary>
    public List<EpisodeStats> Episodes { get; } = [];

    /// <summary>Number of steps (<see cref="Steps"/>).</summary>
    public int Count => Steps;

    /// <summary>Step <paramref name="t"/> of the rollout, as a view of this buffer (not a copy).</summary>
    /// <param name="t">0 to Steps - 1.</param>
    /// <returns>The view.</returns>
    public StepBatch this[int t]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(t);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(t, Steps);
            return new StepBatch(this, t);
        }
    }

    /// <summary>The steps in order, each a view of this buffer.</summary>
    /// <returns>The enumerator.</returns>
    public IEnumerator<StepBatch> GetEnumerator()
    {
        for (var t = 0; t < Steps; t++)
        {
            yield return new StepBatch(this, t);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Episodes that ended in step <paramref name="t"/> (all that are not placed in an earlier step go to the last).</summary>
    internal ReadOnlySpan<EpisodeStats> EpisodesOf(int t)
    {
        var all = CollectionsMarshal.AsSpan(Episodes);
        var start = t == 0 ? 0 : Math.Min(_episodesAfter[t - 1], all.Length);
        var end = t == Steps - 1 ? all.Length : Math.Min(_episodesAfter[t], all.Length);
        return all[start..Math.Max(start, end)];
    }

    /// <summary>Starts refilling the buffer with the rollout whose first vector step is <paramref name="firstStep"/>.</summary>
    internal void Begin(long firstStep)
    {
        FirstStep = firstStep;
        Episodes.Clear();
    }

    /// <summary>Marks the end of step <paramref name="t"/>: the episodes added so far ended in it or before.</summary>
    internal void EndStep(int t) => _episodesAfter[t] = Episodes.Count;
}
