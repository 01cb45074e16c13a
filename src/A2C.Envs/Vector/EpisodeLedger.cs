namespace A2C.Envs.Vector;

/// <summary>
/// The running return and length of each of N envs' episodes, and the episodes that ended in the
/// last step: the bookkeeping every <see cref="IVectorEnv"/> keeps for <see cref="IVectorEnv.FinishedEpisodes"/>.
/// Allocation-free after construction.
/// </summary>
internal sealed class EpisodeLedger
{
    private readonly EpisodeStats[] _finished;
    private int _finishedCount;

    public EpisodeLedger(int numEnvs)
    {
        Returns = new double[numEnvs];
        Lengths = new int[numEnvs];
        _finished = new EpisodeStats[numEnvs];
    }

    /// <summary>Running return of each env's episode (saved in snapshots).</summary>
    public double[] Returns { get; }

    /// <summary>Running length of each env's episode (saved in snapshots).</summary>
    public int[] Lengths { get; }

    /// <summary>Episodes that ended in the last step.</summary>
    public ReadOnlySpan<EpisodeStats> Finished => _finished.AsSpan(0, _finishedCount);

    /// <summary>Every episode starts anew (after a reset).</summary>
    public void Clear()
    {
        Array.Clear(Returns);
        Array.Clear(Lengths);
        _finishedCount = 0;
    }

    /// <summary>A new step begins: no episode has ended in it yet.</summary>
    public void BeginStep() => _finishedCount = 0;

    /// <summary>Counts env <paramref name="env"/>'s reward; when its episode ended, records it and starts the next.</summary>
    /// <returns>Whether the episode ended.</returns>
    public bool Add(int env, double reward, bool terminated, bool truncated)
    {
        Returns[env] += reward;
        Lengths[env]++;
        if (!terminated && !truncated)
        {
            return false;
        }

        _finished[_finishedCount++] = new EpisodeStats(env, Returns[env], Lengths[env], terminated);
        Returns[env] = 0;
        Lengths[env] = 0;
        return true;
    }
}
