using System.Reactive.Subjects;

namespace A2C.Training;

/// <summary>One seed's run: its training result, its learning curve and its evaluation.</summary>
/// <param name="Seed">The seed.</param>
/// <param name="Training">What training did.</param>
/// <param name="Curve">After every update: env steps so far and the mean return of the last 100 episodes (null before the first episode ends).</param>
/// <param name="Evaluation">Deterministic evaluation at the end (null with zero evaluation episodes).</param>
public sealed record SeedResult(int Seed, TrainingResult Training, IReadOnlyList<(long Steps, double? MeanReturn)> Curve, EvalResult? Evaluation);

/// <summary>Every seed's run of an experiment.</summary>
/// <param name="Env">The env id.</param>
/// <param name="Options">The options every seed ran with (but for the seed).</param>
/// <param name="Seeds">One result per seed, in order.</param>
public sealed record ExperimentResult(string Env, A2COptions Options, IReadOnlyList<SeedResult> Seeds)
{
    /// <summary>Mean over seeds of the evaluation's mean return.</summary>
    public double MeanEvaluation => Seeds.Where(s => s.Evaluation is not null).Average(s => s.Evaluation!.Mean);

    /// <summary>Standard deviation over seeds of the evaluation's mean return.</summary>
    public double StdEvaluation => Spread.Of(Seeds.Where(s => s.Evaluation is not null).Select(s => s.Evaluation!.Mean).ToArray()).Std;
}

/// <summary>
/// A scripted experiment, built fluently and run in this process:
/// <c>Experiment.On("CartPole-v1").Envs(8).Seeds(1, 2, 3).With(o =&gt; o with { NSteps = 5 }).Run(200_000)</c>.
/// Seeds run one after another (each trainer uses its own thread); <see cref="Progress"/> reports
/// every update of every seed as it happens.
/// </summary>
public sealed class Experiment
{
    private readonly Subject<UpdateReport> _progress = new();
    private A2COptions _options;
    private int[] _seeds = [0];
    private int _evaluationEpisodes = 10;

    private Experiment(string env) => _options = A2COptions.Defaults with { Env = env };

    /// <summary>Every update of every seed, pushed on the training thread as it happens; completes when <see cref="Run"/> returns.</summary>
    public IObservable<UpdateReport> Progress => _progress;

    /// <summary>An experiment on <paramref name="env"/> (a registered id or <c>grpc://HOST:PORT</c>) with A2C's defaults.</summary>
    /// <param name="env">The env id.</param>
    /// <returns>The experiment.</returns>
    public static Experiment On(string env)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(env);
        return new Experiment(env);
    }

    /// <summary>Trains on <paramref name="n"/> envs.</summary>
    /// <param name="n">n_envs.</param>
    /// <returns>This experiment.</returns>
    public Experiment Envs(int n)
    {
        _options = _options with { NEnvs = n };
        return this;
    }

    /// <summary>Runs once per seed.</summary>
    /// <param name="seeds">The seeds.</param>
    /// <returns>This experiment.</returns>
    public Experiment Seeds(params int[] seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentOutOfRangeException.ThrowIfZero(seeds.Length);
        _seeds = seeds;
        return this;
    }

    /// <summary>Changes the options, e.g. <c>o =&gt; o with { NSteps = 5 }</c>.</summary>
    /// <param name="change">The change.</param>
    /// <returns>This experiment.</returns>
    public Experiment With(Func<A2COptions, A2COptions> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        _options = change(_options);
        return this;
    }

    /// <summary>Evaluates each seed's policy deterministically over this many episodes at the end (0: none; default 10).</summary>
    /// <param name="episodes">Episodes.</param>
    /// <returns>This experiment.</returns>
    public Experiment Evaluate(int episodes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(episodes);
        _evaluationEpisodes = episodes;
        return this;
    }

    /// <summary>Trains every seed for <paramref name="totalTimesteps"/> env steps and evaluates it.</summary>
    /// <param name="totalTimesteps">Env steps per seed.</param>
    /// <returns>Every seed's result.</returns>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    public ExperimentResult Run(long totalTimesteps)
    {
        var options = _options with { TotalTimesteps = totalTimesteps };
        var results = new List<SeedResult>();
        try
        {
            foreach (var seed in _seeds)
            {
                using var trainer = new Trainer(options with { Seed = seed });
                var curve = new List<(long, double?)>();
                using var recording = trainer.Reports.Subscribe(report =>
                {
                    curve.Add((report.TotalTimesteps, report.RecentMeanReturn));
                    _progress.OnNext(report);
                });
                var training = trainer.Run();
                var evaluation = _evaluationEpisodes > 0 ? trainer.Evaluate(_evaluationEpisodes, trainer.EvaluationSeed) : null;
                results.Add(new SeedResult(seed, training, curve, evaluation));
            }
        }
        finally
        {
            _progress.OnCompleted();
        }

        return new ExperimentResult(options.Env, options, results);
    }
}
