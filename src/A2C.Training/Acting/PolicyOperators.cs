using System.Globalization;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Runtime.CompilerServices;
using A2C.Envs.Spaces;
using A2C.Training;

namespace A2C.Training;

/// <summary>
/// A trained policy as an Rx operator, for simulators that run their own loop and ask for actions:
/// <c>observations.Act(agent)</c> turns each observation into one action, in order.
/// </summary>
/// <remarks>
/// Calls to one <see cref="Agent"/> are serialized across every stream that uses it (it is not
/// thread-safe). Pass <c>scheduler</c> (e.g. an <see cref="EventLoopScheduler"/>) to also keep them on
/// one thread, as TorchSharp prefers (libtorch keeps a thread pool per calling thread), and to break
/// the recursion of a loop whose simulator answers actions on the same thread. An observation of the
/// wrong length or with a value that is not finite ends the stream with an
/// <see cref="ArgumentException"/> naming its index in the stream.
/// </remarks>
public static class PolicyOperators
{
    // One gate per agent, shared by every stream that acts with it; it dies with the agent.
    private static readonly ConditionalWeakTable<Agent, object> _gates = new();

    /// <summary>Chooses a discrete action for each observation.</summary>
    /// <param name="observations">Raw observations from the simulator, one array each.</param>
    /// <param name="agent">A policy over a discrete action space.</param>
    /// <param name="deterministic">Take the most likely action (the default, as <c>a2c eval</c> does) rather than sampling.</param>
    /// <param name="scheduler">Where to call the agent; null calls it on the thread that delivers the observation.</param>
    /// <param name="normalizer">The training run's observation statistics, when it normalized observations (used, not updated).</param>
    /// <returns>One action per observation, in order.</returns>
    public static IObservable<int> Act(this IObservable<float[]> observations, Agent agent, bool deterministic = true, IScheduler? scheduler = null, Normalizer? normalizer = null)
    {
        ArgumentNullException.ThrowIfNull(observations);
        ArgumentNullException.ThrowIfNull(agent);
        switch (agent.Model.Spec.Distribution)
        {
            case ActionDistribution.Gaussian:
                throw new ArgumentException("the agent's policy has box actions; use ActContinuous.", nameof(agent));
            case ActionDistribution.MultiCategorical or ActionDistribution.Bernoulli:
                throw new ArgumentException("the agent's policy has MultiDiscrete or MultiBinary actions; use ActIntegers.", nameof(agent));
        }

        return ActCore(observations, agent, deterministic, scheduler, normalizer, (discrete, _) => discrete[0]);
    }

    /// <summary>Chooses an integer-vector action (MultiDiscrete: one value per choice; MultiBinary: one 0 or 1 per switch) for each observation.</summary>
    /// <param name="observations">Raw observations from the simulator, one array each, in the space's flat layout.</param>
    /// <param name="agent">A policy over a MultiDiscrete or MultiBinary action space.</param>
    /// <param name="deterministic">Take each choice's most likely value (the default) rather than sampling.</param>
    /// <param name="scheduler">Where to call the agent; null calls it on the thread that delivers the observation.</param>
    /// <param name="normalizer">The training run's observation statistics, when it normalized observations (used, not updated).</param>
    /// <returns>One action (a new array) per observation, in order.</returns>
    public static IObservable<int[]> ActIntegers(this IObservable<float[]> observations, Agent agent, bool deterministic = true, IScheduler? scheduler = null, Normalizer? normalizer = null)
    {
        ArgumentNullException.ThrowIfNull(observations);
        ArgumentNullException.ThrowIfNull(agent);
        if (agent.Model.Spec.Distribution is not (ActionDistribution.MultiCategorical or ActionDistribution.Bernoulli))
        {
            throw new ArgumentException($"the agent's policy has {agent.Model.Spec.Distribution} actions; ActIntegers is for MultiDiscrete and MultiBinary ones (use Act or ActContinuous).", nameof(agent));
        }

        return ActCore(observations, agent, deterministic, scheduler, normalizer, (integers, _) => (int[])integers.Clone());
    }

    /// <summary>Chooses a box action for each observation.</summary>
    /// <param name="observations">Raw observations from the simulator, one array each.</param>
    /// <param name="agent">A policy over a box action space.</param>
    /// <param name="deterministic">Take the Gaussian's mean (the default) rather than sampling.</param>
    /// <param name="clipTo">Clip each action into this box, as training did before the environment saw it; null leaves actions as the policy gave them.</param>
    /// <param name="scheduler">Where to call the agent; null calls it on the thread that delivers the observation.</param>
    /// <param name="normalizer">The training run's observation statistics, when it normalized observations (used, not updated).</param>
    /// <returns>One action (a new array) per observation, in order.</returns>
    public static IObservable<float[]> ActContinuous(this IObservable<float[]> observations, Agent agent, bool deterministic = true, Box? clipTo = null, IScheduler? scheduler = null, Normalizer? normalizer = null)
    {
        ArgumentNullException.ThrowIfNull(observations);
        ArgumentNullException.ThrowIfNull(agent);
        var spec = agent.Model.Spec;
        if (!spec.Continuous)
        {
            throw new ArgumentException("the agent's policy has discrete actions; use Act.", nameof(agent));
        }

        if (clipTo is not null && clipTo.FlatSize != spec.ActionCount)
        {
            throw new ArgumentException($"clipTo {clipTo} has {clipTo.FlatSize} components; the policy's actions have {spec.ActionCount}.", nameof(clipTo));
        }

        return ActCore(observations, agent, deterministic, scheduler, normalizer, (_, continuous) =>
        {
            var action = (float[])continuous.Clone();
            clipTo?.Clip(action);
            return action;
        });
    }

    private static IObservable<TAction> ActCore<TAction>(IObservable<float[]> observations, Agent agent, bool deterministic, IScheduler? scheduler, Normalizer? normalizer, Func<int[], float[], TAction> pick)
    {
        var gate = _gates.GetOrCreateValue(agent);
        var spec = agent.Model.Spec;

        // Scratch arrays per subscription, so two streams never share them.
        return Observable.Defer(() =>
        {
            var discrete = new int[spec.Continuous ? 1 : spec.ActionSize];
            var continuous = new float[spec.Continuous ? spec.ActionCount : 0];
            var values = new float[1];
            long index = 0;
            var source = scheduler is null ? observations : observations.ObserveOn(scheduler);
            return source.Select(observation =>
            {
                Validate(observation, index++, spec.ObservationSize);
                lock (gate)
                {
                    var input = normalizer?.Observations(observation) ?? observation;
                    agent.Act(input, 1, deterministic, discrete, continuous, values);
                    return pick(discrete, continuous);
                }
            });
        });
    }

    private static void Validate(float[] observation, long index, int size)
    {
        if (observation is null)
        {
            throw new ArgumentException($"observation {index} is null.", nameof(observation));
        }

        if (observation.Length != size)
        {
            throw new ArgumentException($"observation {index} has {observation.Length} values; the policy takes {size}.", nameof(observation));
        }

        for (var j = 0; j < size; j++)
        {
            if (!float.IsFinite(observation[j]))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"observation {index}: component {j} is {observation[j]}; observations must be finite."), nameof(observation));
            }
        }
    }
}
