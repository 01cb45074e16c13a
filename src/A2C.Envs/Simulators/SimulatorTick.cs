using A2C.Envs.Spaces;

namespace A2C.Envs.Simulators;

/// <summary>
/// One state a simulator publishes: its observation and, when it answers an action, the reward
/// and episode flags of that transition. A tick that answers a reset request starts an episode:
/// its reward is ignored and its flags must be false.
/// </summary>
/// <param name="Observation">The observation, a new array per tick (readers keep it; the simulator must not write to it afterwards).</param>
/// <param name="Reward">The reward of the transition.</param>
/// <param name="Terminated">The episode reached a terminal state: nothing is bootstrapped after it.</param>
/// <param name="Truncated">The episode was cut short (e.g. by a time limit) in a non-terminal state.</param>
public sealed record SimulatorTick(float[] Observation, double Reward = 0, bool Terminated = false, bool Truncated = false)
{
    /// <summary>
    /// A tick whose observation is a <see cref="Dict"/> space's element, built from one flat vector per
    /// key (<see cref="Dict.Flatten"/>): the keys in the space's order, so simulator authors need not
    /// know the layout.
    /// </summary>
    /// <param name="space">The observation space.</param>
    /// <param name="parts">One flat vector per key of <paramref name="space"/>, none missing, none extra.</param>
    /// <param name="reward">The reward of the transition.</param>
    /// <param name="terminated">The episode reached a terminal state.</param>
    /// <param name="truncated">The episode was cut short.</param>
    /// <returns>The tick, with a new observation array.</returns>
    /// <exception cref="ArgumentException">A key is missing or unknown, or a part has the wrong length; the message names the key and the space.</exception>
    /// <example><c>SimulatorTick.FromParts(space, new Dictionary&lt;string, float[]&gt; { ["camera"] = pixels, ["speed"] = [v] }, reward: 1)</c></example>
    public static SimulatorTick FromParts(Dict space, IReadOnlyDictionary<string, float[]> parts, double reward = 0, bool terminated = false, bool truncated = false)
    {
        ArgumentNullException.ThrowIfNull(space);
        var observation = new float[space.FlatSize];
        space.Flatten(parts, observation);
        return new SimulatorTick(observation, reward, terminated, truncated);
    }

    /// <summary>The episode is over, either way: the simulator now waits for a reset request.</summary>
    public bool Done => Terminated || Truncated;
}

/// <summary>
/// What a simulator is asked to do. It answers every command with exactly one
/// <see cref="SimulatorTick"/>: that is the lockstep contract <see cref="SimulatorVectorEnv"/> relies on.
/// Match on the concrete type: <see cref="ResetCommand"/>, <see cref="DiscreteActionCommand"/>,
/// <see cref="ContinuousActionCommand"/> or <see cref="IntegerVectorActionCommand"/>.
/// </summary>
public abstract record SimulatorCommand
{
    // Closed: the four commands below are the whole protocol.
    private protected SimulatorCommand()
    {
    }
}

/// <summary>Start a new episode; the answer is its first observation.</summary>
/// <param name="Seed">Reseed the simulator's randomness, or null to continue its stream.</param>
public sealed record ResetCommand(int? Seed) : SimulatorCommand;

/// <summary>Apply a discrete action; the answer is the transition's tick.</summary>
/// <param name="Action">An element of the discrete action space.</param>
public sealed record DiscreteActionCommand(int Action) : SimulatorCommand;

/// <summary>Apply a continuous action; the answer is the transition's tick.</summary>
/// <param name="Action">A vector of the box action space's size (a new array per command).</param>
public sealed record ContinuousActionCommand(float[] Action) : SimulatorCommand;

/// <summary>Apply a MultiDiscrete or MultiBinary action; the answer is the transition's tick.</summary>
/// <param name="Action">The action's integers: one per choice (MultiDiscrete) or switch (MultiBinary), a new array per command.</param>
public sealed record IntegerVectorActionCommand(int[] Action) : SimulatorCommand
{
    /// <summary>The command with its integers, e.g. <c>IntegerVectorActionCommand { Action = [0, 2] }</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"IntegerVectorActionCommand {{ Action = [{string.Join(", ", Action ?? [])}] }}";
}

/// <summary>
/// A simulator as the adapter sees it: a name for messages, the ticks it publishes (on any thread)
/// and where commands go. The adapter subscribes to <paramref name="Ticks"/> once, sends commands
/// with <c>Commands.OnNext</c> and, when it is disposed, <c>Commands.OnCompleted</c>.
/// </summary>
/// <param name="Name">Names the simulator in every message about it.</param>
/// <param name="Ticks">The states it publishes, one per command.</param>
/// <param name="Commands">Receives reset requests and actions.</param>
public sealed record SimulatorEndpoint(string Name, IObservable<SimulatorTick> Ticks, IObserver<SimulatorCommand> Commands);
