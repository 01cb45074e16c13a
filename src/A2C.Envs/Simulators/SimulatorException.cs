using System.Globalization;

namespace A2C.Envs.Simulators;

/// <summary>
/// A simulator behind a <see cref="SimulatorVectorEnv"/> failed: its tick stream errored or
/// completed, it refused a command, or it published a tick that breaks the contract. The message
/// starts with the simulator's name and index.
/// </summary>
public class SimulatorException : Exception
{
    /// <summary>Creates the error for simulator <paramref name="index"/>.</summary>
    /// <param name="index">Index of the simulator in the vector env.</param>
    /// <param name="name">Its name.</param>
    /// <param name="problem">What went wrong, as the rest of the sentence after the simulator's name.</param>
    /// <param name="inner">The cause, if any.</param>
    public SimulatorException(int index, string name, string problem, Exception? inner = null)
        : base($"simulator '{name}' (index {index}) {problem}", inner)
    {
        Index = index;
        SimulatorName = name;
    }

    /// <summary>Index of the simulator that failed.</summary>
    public int Index { get; }

    /// <summary>Name of the simulator that failed.</summary>
    public string SimulatorName { get; }
}

/// <summary>A simulator did not answer a command within the adapter's timeout.</summary>
public sealed class SimulatorTimeoutException : SimulatorException
{
    /// <summary>Creates the error for simulator <paramref name="index"/>.</summary>
    /// <param name="index">Index of the simulator.</param>
    /// <param name="name">Its name.</param>
    /// <param name="timeout">How long the adapter waited.</param>
    /// <param name="awaited">What it was waiting for, e.g. "the tick answering its action at step 12".</param>
    public SimulatorTimeoutException(int index, string name, TimeSpan timeout, string awaited)
        : base(index, name, string.Create(CultureInfo.InvariantCulture, $"sent no tick within the timeout of {timeout.TotalMilliseconds:0.###} ms: it owes {awaited}."))
    {
        Timeout = timeout;
    }

    /// <summary>How long the adapter waited.</summary>
    public TimeSpan Timeout { get; }
}
