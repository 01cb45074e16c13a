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
    public static IVectorEnv Create(string id, int numEnvs, RemoteEnvOptions? remote = null, TimeSpan? stepTimeout = null)
    {
        if (RemoteVectorEnv.IsRemote(id))
        {
            return RemoteVectorEnv.Connect(id, remote);
        }

        var local = VectorEnv.Make(id, numEnvs);
        return stepTimeout is { } limit && limit > TimeSpan.Zero ? new WatchdogVectorEnv(local, limit) : local;
    }

    /// <summary>The registration of <paramref name="env"/>: the registry's for an in-process env, the server's spec for a remote one.</summary>
    /// <param name="id">The env id.</param>
    /// <param name="env">The env made from it.</param>
    /// <returns>Id, time limit and reward threshold.</returns>
    public static EnvSpec Spec(string id, IVectorEnv env) => env is RemoteVectorEnv remote
        ? new EnvSpec(id, () => throw new NotSupportedException($"{id} is served by another process; connect with EnvFactory.Create."), remote.MaxEpisodeSteps, remote.RewardThreshold, $"{remote.EnvId} served at {id}")
        : Registry.Spec(id);
}
