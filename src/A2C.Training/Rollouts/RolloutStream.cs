using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using A2C.Envs.Simulators;
using A2C.Envs.Vector;

namespace A2C.Training;

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
        : base(Describe(env, step, inner), inner)
    {
        Env = env;
        Step = step;
    }

    /// <summary>Index of the failing sub-environment.</summary>
    public int Env { get; }

    /// <summary>Vector step at which it failed.</summary>
    public long Step { get; }

    // A sub-environment's wrapper only adds its index, which this message has; any other
    // failure (a simulator or a remote server, which its message names) is kept whole.
    private static string? Cause(Exception? inner) =>
        inner is SubEnvironmentException sub ? sub.InnerException?.Message ?? sub.Message : inner?.Message;

    // Errors that already name the env and the step are told as they are.
    private static string Describe(int env, long step, Exception? inner) => inner is NonFiniteEnvironmentException
        ? inner.Message
        : $"{(env >= 0 ? $"environment {env}" : "the environments")} failed at step {step}: {Cause(inner)}";
}

/// <summary>What the rollout stream does when an env returns a NaN or infinite observation or reward.</summary>
public enum NonFinitePolicy
{
    /// <summary>End the stream with an error naming the env, the value and the step (the default).</summary>
    Fail,

    /// <summary>Drop the rollout in progress, reset the envs and collect a new one (counted; 100 in a row still fail).</summary>
    Skip,
}

/// <summary>An env returned a NaN or infinite observation or reward.</summary>
public sealed class NonFiniteEnvironmentException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="env">Index of the env.</param>
    /// <param name="step">Vector step since the stream started.</param>
    /// <param name="field">What was not finite, e.g. "observation[2]" or "reward".</param>
    /// <param name="value">The value.</param>
    public NonFiniteEnvironmentException(int env, long step, string field, float value)
        : base(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"environment {env} returned {field} = {value} at step {step}; observations and rewards must be finite."))
    {
        Env = env;
        Step = step;
        Field = field;
    }

    /// <summary>Index of the env.</summary>
    public int Env { get; }

    /// <summary>Vector step since the stream started.</summary>
    public long Step { get; }

    /// <summary>What was not finite.</summary>
    public string Field { get; }
}

