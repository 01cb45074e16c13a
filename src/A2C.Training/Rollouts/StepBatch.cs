using A2C.Envs.Vector;

namespace A2C.Training;

/// <summary>
/// One lockstep step of all N envs, as the rollout stream pushes it: a view of step
/// <see cref="Index"/> of a <see cref="RolloutBuffer"/>, not a copy. Each field is that step's
/// slice of the buffer's time-major arrays, so it reads what the buffer holds now: the elements of
/// <see cref="RolloutStream.Create"/> and the steps of <see cref="StepStream.Rollouts"/> are views of
/// buffers of their own, while those of a buffer from <see cref="RolloutStream.CreateRollouts"/>
/// change when the stream refills it.
/// </summary>
public sealed class StepBatch
{
    internal StepBatch(RolloutBuffer rollout, int index)
    {
        Rollout = rollout;
        Index = index;
    }

    /// <summary>The rollout this step belongs to.</summary>
    public RolloutBuffer Rollout { get; }

    /// <summary>Position of this step in <see cref="Rollout"/> (t).</summary>
    public int Index { get; }

    /// <summary>Index of this vector step since the stream started.</summary>
    public long Step => Rollout.FirstStep + Index;

    /// <summary>s_t, N x obs, at which the actions were taken.</summary>
    public ReadOnlySpan<float> Observations => Observation(Rollout.Observations, Index);

    /// <summary>a_t for discrete envs (length N), else empty.</summary>
    public ReadOnlySpan<int> DiscreteActions =>
        Rollout.Discrete ? Rollout.DiscreteActions.AsSpan(Index * Rollout.Envs * Rollout.ActionSize, Rollout.Envs * Rollout.ActionSize) : default;

    /// <summary>a_t for box envs (N x dims, unclipped samples), else empty.</summary>
    public ReadOnlySpan<float> ContinuousActions
    {
        get
        {
            var width = Rollout.Envs * Rollout.ActionSize;
            return Rollout.Discrete ? default : Rollout.ContinuousActions.AsSpan(Index * width, width);
        }
    }

    /// <summary>V(s_t) at collection time (length N).</summary>
    public ReadOnlySpan<float> Values => PerEnv(Rollout.Values);

    /// <summary>r_t (length N).</summary>
    public ReadOnlySpan<float> Rewards => PerEnv(Rollout.Rewards);

    /// <summary>Which envs terminated.</summary>
    public ReadOnlySpan<bool> Terminated => PerEnv(Rollout.Terminated);

    /// <summary>Which envs were truncated.</summary>
    public ReadOnlySpan<bool> Truncated => PerEnv(Rollout.Truncated);

    /// <summary>V(final observation) where truncated, else 0.</summary>
    public ReadOnlySpan<float> FinalValues => PerEnv(Rollout.FinalValues);

    /// <summary>s_{t+1} after same-step auto-reset (N x obs): the next step's s_t, or the rollout's last observations.</summary>
    public ReadOnlySpan<float> NextObservations =>
        Index + 1 < Rollout.Steps ? Observation(Rollout.Observations, Index + 1) : Rollout.NextObservations;

    /// <summary>Episodes that ended in this step.</summary>
    public ReadOnlySpan<EpisodeStats> FinishedEpisodes => Rollout.EpisodesOf(Index);

    private ReadOnlySpan<T> PerEnv<T>(T[] array) => array.AsSpan(Index * Rollout.Envs, Rollout.Envs);

    private ReadOnlySpan<float> Observation(float[] observations, int t)
    {
        var width = Rollout.Envs * Rollout.ObservationSize;
        return observations.AsSpan(t * width, width);
    }
}
