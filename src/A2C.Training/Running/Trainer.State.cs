using A2C.Envs;

namespace A2C.Training;

/// <summary>The trainer's state as plain data: captured for checkpoints, restored on resume.</summary>
public sealed partial class Trainer
{
    /// <summary>The run's state now, as plain data (copies); call between updates, e.g. after <see cref="Run"/>.</summary>
    /// <returns>The state, which <see cref="Restore"/> and <see cref="Checkpoint.Save"/> take.</returns>
    public TrainingState CaptureState() => OnTrainingThread(Capture);

    /// <summary>
    /// Continues from <paramref name="state"/>: weights, optimizer, sampler, envs, counters, episode
    /// log and normalization. The trainer must have been built with the state's options (those that
    /// shape the run); call it before <see cref="Run"/>.
    /// </summary>
    /// <param name="state">A state from <see cref="CaptureState"/> or <see cref="Checkpoint.Load"/>.</param>
    /// <exception cref="CheckpointException">The state does not fit this trainer (another architecture, a damaged part); the message names its source.</exception>
    public void Restore(TrainingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        OnTrainingThread(() =>
        {
            RestoreHere(state);
            return 0;
        });
        _resumed = true;
    }

    /// <summary>Writes a checkpoint of the state now (<see cref="CaptureState"/>, then <see cref="Checkpoint.Save"/>).</summary>
    /// <param name="path">The checkpoint file.</param>
    public void SaveCheckpoint(string path) => Checkpoint.Save(CaptureState(), path);

    private static byte[] Serialized(Action<BinaryWriter> write)
    {
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            write(writer);
        }

        return memory.ToArray();
    }

    // On the training thread, between updates.
    private TrainingState Capture() => new(
        Options,
        RunFiles.DeviceName(_device),
        Serialized(w => Agent.Model.save(w)),
        Serialized(Learner.SaveOptimizer),
        Agent.SaveGenerator(),
        // A simulator in another process keeps its own state: only in-process envs are saved, and a
        // resumed remote run starts from a reset (docs/protocol.md).
        Env is ISnapshotable local ? local.SaveSnapshot() : [],
        Timesteps,
        Updates,
        Skipped,
        _elapsedBefore,
        _episodes.ToArray(),
        Normalizer?.ToJson());

    private void RestoreHere(TrainingState state)
    {
        var source = state.Source is { } path ? $"'{path}'" : null;
        try
        {
            ModelFile.CheckFits(Agent.Model, state.Model, source is null ? "the state's model" : $"model.bin in {source}", $"its config.json ({Options.Env})");
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException(e.Message, e);
        }

        try
        {
            using (var reader = new BinaryReader(new MemoryStream(state.Model)))
            {
                Agent.Model.load(reader);
            }

            using (var reader = new BinaryReader(new MemoryStream(state.Optimizer)))
            {
                Learner.LoadOptimizer(reader);
            }

            Agent.LoadGenerator(state.Generator);
            if (Env is ISnapshotable local && state.Envs.Length > 0)
            {
                local.LoadSnapshot(state.Envs);
            }

            if (state.Normalization is { } normalization)
            {
                var normalizer = Normalizer.FromJson(normalization, Options.NEnvs);
                normalizer.Training = true;
                Normalizer = normalizer;
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or KeyNotFoundException or InvalidOperationException or NotSupportedException
            or FormatException or OverflowException or IndexOutOfRangeException or NullReferenceException)
        {
            // Checksums vouch for a checkpoint's bytes, not for a file made by hand or by another
            // program: whatever part does not load, the state is refused, not the process.
            throw new CheckpointException($"{(source is null ? "the training state" : $"the checkpoint {source}")} does not fit this setup: {e.Message}", e);
        }

        Timesteps = state.Timesteps;
        Updates = state.Updates;
        Skipped = state.SkippedRollouts;
        _elapsedBefore = state.ElapsedSeconds;
        _episodes.Clear();
        _episodes.AddRange(state.Episodes);
    }
}
