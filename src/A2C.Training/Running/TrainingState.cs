using System.Text.Json.Nodes;

namespace A2C.Training;

/// <summary>
/// Everything needed to continue a training run exactly, as plain data: what
/// <see cref="Trainer.CaptureState"/> returns, <see cref="Trainer.Restore"/> takes back and
/// <see cref="Checkpoint"/> writes to and reads from a checkpoint file. It holds copies: changing
/// the trainer afterwards does not change it.
/// </summary>
/// <param name="Options">The run's resolved options.</param>
/// <param name="Device">The device the model was on, as config.json spells it (<c>cpu</c>, <c>cuda</c>).</param>
/// <param name="Model">The weights, in TorchSharp's <c>Module.save</c> format (model.bin's).</param>
/// <param name="Optimizer">The optimizer's state (<c>save_state_dict</c>).</param>
/// <param name="Generator">The action sampler's generator.</param>
/// <param name="Envs">Every environment's state (generators, physics, time limits, episode accumulators); empty when the envs keep their own (a remote simulator), and a resumed run then starts them from a reset.</param>
/// <param name="Timesteps">Environment steps taken (all envs).</param>
/// <param name="Updates">Updates made.</param>
/// <param name="SkippedRollouts">Rollouts dropped under <c>nan_policy skip</c>.</param>
/// <param name="ElapsedSeconds">Training wall time so far.</param>
/// <param name="Episodes">The episode log.</param>
/// <param name="Normalization">Normalization statistics (<see cref="Normalizer.ToJson"/>), or null when the run does not normalize.</param>
public sealed record TrainingState(
    A2COptions Options,
    string Device,
    byte[] Model,
    byte[] Optimizer,
    byte[] Generator,
    long[] Envs,
    long Timesteps,
    long Updates,
    long SkippedRollouts,
    double ElapsedSeconds,
    IReadOnlyList<EpisodeRecord> Episodes,
    JsonObject? Normalization)
{
    /// <summary>The checkpoint file the state was read from, for messages; null for a state captured in memory.</summary>
    public string? Source { get; init; }
}
