using System.Globalization;
using A2C.Envs.Spaces;

namespace A2C.Envs.Simulators;

/// <content>What a valid tick is: one that fits the command it answers, named in the error when it does not.</content>
public sealed partial class SimulatorVectorEnv
{
    private void ValidateTransition(int i, SimulatorTick tick)
    {
        ValidateObservation(i, tick, Request.Action);
        if (!double.IsFinite(tick.Reward))
        {
            throw Fail(Invalid(i, Request.Action, string.Create(CultureInfo.InvariantCulture, $"its reward is {tick.Reward}; rewards must be finite")));
        }
    }

    private void ValidateEpisodeStart(int i, SimulatorTick tick, Request request)
    {
        ValidateObservation(i, tick, request);
        if (tick.Done)
        {
            throw Fail(Invalid(i, request, $"it says {(tick.Terminated ? "terminated" : "truncated")}; the first tick of an episode cannot end it"));
        }
    }

    private void ValidateObservation(int i, SimulatorTick tick, Request request)
    {
        if (tick.Observation is null)
        {
            throw Fail(Invalid(i, request, "its observation is null"));
        }

        if (tick.Observation.Length != ObservationSize)
        {
            throw Fail(Invalid(i, request, $"its observation has {tick.Observation.Length} values; the observation space {SingleObservationSpace} has {ObservationSize}"));
        }

        for (var j = 0; j < tick.Observation.Length; j++)
        {
            if (!float.IsFinite(tick.Observation[j]))
            {
                throw Fail(Invalid(i, request, string.Create(CultureInfo.InvariantCulture, $"its observation[{j}] is {tick.Observation[j]}; observations must be finite")));
            }
        }

        if (_checkObservations && SingleObservationSpace.ObservationViolation(tick.Observation) is { } why)
        {
            throw Fail(Invalid(i, request, $"its observation is outside the observation space: {why}"));
        }
    }

    private SimulatorException Invalid(int i, Request request, string problem) =>
        new(i, _links[i].Name, $"sent an invalid tick as {Describe(request)}: {problem}.");

    /// <summary>The command, as the rest of a sentence: "its action at step 12".</summary>
    private string DescribeCommand(Request request) => request switch
    {
        Request.Reset => "its reset request",
        Request.Action => $"its action at step {_step}",
        Request.AutoReset => $"its reset request (auto-reset at step {_step})",
        _ => "no command",
    };

    /// <summary>What the simulator owes: "the answer to its action at step 12".</summary>
    private string Describe(Request request) => $"the answer to {DescribeCommand(request)}";
}
