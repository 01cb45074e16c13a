using System.Diagnostics;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using A2C.Envs;
using A2C.Envs.Spaces;
using A2C.Envs.Vector;
using TorchSharp;
using static TorchSharp.torch;

namespace A2C.Training;

/// <summary>Progress after one update.</summary>
/// <param name="Update">Updates so far.</param>
/// <param name="TotalTimesteps">Environment steps so far (all envs).</param>
/// <param name="Fps">Environment steps per second since the start.</param>
/// <param name="EpisodeCount">Episodes finished so far.</param>
/// <param name="RecentMeanReturn">Mean return of the last 100 finished episodes (null before the first).</param>
/// <param name="RecentMeanLength">Mean length of the last 100 finished episodes (null before the first).</param>
/// <param name="Stats">What the update did.</param>
/// <param name="Stop">Training ends after this update.</param>
public sealed record UpdateReport(long Update, long TotalTimesteps, double Fps, int EpisodeCount, double? RecentMeanReturn, double? RecentMeanLength, UpdateStats Stats, bool Stop);

/// <summary>A finished training episode, as Stable-Baselines3's Monitor records it.</summary>
/// <param name="Return">r: the episode's return.</param>
/// <param name="Length">l: its length.</param>
/// <param name="Seconds">t: seconds since training started.</param>
public readonly record struct EpisodeRecord(double Return, int Length, double Seconds);

/// <summary>How training ended.</summary>
/// <param name="TotalTimesteps">Environment steps taken.</param>
/// <param name="WallSeconds">Wall time of the training loop.</param>
/// <param name="Fps">Steps per second.</param>
/// <param name="Episodes">Episodes finished.</param>
/// <param name="FinalMeanReturn">Mean return of the last 100 training episodes.</param>
/// <param name="ReachedThreshold">The last-100 mean reached the env's reward threshold.</param>
/// <param name="Cancelled">Stopped by cancellation (Ctrl+C).</param>
public sealed record TrainingResult(long TotalTimesteps, double WallSeconds, double Fps, int Episodes, double? FinalMeanReturn, bool ReachedThreshold, bool Cancelled);

/// <summary>Mean and standard deviation of evaluation returns.</summary>
/// <param name="Episodes">Returns of the evaluated episodes.</param>
public sealed record EvalResult(IReadOnlyList<double> Episodes)
{
    /// <summary>Mean return.</summary>
    public double Mean => Episodes.Average();

    /// <summary>Population standard deviation of the returns.</summary>
    public double Std => Spread.Of(Episodes).Std;
}

/// <summary>
/// Trains an A2C agent: the rollout stream (Rx, one thread) feeds the learner one rollout at a time,
/// each learned from before the next step is taken. Reports flow out through <see cref="Reports"/>.
/// </summary>
public sealed partial class Trainer : IDisposable
{
    private const int RecentEpisodes = 100;
    private readonly Subject<UpdateReport> _reports = new();
    private readonly Subject<NonFiniteEnvironmentException> _skips = new();
    private readonly Subject<TrainingState> _checkpoints = new();
    private double _elapsedBefore;
    private bool _resumed;
    private readonly List<EpisodeRecord> _episodes = [];
    private readonly Device _device;
    private Normalizer? _normalizer;
    private readonly EventLoopScheduler _thread = new(start => new Thread(start) { Name = "a2c-training", IsBackground = true });

    /// <summary>Builds the envs, the model (weights seeded from <c>options.Seed</c>) and the optimizer.</summary>
    /// <param name="options">Options; validated here.</param>
    /// <param name="device">Device for the model.</param>
    /// <param name="remote">Deadlines and limits when <c>options.Env</c> is a <c>grpc://</c> server.</param>
    /// <exception cref="ArgumentException">An option is out of range; the message names every one.</exception>
    /// <exception cref="IncompatibleOptionsException">An option does not fit the env (use_sde with discrete actions).</exception>
    /// <exception cref="A2C.Envs.Remote.RemoteEnvironmentException">The remote simulator cannot be reached or does not speak the protocol.</exception>
    public Trainer(A2COptions options, Device? device = null, A2C.Envs.Remote.RemoteEnvOptions? remote = null)
        : this(Validated(options), EnvFactory.Create(options.Env, options.NEnvs, remote, options.EnvStepTimeout > 0 ? TimeSpan.FromSeconds(options.EnvStepTimeout) : null, options.EnvKwargs), null, device)
    {
    }

