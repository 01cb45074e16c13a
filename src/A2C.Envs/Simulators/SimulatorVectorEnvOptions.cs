namespace A2C.Envs.Simulators;

/// <summary>Options of a <see cref="SimulatorVectorEnv"/>.</summary>
public sealed record SimulatorVectorEnvOptions
{
    /// <summary>Default of <see cref="Timeout"/>.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the simulators of one lockstep round (every action of a step, every reset request
    /// of a reset or of a step's auto-resets) may take, together, to answer. A simulator that has
    /// not answered by then fails the call with <see cref="SimulatorTimeoutException"/>.
    /// </summary>
    /// <value>Default 10 s. More than zero and at most <see cref="int.MaxValue"/> milliseconds.</value>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;
}
