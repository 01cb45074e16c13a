namespace A2C.Training;

/// <summary>Writes monitor.csv: after every update, a row for each episode finished in it.</summary>
public sealed class MonitorSink : IObserver<UpdateReport>
{
    private readonly RunFiles _files;
    private readonly IReadOnlyList<EpisodeRecord> _episodes;

    /// <summary>Creates the sink.</summary>
    /// <param name="files">The run directory's files.</param>
    /// <param name="episodes">The trainer's episode log (<see cref="Trainer.Episodes"/>), read after each update.</param>
    public MonitorSink(RunFiles files, IReadOnlyList<EpisodeRecord> episodes)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(episodes);
        _files = files;
        _episodes = episodes;
    }

    /// <inheritdoc/>
    public void OnNext(UpdateReport value) => _files.WriteEpisodes(_episodes);

    /// <inheritdoc/>
    public void OnError(Exception error)
    {
    }

    /// <inheritdoc/>
    public void OnCompleted()
    {
    }
}