    /// <summary>
    /// Trains on <paramref name="env"/>, any vector env (e.g. a <c>SimulatorVectorEnv</c> over
    /// simulators that push), with the same loop, logs and checkpoints; the trainer disposes it.
    /// <c>options.Env</c> names the run and <c>options.NEnvs</c> is taken from the env. A
    /// checkpoint of such a run cannot be resumed by <see cref="Resume"/>, which rebuilds envs from
    /// their id.
    /// </summary>
    /// <param name="options">Options; validated here.</param>
    /// <param name="env">The envs to train on.</param>
    /// <param name="spec">Time limit and reward threshold (default: the registry's for <c>options.Env</c> if registered, else none).</param>
    /// <param name="device">Device for the model.</param>
    /// <exception cref="ArgumentException">An option is out of range; the message names every one.</exception>
    /// <exception cref="IncompatibleOptionsException">An option does not fit the env (use_sde with discrete actions).</exception>
    public Trainer(A2COptions options, IVectorEnv env, EnvSpec? spec = null, Device? device = null)
    {
        Validated(options);
        ArgumentNullException.ThrowIfNull(env);
        A2C.Training.TorchRuntime.EnsureLoadable();
        _device = device ?? CPU;
        Env = env;
        Spec = spec ?? (RemoteVectorEnvId(options.Env) || Registry.Specs.Any(s => s.Id == options.Env)
            ? EnvFactory.Spec(options.Env, env)
            : new EnvSpec(options.Env, () => throw new NotSupportedException($"{options.Env} is not registered."), null, null, options.Env));

        // A remote simulator decides how many envs it serves.
        Options = options = options with { NEnvs = Env.NumEnvs };
        if (options.UseSde && Env.SingleActionSpace is not Box)
        {
            Env.Dispose();
            throw new IncompatibleOptionsException($"{Hyperparameters.UseSde.Name} needs a Box action space; {options.Env} has {Env.SingleActionSpace} actions. gSDE explores continuous actions only.");
        }

        if (options.UseActionMasks && (Spec.ActionMask is null || Env.SingleActionSpace is not Discrete || options.Normalize))
        {
            Env.Dispose();
            throw new IncompatibleOptionsException(Spec.ActionMask is null
                ? $"{Hyperparameters.UseActionMasks.Name}: {options.Env} gives no action mask (Taxi-v4 does)."
                : options.Normalize
                    ? $"{Hyperparameters.UseActionMasks.Name} reads the raw observations, so it does not go with {Hyperparameters.Normalize.Name}."
                    : $"{Hyperparameters.UseActionMasks.Name} masks Discrete actions; {options.Env} has {Env.SingleActionSpace}.");
        }

        PolicySpec policySpec;
        Engine engine;
        try
        {
            policySpec = PolicySpec.For(Env.SingleObservationSpace, Env.SingleActionSpace, options);
            engine = EngineChoice.Resolve(options.Engine, _device, policySpec);
            if (engine == Engine.Torch && options.Threads > 1)
            {
                throw new ArgumentException($"{Hyperparameters.Threads.Name} {options.Threads} splits the .NET engine's work, and this run goes to TorchSharp ({policySpec.TorchOnlyReason ?? $"the model is on {_device}"}); set OMP_NUM_THREADS for TorchSharp's threads.");
            }
        }
        catch (ArgumentException e)
        {
            Env.Dispose();
            throw new IncompatibleOptionsException($"{options.Env}: {e.Message}");
        }

        // Weights, sampling and envs each get their own seed, so none depends on the global RNG.
        // Weights are drawn single-threaded, so every engine and thread count starts from the
        // same ones. The .NET engine leaves libtorch only the optimizer's few element-wise
        // operations, too small to share out: it keeps one intra-op thread (process-wide), which
        // stops libtorch's idle workers spinning on the other core (112 instead of 126 us per
        // update at 8 envs). TorchSharp on the CPU does the same unless OMP_NUM_THREADS says
        // otherwise: the batches of a rollout are too small to share out, and on 2 cores one thread
        // ran ImageIdentity-v0's CnnPolicy 2.9x faster (docs/benchmarks.md).
        var model = OnTrainingThread(() =>
        {
            var oneThread = engine == Engine.DotNet
                || (_device.type == TorchSharp.DeviceType.CPU && Environment.GetEnvironmentVariable("OMP_NUM_THREADS") is null);
            var threads = oneThread ? 1 : get_num_threads();
            set_num_threads(1);
            var built = ActorCritic.Seeded(policySpec, options.Seed, _device);
            set_num_threads(threads);
            return built;
        });
        Agent = new Agent(model, options.Seed + 1L, _device, engine, options.Threads)
        {
            SdeSampleFreq = options.SdeSampleFreq,
            ActionMask = options.UseActionMasks ? Spec.ActionMask : null,
        };
        Learner = new Learner(Agent, options, _device);
        Normalizer = options.Normalize ? new Normalizer(options.NEnvs, Env.ObservationSize, options.Gamma) : null;
    }

