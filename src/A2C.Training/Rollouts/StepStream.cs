using System.Reactive.Linq;

namespace A2C.Training;

/// <summary>
/// The per-step rollout stream made by <see cref="RolloutStream.Create"/>: one <see cref="StepBatch"/>
/// per vector step, or, through <see cref="Rollouts"/>, the same steps collected n at a time. Both
/// are views of <see cref="RolloutBuffer"/>s the stream writes as it steps; nothing is copied from one
/// shape into the other.
/// </summary>
public sealed class StepStream : IObservable<StepBatch>
{
    private readonly Func<int, IObservable<RolloutBuffer>> _collect;

    internal StepStream(Func<int, IObservable<RolloutBuffer>> collect) => _collect = collect;

    /// <summary>Starts stepping; every element is the one step of a new one-step buffer.</summary>
    /// <param name="observer">Receives the steps.</param>
    /// <returns>Stops the stream when disposed.</returns>
    public IDisposable Subscribe(IObserver<StepBatch> observer) => _collect(1).Select(rollout => rollout[0]).Subscribe(observer);

    /// <summary>
    /// The same steps in rollouts of <paramref name="nSteps"/> consecutive steps, each a new
    /// <see cref="RolloutBuffer"/> (so rollouts stay valid after OnNext, unlike the one buffer that
    /// <see cref="RolloutStream.CreateRollouts"/> refills); as a list, a rollout is its steps.
    /// </summary>
    /// <param name="nSteps">Steps per rollout (n_steps).</param>
    /// <returns>Rollouts, in order.</returns>
    public IObservable<RolloutBuffer> Rollouts(int nSteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nSteps, 1);
        return _collect(nSteps);
    }
}
