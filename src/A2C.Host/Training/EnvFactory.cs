using A2C.Envs.Vector;

namespace A2C.Host.Training;

/// <summary>Makes the vector env an env id names: a registered id in this process.</summary>
public static class EnvFactory
{
    /// <summary>Creates <paramref name="numEnvs"/> envs of <paramref name="id"/>.</summary>
    /// <param name="id">A registered id such as <c>CartPole-v1</c>.</param>
    /// <param name="numEnvs">Number of envs.</param>
    /// <returns>The vector env; the caller disposes it.</returns>
    public static IVectorEnv Create(string id, int numEnvs) => VectorEnv.Make(id, numEnvs);
}