    /// <summary>Observation and reward normalization, when the options ask for it; one set here normalizes only what the policy's spaces allow (see <see cref="Normalizer.Mask"/>).</summary>
    public Normalizer? Normalizer
    {
        get => _normalizer;
        set
        {
            if (value is not null)
            {
                value.Mask ??= Agent.Model.Spec.Encoding?.NormalizableMask();
            }

            _normalizer = value;
        }
    }

    /// <summary>The resolved options.</summary>
    public A2COptions Options { get; }

    /// <summary>The environment's registration.</summary>
    public EnvSpec Spec { get; }

    /// <summary>The training envs.</summary>
    public IVectorEnv Env { get; }

    /// <summary>The acting policy.</summary>
    public Agent Agent { get; }

    /// <summary>The learner.</summary>
    public Learner Learner { get; }

    /// <summary>One report per update, pushed on the training thread.</summary>
    public IObservable<UpdateReport> Reports => _reports;

    /// <summary>Rollouts dropped under <c>nan_policy skip</c>, each with what was not finite, pushed on the training thread.</summary>
    public IObservable<NonFiniteEnvironmentException> SkippedRollouts => _skips;

    /// <summary>How many rollouts were dropped under <c>nan_policy skip</c> (their steps are not counted in <see cref="Timesteps"/>).</summary>
    public long Skipped { get; private set; }

    /// <summary>Finished training episodes so far.</summary>
    public IReadOnlyList<EpisodeRecord> Episodes => _episodes;

    /// <summary>Environment steps taken so far (all envs).</summary>
    public long Timesteps { get; private set; }

    /// <summary>Updates made so far.</summary>
    public long Updates { get; private set; }

    /// <summary>Write a checkpoint every this many environment steps (0: never during training).</summary>
    public long CheckpointEvery { get; set; }

    /// <summary>
    /// The run's state every <see cref="CheckpointEvery"/> steps, pushed on the training thread
    /// once every observer of <see cref="Reports"/> has had that update's report, so that a run
    /// killed right after writing a checkpoint has logged everything up to it. Captured only while
    /// something observes it.
    /// </summary>
    public IObservable<TrainingState> Checkpoints => _checkpoints;

    /// <summary>The device the model is on.</summary>
    public Device Device => _device;

