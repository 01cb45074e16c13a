using A2C.Envs.Spaces;

namespace A2C.Envs;

/// <summary>What one step of an environment returned, besides the observation it wrote.</summary>
/// <param name="Reward">The reward for the transition.</param>
/// <param name="Terminated">The episode reached a terminal state of the task: nothing is bootstrapped after it.</param>
/// <param name="Truncated">The episode was cut short (e.g. by a time limit) in a non-terminal state.</param>
public readonly record struct StepResult(double Reward, bool Terminated, bool Truncated)
{
    /// <summary>The episode is over, either way: the next call must be a reset.</summary>
    public bool Done => Terminated || Truncated;
}

/// <summary>
/// An environment with Gymnasium's conventions: <c>Reset(seed)</c>, <c>Step(action)</c> returning reward,
/// terminated and truncated, and observation and action spaces. Observations are float32 vectors
/// written into caller-owned buffers, so stepping allocates nothing.
/// </summary>
/// <remarks>
/// Stepping before the first reset, or after an episode ended, is an <see cref="InvalidOperationException"/>.
/// A discrete action outside the action space is an <see cref="ArgumentOutOfRangeException"/>; an action of
/// the wrong kind (discrete for a box space or the reverse) is an <see cref="ArgumentException"/>.
/// Continuous actions are clipped to the action box where the environment's dynamics say so.
/// </remarks>
public interface IEnv : IDisposable
{
    /// <summary>A name for messages, e.g. <c>CartPole-v1</c>.</summary>
    string Name { get; }

    /// <summary>The observations this environment produces, written in the space's flat layout (see <see cref="Space"/>).</summary>
    Space ObservationSpace { get; }

    /// <summary>The actions it accepts: <see cref="Discrete"/>, <see cref="Box"/>, <see cref="MultiDiscrete"/> or <see cref="MultiBinary"/>.</summary>
    Space ActionSpace { get; }

    /// <summary>The innermost environment, below any wrappers (Gymnasium's <c>env.unwrapped</c>).</summary>
    IEnv Unwrapped { get; }

    /// <summary>Starts an episode and writes its first observation.</summary>
    /// <param name="observation">Destination, of length <c>ObservationSpace.FlatSize</c>.</param>
    /// <param name="seed">Reseeds the environment's generator; null continues its stream (or seeds from entropy on first use).</param>
    void Reset(Span<float> observation, int? seed = null);

    /// <summary>Applies a discrete action and writes the next observation.</summary>
    /// <param name="action">An element of the <see cref="Discrete"/> action space.</param>
    /// <param name="observation">Destination, of length <c>ObservationSpace.FlatSize</c>.</param>
    /// <returns>Reward and episode flags.</returns>
    StepResult Step(int action, Span<float> observation);

    /// <summary>Applies a continuous action and writes the next observation.</summary>
    /// <param name="action">A vector of the <see cref="Box"/> action space's size.</param>
    /// <param name="observation">Destination, of length <c>ObservationSpace.FlatSize</c>.</param>
    /// <returns>Reward and episode flags.</returns>
    StepResult Step(ReadOnlySpan<float> action, Span<float> observation);

    /// <summary>
    /// Applies an integer-vector action: K integers for a <see cref="MultiDiscrete"/> space, N zeros and
    /// ones for a <see cref="MultiBinary"/> one, or one integer for a <see cref="Discrete"/> one (which
    /// this default passes to <see cref="Step(int, Span{float})"/>, so environments with discrete
    /// actions need not implement it).
    /// </summary>
    /// <param name="action">The action's integers.</param>
    /// <param name="observation">Destination, of length <c>ObservationSpace.FlatSize</c>.</param>
    /// <returns>Reward and episode flags.</returns>
    StepResult Step(ReadOnlySpan<int> action, Span<float> observation) =>
        ActionSpace is Discrete && action.Length == 1
            ? Step(action[0], observation)
            : throw new ArgumentException($"{Name} has a {ActionSpace} action space; an integer vector of {action.Length} values does not fit it.", nameof(action));
}

