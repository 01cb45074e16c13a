using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using A2C.Envs.Vector;

namespace A2C.Host.Training;

/// <summary>Chooses actions for a batch of observations and reports V(s); implemented by <see cref="Agent"/> and by test policies.</summary>
public interface IPolicy
{
    /// <summary>Fills actions and values for <paramref name="count"/> observations.</summary>
    /// <param name="observations">count x observation size.</param>
    /// <param name="count">Number of observations.</param>
    /// <param name="discreteActions">Receives discrete actions.</param>
    /// <param name="continuousActions">Receives continuous actions (count x dims).</param>
    /// <param name="values">Receives V(s).</param>
    void Act(float[] observations, int count, int[] discreteActions, float[] continuousActions, float[] values);

    /// <summary>V(s) of <paramref name="count"/> observations.</summary>
    /// <param name="observations">count x observation size.</param>
    /// <param name="count">Number of observations.</param>
    /// <param name="values">Receives the values.</param>
    void Values(ReadOnlySpan<float> observations, int count, Span<float> values);
}

/// <summary>One lockstep step of all N envs, as the rollout stream pushes it.</summary>
/// <param name="Step">Index of this vector step since the stream started.</param>
/// <param name="Observations">s_t, N x obs, at which the actions were taken.</param>
/// <param name="DiscreteActions">a_t for discrete envs (length N), else empty.</param>
/// <param name="ContinuousActions">a_t for box envs (N x dims, unclipped samples), else empty.</param>
/// <param name="Values">V(s_t) at collection time (length N).</param>
/// <param name="Rewards">r_t (length N).</param>
/// <param name="Terminated">Which envs terminated.</param>
/// <param name="Truncated">Which envs were truncated.</param>
/// <param name="FinalValues">V(final observation) where truncated, else 0.</param>
/// <param name="NextObservations">s_{t+1} after same-step auto-reset (N x obs).</param>
/// <param name="FinishedEpisodes">Episodes that ended in this step.</param>
public sealed record StepBatch(
    long Step,
    float[] Observations,
    int[] DiscreteActions,
    float[] ContinuousActions,
    float[] Values,
    float[] Rewards,
    bool[] Terminated,
    bool[] Truncated,
    float[] FinalValues,
    float[] NextObservations,
    EpisodeStats[] FinishedEpisodes);

/// <summary>An environment failed while the rollout stream stepped it.</summary>
public sealed class RolloutException : Exception
{
    /// <summary>Creates the error for env <paramref name="env"/> at vector step <paramref name="step"/>.</summary>
    /// <param name="env">Index of the sub-environment.</param>
    /// <param name="step">Vector step at which it failed.</param>
    /// <param name="inner">The failure.</param>
    public RolloutException(int env, long step, Exception inner)
        : base($"environment {env} failed at step {step}: {inner?.InnerException?.Message ?? inner?.Message}", inner)
    {
        Env = env;
        Step = step;
    }

    /// <summary>Index of the failing sub-environment.</summary>
    public int Env { get; }

    /// <summary>Vector step at which it failed.</summary>
    public long Step { get; }
}

/// <summary>The rollout stream: environment steps as an <see cref="IObservable{T}"/> of <see cref="StepBatch"/>.</summary>
public static class RolloutStream
{
    /// <summary>
    /// Steps <paramref name="env"/> with <paramref name="policy"/> on <paramref name="scheduler"/>, one element
    /// per vector step, until the subscription is disposed. The env is reset with <paramref name="seed"/> on
    /// subscription. Each element is pushed before the next step is taken, so a subscriber that learns inside
    /// OnNext keeps the stream on-policy. Env failures end the stream with <see cref="RolloutException"/>.
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
    public static IObservable<StepBatch> Create(VectorEnv env, IPolicy policy, int? seed, IScheduler scheduler, Normalizer? normalizer = null, bool resume = false)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(scheduler);
        if (scheduler is ImmediateScheduler)
        {
            throw new ArgumentException("the rollout stream cannot run on Scheduler.Immediate (it could never be stopped); use Scheduler.CurrentThread or an EventLoopScheduler.", nameof(scheduler));
        }