/// <summary>
/// n_steps consecutive vector steps of N envs, time-major (index <c>t * Envs + e</c>, times the
/// observation or action size where there is one): what the learner reads. The stream made by
/// <see cref="RolloutStream.CreateRollouts"/> refills one buffer for every rollout, so a subscriber
/// must use it (or copy it) within OnNext.
/// </summary>
public sealed class RolloutBuffer
{
    /// <summary>Allocates a buffer for <paramref name="steps"/> steps of <paramref name="envs"/> envs.</summary>
    /// <param name="steps">Vector steps per rollout (n_steps).</param>
    /// <param name="envs">Number of envs.</param>
    /// <param name="observationSize">Floats per observation.</param>
    /// <param name="actionSize">Discrete: 1. Box: floats per action.</param>
    /// <param name="discrete">Discrete or box actions.</param>
    public RolloutBuffer(int steps, int envs, int observationSize, int actionSize, bool discrete)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(envs, 1);
        Steps = steps;
        Envs = envs;
        ObservationSize = observationSize;
        Discrete = discrete;
        var total = steps * envs;
        Observations = new float[total * observationSize];
        DiscreteActions = discrete ? new int[total] : [];
        ContinuousActions = discrete ? [] : new float[total * actionSize];
        Values = new float[total];
        Rewards = new float[total];
        Terminated = new bool[total];
        Truncated = new bool[total];
        FinalValues = new float[total];
        NextObservations = new float[envs * observationSize];
    }

    /// <summary>Vector steps (n_steps).</summary>
    public int Steps { get; }

    /// <summary>Number of envs.</summary>
    public int Envs { get; }

    /// <summary>Floats per observation.</summary>
    public int ObservationSize { get; }

    /// <summary>Whether actions are discrete.</summary>
    public bool Discrete { get; }

    /// <summary>Index of the first vector step since the stream started.</summary>
    public long FirstStep { get; internal set; }

    /// <summary>s_t at which the actions were taken.</summary>
    public float[] Observations { get; }

    /// <summary>a_t for discrete envs, else empty.</summary>
    public int[] DiscreteActions { get; }

    /// <summary>a_t for box envs (unclipped samples), else empty.</summary>
    public float[] ContinuousActions { get; }

    /// <summary>V(s_t) at collection time.</summary>
    public float[] Values { get; }

    /// <summary>r_t.</summary>
    public float[] Rewards { get; }

    /// <summary>Which steps terminated their episode.</summary>
    public bool[] Terminated { get; }

    /// <summary>Which steps truncated their episode.</summary>
    public bool[] Truncated { get; }

    /// <summary>V(final observation) where truncated, else 0.</summary>
    public float[] FinalValues { get; }

    /// <summary>s_T after the last step (after same-step auto-reset), for bootstrapping.</summary>
    public float[] NextObservations { get; }

    /// <summary>Episodes that ended during the rollout.</summary>
    public List<EpisodeStats> Episodes { get; } = [];

    /// <summary>Copies <paramref name="rollout"/>'s step batches in.</summary>
    /// <param name="rollout">Exactly <see cref="Steps"/> batches of <see cref="Envs"/> envs.</param>
    /// <exception cref="ArgumentException">The rollout does not fit the buffer.</exception>
    public void CopyFrom(IList<StepBatch> rollout)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        if (rollout.Count != Steps || rollout.Any(b => b.Rewards.Length != Envs))
        {
            throw new ArgumentException($"the rollout has {rollout.Count} steps of {string.Join("/", rollout.Select(b => b.Rewards.Length).Distinct())} envs; this buffer holds {Steps} steps of {Envs}.", nameof(rollout));
        }

        var n = Envs;
        Episodes.Clear();
        FirstStep = rollout[0].Step;
        for (var t = 0; t < Steps; t++)
        {
            var b = rollout[t];
            b.Observations.CopyTo(Observations, t * n * ObservationSize);
            if (Discrete)
            {
                b.DiscreteActions.CopyTo(DiscreteActions, t * n);
            }
            else
            {
                b.ContinuousActions.CopyTo(ContinuousActions, t * b.ContinuousActions.Length);
            }
            b.Values.CopyTo(Values, t * n);
            b.Rewards.CopyTo(Rewards, t * n);
            b.Terminated.CopyTo(Terminated, t * n);
            b.Truncated.CopyTo(Truncated, t * n);
            b.FinalValues.CopyTo(FinalValues, t * n);
            Episodes.AddRange(b.FinishedEpisodes);
        }

        rollout[^1].NextObservations.CopyTo(NextObservations, 0);
    }

    /// <summary>Step <paramref name="t"/> as a new, independent <see cref="StepBatch"/>.</summary>
    internal StepBatch ToStepBatch(int t, float[] nextObservations)
    {
        var n = Envs;
        var actionSize = Discrete ? 0 : ContinuousActions.Length / (Steps * n);
        return new StepBatch(
            FirstStep + t,
            Observations.AsSpan(t * n * ObservationSize, n * ObservationSize).ToArray(),
            Discrete ? DiscreteActions.AsSpan(t * n, n).ToArray() : [],
            Discrete ? [] : ContinuousActions.AsSpan(t * n * actionSize, n * actionSize).ToArray(),
            Values.AsSpan(t * n, n).ToArray(),
            Rewards.AsSpan(t * n, n).ToArray(),
            Terminated.AsSpan(t * n, n).ToArray(),
            Truncated.AsSpan(t * n, n).ToArray(),
            FinalValues.AsSpan(t * n, n).ToArray(),
            nextObservations,
            [.. Episodes]);
    }
}

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
    /// Every element is a new, independent <see cref="StepBatch"/>; <see cref="CreateRollouts"/> is the
    /// allocation-free form the trainer uses.
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
    public static IObservable<StepBatch> Create(IVectorEnv env, IPolicy policy, int? seed, IScheduler scheduler, Normalizer? normalizer = null, bool resume = false) =>
        CreateRollouts(env, policy, 1, seed, scheduler, normalizer, resume)
            .Select(buffer => buffer.ToStepBatch(0, (float[])buffer.NextObservations.Clone()));

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
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentOutOfRangeException.ThrowIfLessThan(nSteps, 1);
        if (scheduler is ImmediateScheduler)
        {
            throw new ArgumentException("the rollout stream cannot run on Scheduler.Immediate (it could never be stopped); use Scheduler.CurrentThread or an EventLoopScheduler.", nameof(scheduler));
        }

        return Observable.Create<RolloutBuffer>(observer =>
        {
            var cancel = new BooleanDisposable();
            var stepper = new Stepper(env, policy, normalizer);
            var buffer = new RolloutBuffer(nSteps, env.NumEnvs, env.ObservationSize, env.SingleActionSpace.FlatSize, stepper.Discrete);
            long step = 0;
            var started = false;

            // One scheduled loop rather than one scheduled item per step: rescheduling allocates.
            var work = scheduler.Schedule(self =>
            {
                var sinceYield = 0;
                var skippedInARow = 0;
                while (!cancel.IsDisposed)
                {
                    try
                    {
                        if (!started)
                        {
                            stepper.Start(resume ? null : seed, resume, step);
                            started = true;
                        }

                        buffer.FirstStep = step;
                        buffer.Episodes.Clear();
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

    /// <summary>One vector step at a time into a <see cref="RolloutBuffer"/>, with scratch arrays reused between steps.</summary>
    private sealed class Stepper
    {
        private readonly IVectorEnv _env;
        private readonly IPolicy _policy;
        private readonly Normalizer? _normalizer;
        private readonly int[] _discreteActions;
        private readonly float[] _continuousActions;
        private readonly float[] _clipped;
        private readonly float[] _values;
        private readonly float[] _rewards;
        private readonly bool[] _dones;

        public Stepper(IVectorEnv env, IPolicy policy, Normalizer? normalizer)
        {
            _env = env;
            _policy = policy;
            _normalizer = normalizer;
            var n = env.NumEnvs;
            Discrete = env.SingleActionSpace is A2C.Envs.Spaces.Discrete;
            var actionSize = env.SingleActionSpace.FlatSize;
            _discreteActions = Discrete ? new int[n] : [];
            _continuousActions = Discrete ? [] : new float[n * actionSize];
            _clipped = Discrete ? [] : new float[n * actionSize];
            _values = new float[n];
            _rewards = new float[n];
            _dones = new bool[n];
            Current = new float[n * env.ObservationSize];
        }

        public bool Discrete { get; }

        /// <summary>s_t as the policy sees it (normalized when there is a normalizer).</summary>
        public float[] Current { get; private set; }

        public void Start(int? seed, bool resume, long step)
        {
            StartEnvs(seed, resume);
            RequireFinite(step, afterStep: false);
        }

        private void StartEnvs(int? seed, bool resume)
        {
            // Only envs whose state a checkpoint restored can continue; a remote simulator's state
            // was not saved, so it starts from a reset.
            if (resume && _env is A2C.Envs.ISnapshotable)
            {
                Current = _normalizer?.Observations(_env.Observations) ?? (float[])_env.Observations.Clone();
                return;
            }

            _env.Reset(seed);
            Current = _normalizer?.Reset(_env.Observations) ?? (float[])_env.Observations.Clone();
        }

        /// <summary>Throws <see cref="NonFiniteEnvironmentException"/> naming the first env whose observation (or, after a step, reward) is not finite.</summary>
        private void RequireFinite(long step, bool afterStep)
        {
            var env = _env;
            var size = env.ObservationSize;
            var observations = env.Observations;
            for (var i = 0; i < observations.Length; i++)
            {
                if (!float.IsFinite(observations[i]))
                {
                    throw new NonFiniteEnvironmentException(i / size, step, $"observation[{i % size}]", observations[i]);
                }
            }

            if (!afterStep)
            {
                return;
            }

            for (var i = 0; i < env.NumEnvs; i++)
            {
                if (!float.IsFinite(env.Rewards[i]))
                {
                    throw new NonFiniteEnvironmentException(i, step, "reward", env.Rewards[i]);
                }

                if (env.Terminated[i] || env.Truncated[i])
                {
                    var final = env.FinalObservations.AsSpan(i * size, size);
                    for (var k = 0; k < size; k++)
                    {
                        if (!float.IsFinite(final[k]))
                        {
                            throw new NonFiniteEnvironmentException(i, step, $"final observation[{k}]", final[k]);
                        }
                    }
                }
            }
        }

        public void Step(RolloutBuffer into, int t, long step)
        {
            var env = _env;
            var n = env.NumEnvs;
            var obsSize = env.ObservationSize;
            _policy.Act(Current, n, _discreteActions, _continuousActions, _values);
            Current.CopyTo(into.Observations, t * n * obsSize);
            if (Discrete)
            {
                _discreteActions.CopyTo(into.DiscreteActions, t * n);
            }
            else
            {
                _continuousActions.CopyTo(into.ContinuousActions, t * _continuousActions.Length);
            }
            _values.CopyTo(into.Values, t * n);
            StepWithActions(env, _discreteActions, _continuousActions, _clipped);
            RequireFinite(step, afterStep: true);

            var terminated = into.Terminated.AsSpan(t * n, n);
            var truncated = into.Truncated.AsSpan(t * n, n);
            env.Terminated.CopyTo(terminated);
            env.Truncated.CopyTo(truncated);
            env.Rewards.CopyTo(_rewards, 0);
            if (_normalizer is null)
            {
                env.Observations.CopyTo(Current, 0);
            }
            else
            {
                for (var i = 0; i < n; i++)
                {
                    _dones[i] = terminated[i] || truncated[i];
                }

                _normalizer.Step(env.Observations, _rewards, _dones).CopyTo(Current, 0);
            }

            _rewards.CopyTo(into.Rewards, t * n);
            var finalValues = into.FinalValues.AsSpan(t * n, n);
            for (var i = 0; i < n; i++)
            {
                finalValues[i] = 0f;
                if (truncated[i] && !terminated[i])
                {
                    ReadOnlySpan<float> final = env.FinalObservations.AsSpan(i * obsSize, obsSize);
                    if (_normalizer is not null)
                    {
                        final = _normalizer.Observations(final.ToArray());
                    }

                    _policy.Values(final, 1, finalValues.Slice(i, 1));
                }
            }

            foreach (var episode in env.FinishedEpisodes)
            {
                into.Episodes.Add(episode);
            }
        }
    }
}
