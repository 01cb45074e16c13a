namespace A2C.Training;

/// <summary>Writes each state of <see cref="Trainer.Checkpoints"/> to one checkpoint file, replacing the previous one atomically.</summary>
public sealed class CheckpointSink : IObserver<TrainingState>
{
    private readonly string _path;

    /// <summary>Creates the sink.</summary>
    /// <param name="path">The checkpoint file (e.g. <see cref="RunFiles.CheckpointPath"/>).</param>
    public CheckpointSink(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = path;
    }

    /// <inheritdoc/>
    public void OnNext(TrainingState value) => Checkpoint.Save(value, _path);

    /// <inheritdoc/>
    public void OnError(Exception error)
    {
    }

    /// <inheritdoc/>
    public void OnCompleted()
    {
    }
}
