using A2C.Envs.Vector;

namespace A2C.Training;

/// <summary>Deterministic evaluation, as Stable-Baselines3's evaluate_policy: episodes spread evenly over envs.</summary>
internal static class Evaluation
{
    /// <summary>
    /// Steps after which an evaluation episode counts as endless: a deterministic policy can walk
    /// in circles forever in an env Gymnasium registers without a time limit (CliffWalking).
    /// </summary>
    public const int EpisodeStepCap = 100_000;

    /// <summary>How many envs evaluate <paramref name="episodes"/> episodes side by side.</summary>
    public static int EnvsFor(int episodes) => Math.Min(episodes, 16);

    /// <summary>The episodes env <paramref name="i"/> of <paramref name="n"/> owes.</summary>
    public static int Share(int episodes, int n, int i) => episodes / n + (i < episodes % n ? 1 : 0);

    public static EvalResult Run(Agent agent, string envId, string? envKwargs, int episodes, int seed, Normalizer? normalizer, bool deterministic)
    {
        // Evaluation sees observations normalized with the frozen training statistics.
        var wasTraining = normalizer?.Training ?? false;
        if (normalizer is not null)
        {
            normalizer.Training = false;
        }

        try
        {
            return RunEpisodes(agent, envId, envKwargs, episodes, seed, normalizer, deterministic);
        }
        finally
        {
            if (normalizer is not null)
            {
                normalizer.Training = wasTraining;
            }
        }
    }

    private static EvalResult RunEpisodes(Agent agent, string envId, string? envKwargs, int episodes, int seed, Normalizer? normalizer, bool deterministic)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(episodes, 1);
        using var env = EnvFactory.Create(envId, EnvsFor(episodes), kwargs: envKwargs);
        var n = env.NumEnvs;
        // Each env owes its share, so short episodes do not crowd out long ones.
        var targets = Enumerable.Range(0, n).Select(i => Share(episodes, n, i)).ToArray();
        var counts = new int[n];
        var returns = new List<double>();
        var actionSize = env.SingleActionSpace.FlatSize;
        var discreteActions = new int[n * actionSize];
        var continuousActions = new float[n * actionSize];
        var clipped = new float[n * actionSize];
        var values = new float[n];
        var lengths = new int[n];
        env.Reset(seed);
        while (returns.Count < episodes)
        {
            var observations = normalizer?.Observations(env.Observations) ?? env.Observations;
            agent.Act(observations, n, deterministic, discreteActions, continuousActions, values);
            RolloutStream.StepWithActions(env, discreteActions, continuousActions, clipped);
            for (var i = 0; i < n; i++)
            {
                // An env that has played its share may wander on: only an episode still owed counts.
                if (++lengths[i] > EpisodeStepCap && counts[i] < targets[i])
                {
                    throw new EndlessEpisodeException(envId, EpisodeStepCap);
                }
            }

            foreach (var episode in env.FinishedEpisodes)
            {
                lengths[episode.Env] = 0;
                if (counts[episode.Env] < targets[episode.Env])
                {
                    counts[episode.Env]++;
                    returns.Add(episode.Return);
                }
            }
        }

        return new EvalResult(returns);
    }
}
