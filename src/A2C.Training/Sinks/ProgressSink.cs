namespace A2C.Training;

/// <summary>Writes progress.csv: a row every <c>logInterval</c> updates and one for the last update.</summary>
public sealed class ProgressSink : IObserver<UpdateReport>
{
    private readonly RunFiles _files;
    private readonly int _logInterval;

    /// <summary>Creates the sink.</summary>
    /// <param name="files">The run directory's files.</param>
    /// <param name="logInterval">Updates between rows, at least 1.</param>
    public ProgressSink(RunFiles files, int logInterval)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentOutOfRangeException.ThrowIfLessThan(logInterval, 1);
        _files = files;
        _logInterval = logInterval;
    }

    /// <summary>Whether <paramref name="report"/> gets a row (and TensorBoard scalars): every <paramref name="logInterval"/>th update and the last.</summary>
    /// <param name="report">The update.</param>
    /// <param name="logInterval">Updates between rows.</param>
    /// <returns>True when it is logged.</returns>
    public static bool Logs(UpdateReport report, int logInterval)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.Update % logInterval == 0 || report.Stop;
    }

    /// <inheritdoc/>
    public void OnNext(UpdateReport value)
    {
        if (Logs(value, _logInterval))
        {
            _files.WriteProgress(value);
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
}
