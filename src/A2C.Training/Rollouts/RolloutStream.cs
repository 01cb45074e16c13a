using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using A2C.Envs.Simulators;
using A2C.Envs.Vector;

namespace A2C.Training;

/// <summary>The rollout stream: environment steps as an <see cref="IObservable{T}"/>.</summary>
public static class RolloutStream
{
    // Other work queued on the stream's scheduler gets a turn every this many vector steps.
    private const int StepsBetweenYields = 1024;

    // Under NonFinitePolicy.Skip, an env that never returns finite values still ends the run.
    private const int MaxSkippedInARow = 100;

    /// <summary>
    /// Steps <paramref name="env"/> with <paramref name="policy"/> on <paramref name="scheduler"/>, one element
    /// per vector step, until the subscription is disposed. The env is reset with <paramref name="seed"/> on
    /// subscription. Each element is pushed before the next step is taken, so a subscriber that learns inside
    /// OnNext keeps the stream on-policy. Env failures end the stream with <see cref="RolloutException"/>.
    /// Every element is the one step of a new <see cref="RolloutBuffer"/>, so elements stay valid after
    /// OnNext; <see cref="StepStream.Rollouts"/> collects the same steps n at a time instead, and
    /// <see cref="CreateRollouts"/> is the allocation-free form the trainer uses.
    /// </summary>
    /// <param name="env">The vector env (not disposed by the stream).</param>
    /// <param name="policy">Chooses actions.</param>
    /// <param name="seed">Seed of the first reset; null continues the envs' streams.</param>
    /// <param name="scheduler">
    /// Where the loop runs, on one thread (TorchSharp's dispose scopes are thread-local): an
    /// <see cref="EventLoopScheduler"/>, or <see cref="Scheduler.CurrentThread"/> to run on the
    /// subscribing thread. Not <see cref="Scheduler.Immediate"/>: it would step before the
    /// subscription exists, so nothing could stop it.
    /// </param>
    /// <param name="normalizer">
    /// Optional observation and reward normalization: the policy and the batches then see normalized
    /// observations and rewards (episode statistics stay raw).
    /// </param>
    /// <returns>The stream.</returns>
    /// <param name="resume">Continue from the env's current state instead of resetting it (after a checkpoint was restored).</param>
    public static StepStream Create(IVectorEnv env, IPolicy policy, int? seed, IScheduler scheduler, Normalizer? normalizer = null, bool resume = false)
    {
        Validate(env, policy, scheduler);
        return new StepStream(nSteps => Collect(env, policy, nSteps, seed, scheduler, normalizer, resume, NonFinitePolicy.Fail, null, reuse: false));
    }

    /// <summary>
    /// The same steps as <see cref="Create"/>, <paramref name="nSteps"/> at a time, written into one
    /// reused <see cref="RolloutBuffer"/>: no allocation per step in steady state (with a policy that
    /// allocates none and without a normalizer). The buffer is refilled after OnNext returns, so use
    /// it, or copy it, within OnNext.
    /// </summary>
    /// <param name="env">The vector env (not disposed by the stream).</param>
    /// <param name="policy">Chooses actions.</param>
    /// <param name="nSteps">Vector steps per rollout.</param>
    /// <param name="seed">Seed of the first reset; null continues the envs' streams.</param>
    /// <param name="scheduler">As for <see cref="Create"/>.</param>
    /// <param name="normalizer">As for <see cref="Create"/>.</param>
    /// <param name="resume">As for <see cref="Create"/>.</param>
    /// <returns>The stream of rollouts.</returns>
    /// <param name="nonFinite">What to do when an env returns a NaN or infinite observation or reward.</param>
    /// <param name="skipped">Told of every rollout dropped under <see cref="NonFinitePolicy.Skip"/>.</param>
    public static IObservable<RolloutBuffer> CreateRollouts(IVectorEnv env, IPolicy policy, int nSteps, int? seed, IScheduler scheduler, Normalizer? normalizer = null, bool resume = false, NonFinitePolicy nonFinite = NonFinitePolicy.Fail, Action<NonFiniteEnvironmentException>? skipped = null)
    {
        Validate(env, policy, scheduler);
        ArgumentOutOfRangeException.ThrowIfLessThan(nSteps, 1);
        return Collect(env, policy, nSteps, seed, scheduler, normalizer, resume, nonFinite, skipped, reuse: true);
    }

