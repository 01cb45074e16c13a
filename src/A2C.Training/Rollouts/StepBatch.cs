using A2C.Envs.Vector;

namespace A2C.Training;

/// <summary>One lockstep step of all N envs, as the rollout stream pushes it.</summary>
/// <param name="Step">Index of this vector step since the stream started.</param>
/// <param name="Observations">s_t, N x obs, at which the actions were taken.</param>
/// <param name="DiscreteActions">a_t for discrete envs (length N), else empty.</param>
/// <param name="ContinuousActions">a_t for box envs (N x dims, unclipped samples), else empty.</param>
/// <param name="Values">V(s_t) at collection time (length N).</param>
/// <param name="Rewards">r_t (length N).</param>
/// <param name="Terminated">Which envs terminated.</param>
/// <param name="Truncated">Which envs were truncated.</param>
/// <param name="FinalValues">V(final observation) where truncated, else 0.</param>
/// <param name="NextObservations">s_{t+1} after same-step auto-reset (N x obs).</param>
/// <param name="FinishedEpisodes">Episodes that ended in this step.</param>
public sealed record StepBatch(
    long Step,
    float[] Observations,
    int[] DiscreteActions,
    float[] ContinuousActions,
    float[] Values,
    float[] Rewards,
    bool[] Terminated,
    bool[] Truncated,
    float[] FinalValues,
    float[] NextObservations,
    EpisodeStats[] FinishedEpisodes);
