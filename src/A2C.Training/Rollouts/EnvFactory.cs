using System.Text.Json.Nodes;
using A2C.Envs;
using A2C.Envs.Remote;
using A2C.Envs.Vector;

namespace A2C.Training;

/// <summary>Makes the vector env an env id names: a registered id in this process, or <c>grpc://HOST:PORT</c> for a simulator served over the environment protocol.</summary>
public static class EnvFactory
{
    /// <summary>Creates <paramref name="numEnvs"/> envs of <paramref name="id"/>, or connects to the server it names (which decides the number of envs).</summary>
    /// <param name="id">A registered id such as <c>CartPole-v1</c>, or <c>grpc://HOST:PORT</c>.</param>
    /// <param name="numEnvs">Number of envs (ignored for a server).</param>
    /// <param name="remote">Deadlines and limits for a server.</param>
    /// <param name="stepTimeout">For in-process envs: when set, every reset and step runs under this time limit (<see cref="WatchdogVectorEnv"/>).</param>
    /// <returns>The vector env; the caller disposes it.</returns>
    /// <param name="kwargs">The env's keyword arguments as a JSON object (<see cref="A2COptions.EnvKwargs"/>); null or "{}" for none. A server makes its own envs, so it takes none.</param>
    public static IVectorEnv Create(string id, int numEnvs, RemoteEnvOptions? remote = null, TimeSpan? stepTimeout = null, string? kwargs = null)
    {
        var parsed = Kwargs(kwargs);
        if (RemoteVectorEnv.IsRemote(id))
        {
            return parsed is null ? RemoteVectorEnv.Connect(id, remote) : throw new ArgumentException($"{id} is served: its server makes the env, so env kwargs go to a2c serve, not here.", nameof(kwargs));
        }

        var local = VectorEnv.Make(id, numEnvs, parsed);
        return stepTimeout is { } limit && limit > TimeSpan.Zero ? new WatchdogVectorEnv(local, limit) : local;
    }

    /// <summary>One env of <paramref name="id"/> made with <paramref name="kwargs"/> (JSON object text, or null), with its time limit.</summary>
    public static IEnv CreateOne(string id, string? kwargs) => Registry.Make(id, Kwargs(kwargs));

    /// <summary>The kwargs object, or null for none.</summary>
    internal static JsonObject? Kwargs(string? kwargs) =>
        kwargs is null || JsonNode.Parse(kwargs) is not JsonObject { Count: > 0 } o ? null : o;

    /// <summary>The registration of <paramref name="env"/>: the registry's for an in-process env, the server's spec for a remote one.</summary>
    /// <param name="id">The env id.</param>
    /// <param name="env">The env made from it.</param>
    /// <returns>Id, time limit and reward threshold.</returns>
    public static EnvSpec Spec(string id, IVectorEnv env) => env is RemoteVectorEnv remote
        ? new EnvSpec(id, () => throw new NotSupportedException($"{id} is served by another process; connect with EnvFactory.Create."), remote.MaxEpisodeSteps, remote.RewardThreshold, $"{remote.EnvId} served at {id}")
        : Registry.Spec(id);
}