    /// <summary>Resumes the run saved in <paramref name="path"/>.</summary>
    /// <param name="path">A checkpoint written by <see cref="Checkpoint.Save"/> (read by <see cref="Checkpoint.Load"/>).</param>
    /// <param name="configure">Changes to the saved options that do not alter the run's shape (e.g. a larger total_timesteps).</param>
    /// <param name="device">Device for the model.</param>
    /// <returns>A trainer that continues where the checkpoint left off.</returns>
    /// <exception cref="CheckpointException">The checkpoint is damaged or does not fit.</exception>
    /// <param name="remote">Deadlines and limits when the run's env is a <c>grpc://</c> server.</param>
    public static Trainer Resume(string path, Func<A2COptions, A2COptions>? configure = null, Device? device = null, A2C.Envs.Remote.RemoteEnvOptions? remote = null)
    {
        var state = Checkpoint.Load(path);
        var saved = state.Options;
        var options = configure is null ? saved : configure(saved);
        var shape = Hyperparameters.All.Where(o => o.OnResume == ResumeRule.Shape).ToList();
        if (shape.Where(o => !o.Same(options, saved)).ToList() is { Count: > 0 } changed)
        {
            static string Values(IEnumerable<Hyperparameter> rows, A2COptions o) => string.Join(", ", rows.Select(row => $"{row.Name} {row.Format(o)}"));
            throw new CheckpointException(
                $"the checkpoint '{path}' is for {Values(shape, saved)}; {Values(changed, options)} asked for, but {string.Join(", ", shape.Select(o => o.Name))} cannot change on resume.");
        }

        var trainer = new Trainer(options, device, remote);
        try
        {
            trainer.Restore(state);
        }
        catch
        {
            trainer.Dispose();
            throw;
        }

        return trainer;
    }

    /// <summary>Trains until total_timesteps, the reward threshold (when asked), or cancellation.</summary>
    /// <param name="stopAtThreshold">Stop once the last-100 mean return reaches the env's threshold.</param>
    /// <param name="cancellation">Stops after the current update.</param>
    /// <returns>How it ended.</returns>
    public TrainingResult Run(bool stopAtThreshold = false, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        var perUpdate = (long)Options.NEnvs * Options.NSteps;
        var startSteps = Timesteps;
        var elapsedAtStart = _elapsedBefore;
        var reached = false;
        double Elapsed() => _elapsedBefore + clock.Elapsed.TotalSeconds;
        var threshold = Spec.RewardThreshold;
        Exception? failure = null;
        using var finished = new ManualResetEventSlim();

        UpdateReport Learn(RolloutBuffer rollout)
        {
            var progressRemaining = 1.0 - (double)Timesteps / Options.TotalTimesteps;
            var stats = Learner.Update(rollout, progressRemaining);
            Timesteps += perUpdate;
            Updates++;
            foreach (var episode in rollout.Episodes)
            {
                _episodes.Add(new EpisodeRecord(episode.Return, episode.Length, Elapsed()));
            }

            var (meanReturn, meanLength) = Recent();
            reached = threshold is { } t && meanReturn is { } m && _episodes.Count >= RecentEpisodes && m >= t;
            var stop = Timesteps >= Options.TotalTimesteps || (stopAtThreshold && reached) || cancellation.IsCancellationRequested;
            var report = new UpdateReport(Updates, Timesteps, Timesteps / Math.Max(Elapsed(), 1e-9), _episodes.Count, meanReturn, meanLength, stats, stop);
            _reports.OnNext(report);

            // After the report, so the sinks have written this update's rows: a run killed right
            // after the checkpoint has logged everything up to it, and the resume, which starts
            // after this update, leaves no gap.
            if (CheckpointEvery > 0 && _checkpoints.HasObservers && Timesteps / CheckpointEvery > (Timesteps - perUpdate) / CheckpointEvery)
            {
                _elapsedBefore += clock.Elapsed.TotalSeconds;
                clock.Restart();
                _checkpoints.OnNext(Capture());
            }

            return report;
        }

        if (Timesteps >= Options.TotalTimesteps)
        {
            var (done, _) = Recent();
            return new TrainingResult(Timesteps, _elapsedBefore, Timesteps / Math.Max(_elapsedBefore, 1e-9), _episodes.Count, done, false, false);
        }

        void Skip(NonFiniteEnvironmentException e)
        {
            Skipped++;
            _skips.OnNext(e);
        }

        using var subscription = RolloutStream.CreateRollouts(Env, Agent, Options.NSteps, _resumed ? null : Options.Seed, _thread, Normalizer, resume: _resumed, Options.NanPolicy, Skip)
            .Select(Learn)
            .TakeWhile(r => !r.Stop)
            .Subscribe(_ => { }, e => { failure = e; finished.Set(); }, finished.Set);
        finished.Wait(CancellationToken.None);

        // Wait for the training thread to leave the rollout loop: the stream signals the end before
        // it unsubscribes, and disposing the subscription from here at the same time could let the
        // loop step the envs on (and draw actions) before it sees the stop, so that a checkpoint
        // written after Run would hold envs and sampler ahead of the model.
        OnTrainingThread(() => 0);
        clock.Stop();
        _elapsedBefore += clock.Elapsed.TotalSeconds;
        _resumed = true;
        if (failure is not null)
        {
            throw failure;
        }

        // The clock restarts at every checkpoint; the run's wall time is what was added since the start.
        var (finalMean, _) = Recent();
        var steps = Timesteps - startSteps;
        var wall = _elapsedBefore - elapsedAtStart;
        return new TrainingResult(Timesteps, wall, steps / Math.Max(wall, 1e-9), _episodes.Count, finalMean, reached, cancellation.IsCancellationRequested);
    }

