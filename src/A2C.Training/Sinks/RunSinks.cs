using System.Reactive.Disposables;

namespace A2C.Training;

/// <summary>The writers of a run directory, subscribed to a trainer in the order the files rely on.</summary>
public static class RunSinks
{
    /// <summary>
    /// Subscribes monitor.csv, progress.csv and TensorBoard to the trainer's reports, in that
    /// order, and checkpoint.zip to its checkpoints, which the trainer pushes after the reports:
    /// a checkpoint is written only once its update's rows are.
    /// </summary>
    /// <param name="trainer">The trainer (set its <see cref="Trainer.CheckpointEvery"/>).</param>
    /// <param name="files">The run directory's files.</param>
    /// <param name="logInterval">Updates between progress rows and TensorBoard scalars, at least 1.</param>
    /// <returns>Ends every subscription.</returns>
    /// <exception cref="IOException">The TensorBoard directory cannot be written; the message names it.</exception>
    public static IDisposable Subscribe(Trainer trainer, RunFiles files, int logInterval)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(files);
        var monitor = new MonitorSink(files, trainer.Episodes);
        var progress = new ProgressSink(files, logInterval);
        var tensorboard = new TensorBoardSink(files.TensorBoardPath, logInterval);
        return new CompositeDisposable(
            trainer.Reports.Subscribe(monitor),
            trainer.Reports.Subscribe(progress),
            trainer.Reports.Subscribe(tensorboard),
            trainer.Checkpoints.Subscribe(new CheckpointSink(files.CheckpointPath)));
    }
}
