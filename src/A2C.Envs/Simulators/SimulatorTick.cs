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
    /// <summary>The episode is over, either way: the simulator now waits for a reset request.</summary>
    public bool Done => Terminated || Truncated;
}

/// <summary>
/// What a simulator is asked to do. It answers every command with exactly one
/// <see cref="SimulatorTick"/>: that is the lockstep contract <see cref="SimulatorVectorEnv"/> relies on.
/// Match on the concrete type: <see cref="ResetCommand"/>, <see cref="DiscreteActionCommand"/> or
/// <see cref="ContinuousActionCommand"/>.
/// </summary>
public abstract record SimulatorCommand
{
    // Closed: the three commands below are the whole protocol.
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

/// <summary>
/// A simulator as the adapter sees it: a name for messages, the ticks it publishes (on any thread)
/// and where commands go. The adapter subscribes to <paramref name="Ticks"/> once, sends commands
/// with <c>Commands.OnNext</c> and, when it is disposed, <c>Commands.OnCompleted</c>.
/// </summary>
/// <param name="Name">Names the simulator in every message about it.</param>
/// <param name="Ticks">The states it publishes, one per command.</param>
/// <param name="Commands">Receives reset requests and actions.</param>
public sealed record SimulatorEndpoint(string Name, IObservable<SimulatorTick> Ticks, IObserver<SimulatorCommand> Commands);
