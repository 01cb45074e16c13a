using A2C.Envs.Spaces;

namespace A2C.Envs.Simulators;

/// <content>The actions: checked against the action space, then sent to every simulator as one command each.</content>
public sealed partial class SimulatorVectorEnv
{
    /// <summary>
    /// Sends each simulator its integer action (a <see cref="DiscreteActionCommand"/> for a Discrete space,
    /// an <see cref="IntegerVectorActionCommand"/> of K integers for MultiDiscrete or MultiBinary), waits for
    /// every answer, and resets the simulators whose episode ended.
    /// </summary>
    /// <param name="actions">One integer per simulator (Discrete), or K per simulator, simulator-major.</param>
    /// <exception cref="ArgumentException">The action space is a Box, the count is wrong, or an action is outside the space (naming the simulator, the choice and the space); nothing was sent.</exception>
    /// <exception cref="SimulatorTimeoutException">A simulator did not answer in time.</exception>
    /// <exception cref="SimulatorException">A simulator failed or answered with an invalid tick.</exception>
    public void Step(ReadOnlySpan<int> actions)
    {
        RequireStarted();
        if (SingleActionSpace is Box)
        {
            throw new ArgumentException($"the simulators take {SingleActionSpace} actions; pass float vectors, not integers.", nameof(actions));
        }

        if (SingleActionSpace is not Discrete discrete)
        {
            StepIntegerVectors(actions);
            return;
        }

        if (actions.Length != NumEnvs)
        {
            throw new ArgumentException($"expected {NumEnvs} actions, one per simulator; got {actions.Length}.", nameof(actions));
        }

        for (var i = 0; i < actions.Length; i++)
        {
            if (!discrete.Contains(actions[i]))
            {
                throw new ArgumentOutOfRangeException(nameof(actions), actions[i], $"action {actions[i]} for simulator '{_links[i].Name}' (index {i}) is outside the action space {discrete}.");
            }
        }

        for (var i = 0; i < _links.Length; i++)
        {
            Send(i, _discreteCommands[actions[i] - discrete.Start], Request.Action);
        }

        Finish();
    }

    /// <summary>Sends each simulator its box action (flat, simulator-major), waits for every answer, and resets the simulators whose episode ended.</summary>
    /// <param name="actions"><c>NumEnvs * actionSize</c> floats.</param>
    /// <exception cref="SimulatorTimeoutException">A simulator did not answer in time.</exception>
    /// <exception cref="SimulatorException">A simulator failed or answered with an invalid tick.</exception>
    public void Step(ReadOnlySpan<float> actions)
    {
        RequireStarted();
        if (SingleActionSpace is not Box box)
        {
            throw new ArgumentException($"the simulators take {SingleActionSpace} actions; pass integers, not float vectors.", nameof(actions));
        }

        var size = box.FlatSize;
        if (actions.Length != NumEnvs * size)
        {
            throw new ArgumentException($"expected {NumEnvs} x {size} action values; got {actions.Length}.", nameof(actions));
        }

        for (var i = 0; i < _links.Length; i++)
        {
            // A new array per command: the simulator may keep it after this call returns.
            Send(i, new ContinuousActionCommand(actions.Slice(i * size, size).ToArray()), Request.Action);
        }

        Finish();
    }

    /// <summary>MultiDiscrete or MultiBinary actions: all checked before any is sent, then one command per simulator.</summary>
    private void StepIntegerVectors(ReadOnlySpan<int> actions)
    {
        var size = SingleActionSpace.FlatSize;
        if (actions.Length != NumEnvs * size)
        {
            throw new ArgumentException($"expected {NumEnvs} x {size} integers ({SingleActionSpace} for each simulator); got {actions.Length}.", nameof(actions));
        }

        for (var i = 0; i < _links.Length; i++)
        {
            if (SingleActionSpace.IntegerActionViolation(actions.Slice(i * size, size)) is { } why)
            {
                throw new ArgumentException($"the action for simulator '{_links[i].Name}' (index {i}): {why}.", nameof(actions));
            }
        }

        for (var i = 0; i < _links.Length; i++)
        {
            // A new array per command: the simulator may keep it after this call returns.
            Send(i, new IntegerVectorActionCommand(actions.Slice(i * size, size).ToArray()), Request.Action);
        }

        Finish();
    }
}
