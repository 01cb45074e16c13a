using A2C.Envs.Spaces;

namespace A2C.Envs.Vector;

/// <summary>
/// N environments stepped in lockstep, as the rollout stream drives them: flat, env-major arrays
/// that the implementation refills on every <see cref="Reset"/> and <see cref="Step(ReadOnlySpan{int})"/>,
/// with Gymnasium's semantics and same-step auto-reset (an episode that ends is reset within the
/// step; its last observation is kept in <see cref="FinalObservations"/>). Implemented by the
/// in-process <see cref="VectorEnv"/> and by adapters for simulators elsewhere (other threads,
/// other processes).
/// </summary>
public interface IVectorEnv : IDisposable
{
    /// <summary>Number of environments, N.</summary>
    int NumEnvs { get; }

    /// <summary>One environment's observation space.</summary>
    Space SingleObservationSpace { get; }

    /// <summary>One environment's action space.</summary>
    Space SingleActionSpace { get; }

    /// <summary>Floats per observation, O.</summary>
    int ObservationSize { get; }

    /// <summary>N x O: the current observations (after same-step auto-reset).</summary>
    float[] Observations { get; }

    /// <summary>N x O: where an episode ended in the last step, its last observation.</summary>
    float[] FinalObservations { get; }

    /// <summary>N rewards of the last step.</summary>
    float[] Rewards { get; }

    /// <summary>N flags: the episode reached a terminal state in the last step.</summary>
    bool[] Terminated { get; }

    /// <summary>N flags: the episode was truncated in the last step.</summary>
    bool[] Truncated { get; }

    /// <summary>Episodes that ended in the last step, with their return and length.</summary>
    ReadOnlySpan<EpisodeStats> FinishedEpisodes { get; }

    /// <summary>Resets every environment; with a seed, environment i gets seed + i.</summary>
    /// <param name="seed">Base seed, or null to continue the environments' generators.</param>
    void Reset(int? seed = null);

    /// <summary>Steps every environment with its integer action: one each for Discrete, K each for MultiDiscrete, N each for MultiBinary (env-major).</summary>
    /// <param name="actions">N x action size integers.</param>
    void Step(ReadOnlySpan<int> actions);

    /// <summary>Steps every environment with one box action each (N x action size floats).</summary>
    /// <param name="actions">N x D floats, env-major.</param>
    void Step(ReadOnlySpan<float> actions);
}
