namespace A2C.Envs.Vector;

/// <summary>
/// What every <see cref="IVectorEnv"/> hands out after a reset or step, allocated once: the
/// observations (env-major), the final observations of episodes that ended, rewards, the two end
/// flags and the <see cref="EpisodeLedger"/> behind <see cref="IVectorEnv.FinishedEpisodes"/>.
/// </summary>
internal sealed class StepBuffers
{
    public StepBuffers(int numEnvs, int observationSize)
    {
        Observations = new float[numEnvs * observationSize];
        FinalObservations = new float[numEnvs * observationSize];
        Rewards = new float[numEnvs];
        Terminated = new bool[numEnvs];
        Truncated = new bool[numEnvs];
        Episodes = new EpisodeLedger(numEnvs);
    }

    public float[] Observations { get; }

    public float[] FinalObservations { get; }

    public float[] Rewards { get; }

    public bool[] Terminated { get; }

    public bool[] Truncated { get; }

    public EpisodeLedger Episodes { get; }

    /// <summary>After a reset: no reward and no end flag yet, and every episode starts anew.</summary>
    public void Restart()
    {
        Array.Clear(Rewards);
        Array.Clear(Terminated);
        Array.Clear(Truncated);
        Episodes.Clear();
    }
}
