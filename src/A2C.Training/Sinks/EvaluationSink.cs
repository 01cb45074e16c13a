using System.Globalization;
using System.Text;

namespace A2C.Training;

/// <summary>
/// Periodic deterministic evaluation, as Stable-Baselines3's EvalCallback (<c>eval_freq</c>,
/// <c>n_eval_episodes</c>): every <c>every</c> environment steps the policy plays that many
/// episodes on fresh envs, and a row goes to evaluations.csv. It runs on the training thread,
/// between updates, and draws nothing from the training's random streams, so a run with it
/// trains exactly as one without.
/// </summary>
public sealed class EvaluationSink : IObserver<UpdateReport>
{
    /// <summary>The file's name in the run directory.</summary>
    public const string FileName = "evaluations.csv";

    /// <summary>Columns of evaluations.csv, in order.</summary>
    public static readonly string[] Columns = ["timesteps", "mean_return", "std_return", "episodes"];

    private readonly Trainer _trainer;
    private readonly long _every;
    private readonly int _episodes;
    private readonly int _seed;
    private readonly string _path;
    private readonly Action<long, EvalResult>? _evaluated;

    /// <summary>Creates the sink; the file starts with its header or, when resuming, keeps its rows up to <paramref name="resumedAt"/>.</summary>
    /// <param name="trainer">The trainer whose policy is evaluated.</param>
    /// <param name="directory">The run directory.</param>
    /// <param name="every">Environment steps between evaluations, at least 1.</param>
    /// <param name="episodes">Episodes per evaluation, at least 1.</param>
    /// <param name="resumedAt">The checkpoint's step count for a resumed run (later rows are dropped: they are made again), or null for a new run.</param>
    /// <param name="evaluated">Told of each evaluation (steps, result), after its row is written.</param>
    /// <exception cref="IOException">The file cannot be written; the message names it.</exception>
    public EvaluationSink(Trainer trainer, string directory, long every, int episodes, long? resumedAt = null, Action<long, EvalResult>? evaluated = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(episodes, 1);
        _trainer = trainer;
        _every = every;
        _episodes = episodes;
        _seed = trainer.EvaluationSeed;
        _path = Path.Combine(directory, FileName);
        _evaluated = evaluated;
        var header = string.Join(",", Columns);
        var kept = resumedAt is { } steps && File.Exists(_path)
            ? File.ReadAllLines(_path).Skip(1).Where(line => Steps(line) is { } at && at <= steps)
            : [];
        try
        {
            RunFiles.WriteAtomically(_path, string.Concat(new[] { header }.Concat(kept).Select(line => line + "\n")));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw FileErrors.CannotWrite(_path, e);
        }
    }

    /// <summary>The step count of an evaluations.csv row; null for a row cut short.</summary>
    public static long? Steps(string row)
    {
        var fields = row.Split(',');
        return fields.Length == Columns.Length && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var steps) ? steps : null;
    }

    /// <inheritdoc/>
    public void OnNext(UpdateReport value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var perUpdate = (long)_trainer.Options.NEnvs * _trainer.Options.NSteps;
        if (value.TotalTimesteps / _every <= (value.TotalTimesteps - perUpdate) / _every)
        {
            return;
        }

        var result = Evaluation.Run(_trainer.Agent, _trainer.Options.Env, _trainer.Options.EnvKwargs, _episodes, _seed, _trainer.Normalizer, deterministic: true);
        var row = string.Create(CultureInfo.InvariantCulture, $"{value.TotalTimesteps},{result.Mean:R},{result.Std:R},{result.Episodes.Count}\n");
        try
        {
            File.AppendAllText(_path, row, new UTF8Encoding(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw FileErrors.CannotWrite(_path, e);
        }

        _evaluated?.Invoke(value.TotalTimesteps, result);
    }

    /// <inheritdoc/>
    public void OnError(Exception error)
    {
    }

    /// <inheritdoc/>
    public void OnCompleted()
    {
    }
}
