using A2C.Envs;

namespace A2C.Training;

/// <summary>Recording the trained policy's episodes as videos.</summary>
public sealed partial class Trainer
{
    /// <summary>
    /// Plays <paramref name="episodes"/> episodes of the policy in <paramref name="env"/>, one after
    /// another, and writes their frames, each reset's and every step's, captioned with the step and
    /// the return so far, as one video.
    /// Observations are normalized with the run's frozen statistics when it normalized, as in
    /// <see cref="Evaluate"/>.
    /// </summary>
    /// <param name="env">A renderable env with the run's spaces (a wrapped one passes its drawing through); the caller owns it.</param>
    /// <param name="path">The video: .gif or .mp4 (see <see cref="VideoFile.Check"/>).</param>
    /// <param name="seed">Seeds the env's first reset; null continues its generator's stream.</param>
    /// <param name="episodes">How many episodes, at least 1.</param>
    /// <param name="deterministic">Most likely actions (the default) rather than samples.</param>
    /// <param name="searchPath">Directories to look for ffmpeg in (default: PATH).</param>
    /// <returns>Each episode's return and length, with the video's path.</returns>
    /// <exception cref="A2C.Envs.Rendering.NotRenderableException">The env cannot draw itself; nothing is written.</exception>
    /// <exception cref="VideoFormatException">The path is not a .gif, or an .mp4 with ffmpeg at hand.</exception>
    /// <exception cref="RunFileWriteException">The file cannot be written; nothing is left behind.</exception>
    public IReadOnlyList<RecordedEpisode> Record(IEnv env, string path, int? seed, int episodes = 1, bool deterministic = true, string? searchPath = null) =>
        OnTrainingThread(() => EpisodeRecorder.Record(Agent, env, Normalizer, path, seed, episodes, deterministic, searchPath));

    /// <summary>
    /// Records the episodes <see cref="Evaluate"/> plays for the same arguments, one video each:
    /// evaluation env i (seeded <paramref name="seed"/> + i) owes its share of the episodes, played
    /// here one after another in a single env seeded alike, so a deterministic policy meets the same
    /// starts. Files are <c>DIRECTORY/ENV-episodeK.gif</c>, K from 1, env 0's episodes first.
    /// </summary>
    /// <param name="directory">Where the videos go (created when missing).</param>
    /// <param name="episodes">How many, at least 1.</param>
    /// <param name="seed">Seed of the evaluation envs.</param>
    /// <param name="deterministic">Most likely actions (the default) rather than samples.</param>
    /// <returns>Each episode's file, return and length, in file order.</returns>
    public IReadOnlyList<RecordedEpisode> RecordEvaluation(string directory, int episodes, int seed, bool deterministic = true)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(episodes, 1);
        var n = Evaluation.EnvsFor(episodes);
        var recorded = new List<RecordedEpisode>();
        for (var i = 0; i < n; i++)
        {
            using var env = EnvFactory.CreateOne(Options.Env, Options.EnvKwargs);
            for (var j = 0; j < Evaluation.Share(episodes, n, i); j++)
            {
                var path = Path.Combine(directory, $"{Options.Env}-episode{recorded.Count + 1}.gif");
                recorded.AddRange(Record(env, path, j == 0 ? seed + i : null, 1, deterministic));
            }
        }

        return recorded;
    }
}
