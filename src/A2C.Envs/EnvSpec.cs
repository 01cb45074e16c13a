namespace A2C.Envs;

/// <summary>How to make a registered environment, and what is known about it.</summary>
/// <param name="Id">The id, e.g. <c>CartPole-v1</c>.</param>
/// <param name="EntryPoint">Creates a new, unwrapped instance.</param>
/// <param name="MaxEpisodeSteps">Time limit that <see cref="Registry.Make(string, int?)"/> applies (null: none).</param>
/// <param name="RewardThreshold">Mean return at which the task counts as solved (null: none).</param>
/// <param name="Description">One line about the task.</param>
public sealed record EnvSpec(string Id, Func<IEnv> EntryPoint, int? MaxEpisodeSteps, double? RewardThreshold, string Description)
{
    /// <summary>The keyword arguments <c>gym.make</c> takes for this id, by Gymnasium's names (RL Zoo's <c>env_kwargs</c>); empty when it takes none.</summary>
    public IReadOnlyList<string> KwargNames { get; init; } = [];

    /// <summary>Makes an unwrapped instance from keyword arguments whose names are all in <see cref="KwargNames"/>; null when it takes none. A bad value throws an <see cref="ArgumentException"/> naming it.</summary>
    public Func<System.Text.Json.Nodes.JsonObject, IEnv>? KwargsEntryPoint { get; init; }

    /// <summary>The env's action mask (Gymnasium's <c>info["action_mask"]</c>) as a function of an observation; null when it gives none.</summary>
    public ActionMaskFunction? ActionMask { get; init; }
}

/// <summary>Thrown when an environment id is not registered; the message lists the known ids.</summary>
public sealed class UnknownEnvironmentException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="id"/>.</summary>
    /// <param name="id">The id that was asked for.</param>
    /// <param name="known">The registered ids.</param>
    public UnknownEnvironmentException(string id, IEnumerable<string> known)
        : base(BuildMessage(id, known.ToList()))
    {
        Id = id;
    }

    /// <summary>The id that was asked for.</summary>
    public string Id { get; }

    private static string BuildMessage(string id, List<string> known)
    {
        var stem = id.Split("-v")[0];
        var similar = known.Where(k => k.Split("-v")[0].Equals(stem, StringComparison.OrdinalIgnoreCase)).ToList();
        var hint = similar.Count > 0 ? $" Did you mean {string.Join(" or ", similar)}?" : string.Empty;
        return $"unknown environment id '{id}'.{hint} Known ids: {string.Join(", ", known)}.";
    }
}
