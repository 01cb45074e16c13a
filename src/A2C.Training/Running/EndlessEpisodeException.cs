namespace A2C.Training;

/// <summary>An evaluation episode ran past <see cref="Steps"/> steps without ending: the env has no time limit and the policy never reaches an end.</summary>
public sealed class EndlessEpisodeException : Exception
{
    /// <summary>Creates the error for <paramref name="envId"/>.</summary>
    public EndlessEpisodeException(string envId, int steps)
        : base($"an evaluation episode of {envId} ran {steps:N0} steps without ending; the env has no time limit and this policy does not reach an end. Give it one with --env-kwargs '{{\"max_episode_steps\": 200}}'.")
    {
        EnvId = envId;
        Steps = steps;
    }

    /// <summary>The env evaluated.</summary>
    public string EnvId { get; }

    /// <summary>The cap it ran past.</summary>
    public int Steps { get; }
}