        return Observable.Create<StepBatch>(observer =>
        {
            var cancel = new BooleanDisposable();
            var n = env.NumEnvs;
            var obsSize = env.ObservationSize;
            var discrete = env.SingleActionSpace is A2C.Envs.Spaces.Discrete;
            var actionSize = env.SingleActionSpace.FlatSize;
            long step = 0;
            float[]? current = null;
            var work = scheduler.Schedule(self =>
            {
                if (cancel.IsDisposed)
                {
                    return;
                }

                StepBatch batch;
                try
                {
                    if (current is null && resume)
                    {
                        current = normalizer?.Observations(env.Observations) ?? (float[])env.Observations.Clone();
                    }
                    else if (current is null)
                    {
                        env.Reset(seed);
                        current = normalizer?.Reset(env.Observations) ?? (float[])env.Observations.Clone();
                    }

                    batch = TakeStep(env, policy, normalizer, current, step, n, obsSize, discrete, actionSize);
                    current = batch.NextObservations;
                }
                catch (Exception e)
                {
                    var index = e is SubEnvironmentException sub ? sub.Index : -1;
                    observer.OnError(new RolloutException(index, step, e));
                    return;
                }

                step++;
                observer.OnNext(batch);
                if (!cancel.IsDisposed)
                {
                    self();
                }
            });
            return new CompositeDisposable(cancel, work);
        });
    }

    /// <summary>Groups the stream into rollouts of <paramref name="nSteps"/> consecutive steps.</summary>
    /// <param name="steps">The step stream.</param>
    /// <param name="nSteps">Steps per rollout (n_steps).</param>
    /// <returns>Rollouts, in order.</returns>
    public static IObservable<IList<StepBatch>> Rollouts(this IObservable<StepBatch> steps, int nSteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nSteps, 1);
        return steps.Buffer(nSteps);
    }

    /// <summary>
    /// Steps <paramref name="env"/> with a policy's actions: discrete ones as they are, box ones clipped
    /// into the action box in <paramref name="clipped"/> (the env sees clipped actions; the learner keeps
    /// the unclipped samples for their log-probabilities).
    /// </summary>
    internal static void StepWithActions(VectorEnv env, int[] discreteActions, float[] continuousActions, float[] clipped)
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

    private static StepBatch TakeStep(VectorEnv env, IPolicy policy, Normalizer? normalizer, float[] observations, long step, int n, int obsSize, bool discrete, int actionSize)
    {
        var discreteActions = discrete ? new int[n] : [];
        var continuousActions = discrete ? [] : new float[n * actionSize];
        var values = new float[n];
        policy.Act(observations, n, discreteActions, continuousActions, values);
        StepWithActions(env, discreteActions, continuousActions, discrete ? [] : new float[continuousActions.Length]);

        var rewards = (float[])env.Rewards.Clone();
        var terminated = (bool[])env.Terminated.Clone();
        var truncated = (bool[])env.Truncated.Clone();
        float[] next;
        if (normalizer is null)
        {
            next = (float[])env.Observations.Clone();
        }
        else
        {
            var dones = new bool[n];
            for (var i = 0; i < n; i++)
            {
                dones[i] = terminated[i] || truncated[i];
            }

            next = normalizer.Step(env.Observations, rewards, dones);
        }

        var finalValues = new float[n];
        for (var i = 0; i < n; i++)
        {
            if (truncated[i] && !terminated[i])
            {
                var final = env.FinalObservations.AsSpan(i * obsSize, obsSize).ToArray();
                if (normalizer is not null)
                {
                    final = normalizer.Observations(final);
                }

                policy.Values(final, 1, finalValues.AsSpan(i, 1));
            }
        }

        return new StepBatch(
            step,
            observations,
            discreteActions,
            continuousActions,
            values,
            rewards,
            terminated,
            truncated,
            finalValues,
            next,
            env.FinishedEpisodes.ToArray());
    }
}
