using TorchSharp.Modules;

namespace A2C.Training;

/// <summary>
/// Writes the progress rows as TensorBoard scalars with Stable-Baselines3's tags (rollout/, time/,
/// train/), the step being the env-step count. Each run, and each resume, starts a new event file.
/// </summary>
public sealed class TensorBoardSink : IObserver<UpdateReport>
{
    private readonly SummaryWriter _writer;
    private readonly int _logInterval;

    /// <summary>Creates the directory if need be and a new event file in it.</summary>
    /// <param name="directory">The event files' directory (<see cref="RunFiles.TensorBoardPath"/>).</param>
    /// <param name="logInterval">Updates between scalars, at least 1 (as progress.csv's rows).</param>
    /// <exception cref="IOException">The directory or the file cannot be written; the message names it.</exception>
    public TensorBoardSink(string directory, int logInterval)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(logInterval, 1);
        _logInterval = logInterval;
        try
        {
            _writer = TorchSharp.torch.utils.tensorboard.SummaryWriter(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw FileErrors.CannotWrite(directory, e);
        }
    }

    /// <inheritdoc/>
    public void OnNext(UpdateReport value)
    {
        if (!ProgressSink.Logs(value, _logInterval))
        {
            return;
        }

        try
        {
            WriteScalars(value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw FileErrors.CannotWrite(_writer.LogDir, e);
        }
    }

    /// <inheritdoc/>
    public void OnError(Exception error)
    {
    }

    /// <inheritdoc/>
    public void OnCompleted()
    {
    }

    private void WriteScalars(UpdateReport report)
    {
        var step = (int)Math.Min(report.TotalTimesteps, int.MaxValue);
        if (report.RecentMeanReturn is { } r)
        {
            _writer.add_scalar("rollout/ep_rew_mean", (float)r, step);
        }

        if (report.RecentMeanLength is { } l)
        {
            _writer.add_scalar("rollout/ep_len_mean", (float)l, step);
        }

        _writer.add_scalar("time/fps", (float)report.Fps, step);
        _writer.add_scalar("train/policy_loss", (float)report.Stats.PolicyLoss, step);
        _writer.add_scalar("train/value_loss", (float)report.Stats.ValueLoss, step);
        _writer.add_scalar("train/entropy", (float)report.Stats.Entropy, step);
        _writer.add_scalar("train/explained_variance", (float)report.Stats.ExplainedVariance, step);
        _writer.add_scalar("train/learning_rate", (float)report.Stats.LearningRate, step);
    }
}