/// <summary>An environment whose physical state can be read and set (Gymnasium's <c>env.unwrapped.state</c>).</summary>
public interface IHasPhysicalState
{
    /// <summary>Names of the state's components, in order, e.g. <c>x, x_dot, theta, theta_dot</c>.</summary>
    IReadOnlyList<string> StateNames { get; }

    /// <summary>A copy of the current physical state, in float64.</summary>
    /// <returns>The state vector.</returns>
    double[] GetState();

    /// <summary>
    /// Sets the physical state and continues the episode from it, so a trajectory can be replayed
    /// from a known state. The values must be finite and as many as <see cref="StateNames"/>.
    /// </summary>
    /// <param name="state">The new state.</param>
    void SetState(ReadOnlySpan<double> state);

    /// <summary>Writes the observation of the current state.</summary>
    /// <param name="observation">Destination, of the observation space's size.</param>
    void Observe(Span<float> observation);
}

/// <summary>A transition as new arrays, for code where convenience matters more than allocation.</summary>
/// <param name="Observation">The observation after the step.</param>
/// <param name="Reward">The reward.</param>
/// <param name="Terminated">The task reached a terminal state.</param>
/// <param name="Truncated">The episode was cut short.</param>
public sealed record Transition(float[] Observation, double Reward, bool Terminated, bool Truncated);

/// <summary>Allocating conveniences over <see cref="IEnv"/>, shaped like Gymnasium's Python API.</summary>
public static class EnvExtensions
{
    /// <summary>Starts an episode and returns its first observation as a new array.</summary>
    /// <param name="env">The environment.</param>
    /// <param name="seed">Optional seed.</param>
    /// <returns>The first observation.</returns>
    public static float[] Reset(this IEnv env, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(env);
        var observation = new float[env.ObservationSpace.FlatSize];
        env.Reset(observation, seed);
        return observation;
    }

    /// <summary>Applies a discrete action; returns the transition with a new observation array.</summary>
    /// <param name="env">The environment.</param>
    /// <param name="action">The action.</param>
    /// <returns>The transition.</returns>
    public static Transition Step(this IEnv env, int action)
    {
        ArgumentNullException.ThrowIfNull(env);
        var observation = new float[env.ObservationSpace.FlatSize];
        var r = env.Step(action, observation);
        return new Transition(observation, r.Reward, r.Terminated, r.Truncated);
    }

    /// <summary>Applies a continuous action; returns the transition with a new observation array.</summary>
    /// <param name="env">The environment.</param>
    /// <param name="action">The action vector.</param>
    /// <returns>The transition.</returns>
    public static Transition Step(this IEnv env, float[] action)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(action);
        var observation = new float[env.ObservationSpace.FlatSize];
        var r = env.Step(action.AsSpan(), observation);
        return new Transition(observation, r.Reward, r.Terminated, r.Truncated);
    }

    /// <summary>Applies an integer-vector action (MultiDiscrete, MultiBinary); returns the transition with a new observation array.</summary>
    /// <param name="env">The environment.</param>
    /// <param name="action">The action's integers.</param>
    /// <returns>The transition.</returns>
    public static Transition Step(this IEnv env, int[] action)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(action);
        var observation = new float[env.ObservationSpace.FlatSize];
        var r = env.Step(action.AsSpan(), observation);
        return new Transition(observation, r.Reward, r.Terminated, r.Truncated);
    }

    /// <summary>The physical state interface of the innermost environment, or null when it has none.</summary>
    /// <param name="env">The (possibly wrapped) environment.</param>
    /// <returns>The state accessor, or null.</returns>
    public static IHasPhysicalState? PhysicalState(this IEnv env)
    {
        ArgumentNullException.ThrowIfNull(env);
        return env.Unwrapped as IHasPhysicalState;
    }
}