    private static void Validate(IVectorEnv env, IPolicy policy, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(scheduler);
        if (scheduler is ImmediateScheduler)
        {
            throw new ArgumentException("the rollout stream cannot run on Scheduler.Immediate (it could never be stopped); use Scheduler.CurrentThread or an EventLoopScheduler.", nameof(scheduler));
        }
    }

    /// <summary>The loop behind every form of the stream: rollouts of <paramref name="nSteps"/> steps, into one buffer or (<paramref name="reuse"/> false) a new one each time.</summary>
    private static IObservable<RolloutBuffer> Collect(IVectorEnv env, IPolicy policy, int nSteps, int? seed, IScheduler scheduler, Normalizer? normalizer, bool resume, NonFinitePolicy nonFinite, Action<NonFiniteEnvironmentException>? skipped, bool reuse)
    {
        return Observable.Create<RolloutBuffer>(observer =>
        {
            var cancel = new BooleanDisposable();
            var stepper = new RolloutStepper(env, policy, normalizer);
            RolloutBuffer NewBuffer() => new(nSteps, env.NumEnvs, env.ObservationSize, env.SingleActionSpace.FlatSize, stepper.Discrete);
            var reused = reuse ? NewBuffer() : null;
            long step = 0;
            var started = false;

            // One scheduled loop rather than one scheduled item per step: rescheduling allocates.
            var work = scheduler.Schedule(self =>
            {
                var sinceYield = 0;
                var skippedInARow = 0;
                while (!cancel.IsDisposed)
                {
                    var buffer = reused ?? NewBuffer();
                    try
                    {
                        if (!started)
                        {
                            stepper.Start(resume ? null : seed, resume, step);
                            started = true;
                        }

                        buffer.Begin(step);
                        for (var t = 0; t < nSteps; t++)
                        {
                            stepper.Step(buffer, t, step);
                            step++;
                        }

                        stepper.Current.CopyTo(buffer.NextObservations, 0);
                        skippedInARow = 0;
                    }
                    catch (NonFiniteEnvironmentException e) when (nonFinite == NonFinitePolicy.Skip && ++skippedInARow < MaxSkippedInARow)
                    {
                        // The envs' state is garbage: drop what was collected and start over from a reset.
                        skipped?.Invoke(e);
                        step++;
                        started = false;
                        resume = false;
                        seed = null;
                        continue;
                    }
                    catch (Exception e)
                    {
                        var index = e switch
                        {
                            SubEnvironmentException sub => sub.Index,
                            SimulatorException simulator => simulator.Index,
                            NonFiniteEnvironmentException bad => bad.Env,
                            EnvironmentTimeoutException hung => hung.Index,
                            _ => -1,
                        };
                        observer.OnError(new RolloutException(index, step, e));
                        return;
                    }

                    observer.OnNext(buffer);
                    sinceYield += nSteps;
                    if (sinceYield >= StepsBetweenYields && !cancel.IsDisposed)
                    {
                        self();
                        return;
                    }
                }
            });
            return new CompositeDisposable(cancel, work);
        });
    }

    /// <summary>
    /// Steps <paramref name="env"/> with a policy's actions: discrete ones as they are, box ones clipped
    /// into the action box in <paramref name="clipped"/> (the env sees clipped actions; the learner keeps
    /// the unclipped samples for their log-probabilities).
    /// </summary>
    internal static void StepWithActions(IVectorEnv env, int[] discreteActions, float[] continuousActions, float[] clipped)
    {
        if (env.SingleActionSpace is not A2C.Envs.Spaces.Box box)
        {
            env.Step(discreteActions.AsSpan());
            return;
        }

        var size = box.FlatSize;
        continuousActions.CopyTo(clipped, 0);
        for (var i = 0; i < env.NumEnvs; i++)
        {
            box.Clip(clipped.AsSpan(i * size, size));
        }

        env.Step(clipped.AsSpan());
    }
}