    /// <summary>The seed of the evaluation envs, the run's seed + 1000: apart from the training envs' seeds, and the same for every evaluation of a run, so evaluations compare.</summary>
    public int EvaluationSeed => Options.Seed + 1000;

    /// <summary>Runs <paramref name="episodes"/> episodes with the policy on fresh envs.</summary>
    /// <param name="episodes">How many, at least 1.</param>
    /// <param name="seed">Seed of the evaluation envs.</param>
    /// <param name="deterministic">Most likely actions (the default) rather than samples.</param>
    /// <returns>Their returns.</returns>
    public EvalResult Evaluate(int episodes, int seed, bool deterministic = true) =>
        OnTrainingThread(() => Evaluation.Run(Agent, Options.Env, Options.EnvKwargs, episodes, seed, Normalizer, deterministic));

    /// <summary>Releases envs, model, optimizer and the training thread.</summary>
    public void Dispose()
    {
        Learner.Dispose();
        Agent.Dispose();
        Agent.Model.Dispose();
        Env.Dispose();
        _reports.Dispose();
        _skips.Dispose();
        _checkpoints.Dispose();
        _thread.Dispose();
    }

    private static A2COptions Validated(A2COptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        }

        return options;
    }

    private static bool RemoteVectorEnvId(string id) => A2C.Envs.Remote.RemoteVectorEnv.IsRemote(id);

    private (double? Return, double? Length) Recent()
    {
        if (_episodes.Count == 0)
        {
            return (null, null);
        }

        // A loop, not LINQ: this runs after every update and should not allocate.
        var first = Math.Max(0, _episodes.Count - RecentEpisodes);
        double returns = 0, lengths = 0;
        for (var i = first; i < _episodes.Count; i++)
        {
            returns += _episodes[i].Return;
            lengths += _episodes[i].Length;
        }

        var count = _episodes.Count - first;
        return (returns / count, lengths / count);
    }

    /// <summary>Runs TorchSharp work on this trainer's thread: libtorch keeps one thread pool per calling thread, and idle pools spin.</summary>
    internal T OnTrainingThread<T>(Func<T> work) => Observable.Start(work, _thread).Wait();
}
