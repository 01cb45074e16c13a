using A2C.Envs;
using A2C.Envs.Remote;

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
    /// Plays <paramref name="episodes"/> episodes of the policy in a served env, as
    /// <see cref="Record(IEnv, string, int?, int, bool, string?)"/> does in a local one, with the
    /// frames the server renders (captioned here). The policy acts in all of the server's envs;
    /// env 0 is recorded, seeded with <paramref name="seed"/> as the protocol seeds it, so a
    /// deterministic policy meets the starts it meets in a local env of the same seed.
    /// </summary>
    /// <param name="env">A session with a server that renders (<see cref="RemoteVectorEnv.CanRender"/>); the caller owns it.</param>
    /// <param name="path">The video: .gif or .mp4 (see <see cref="VideoFile.Check"/>).</param>
    /// <param name="seed">Resets the envs with this seed first; null goes on from the session's state (it must have been reset: after an earlier recording, env 0 is where the server's same-step reset left it).</param>
    /// <param name="episodes">How many episodes, at least 1.</param>
    /// <param name="deterministic">Most likely actions (the default) rather than samples.</param>
    /// <param name="searchPath">Directories to look for ffmpeg in (default: PATH).</param>
    /// <returns>Each episode's return and length, with the video's path.</returns>
    /// <exception cref="A2C.Envs.Rendering.NotRenderableException">The server cannot render; nothing is written.</exception>
    /// <exception cref="RemoteEnvironmentException">The server failed or went away; nothing is left behind.</exception>
    public IReadOnlyList<RecordedEpisode> Record(RemoteVectorEnv env, string path, int? seed, int episodes = 1, bool deterministic = true, string? searchPath = null) =>
        OnTrainingThread(() => EpisodeRecorder.Record(Agent, env, Normalizer, path, seed, episodes, deterministic, searchPath));

    /// <summary>A file name made of <paramref name="id"/>: letters, digits, '-', '_' and '.' kept, anything else (the '/' and ':' of grpc://HOST:PORT) '_'.</summary>
    /// <param name="id">An env id.</param>
    /// <returns>The name.</returns>
    public static string FileNameOf(string id) =>
        string.Concat((id ?? throw new ArgumentNullException(nameof(id))).Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

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
        if (RemoteVectorEnv.IsRemote(Options.Env))
        {
            return RecordRemoteEvaluation(directory, episodes, seed, deterministic);
        }

        var n = Evaluation.EnvsFor(episodes);
        var recorded = new List<RecordedEpisode>();
        for (var i = 0; i < n; i++)
        {
            using var env = EnvFactory.CreateOne(Options.Env, Options.EnvKwargs);
            for (var j = 0; j < Evaluation.Share(episodes, n, i); j++)
            {
                var path = Path.Combine(directory, $"{FileNameOf(Options.Env)}-episode{recorded.Count + 1}.gif");
                recorded.AddRange(Record(env, path, j == 0 ? seed + i : null, 1, deterministic));
            }
        }

        return recorded;
    }

    /// <summary>
    /// A served env's evaluation episodes, one video each: the evaluation's env i of the server's
    /// N (seeded <paramref name="seed"/> + i) owes its share; a session of its own, seeded
    /// <paramref name="seed"/> + i, plays them in its env 0. Files are named by the served env's id.
    /// </summary>
    private List<RecordedEpisode> RecordRemoteEvaluation(string directory, int episodes, int seed, bool deterministic)
    {
        var recorded = new List<RecordedEpisode>();
        using (var probe = RemoteVectorEnv.Connect(Options.Env))
        {
            var n = probe.NumEnvs;
            var name = FileNameOf(probe.EnvId.Length > 0 ? probe.EnvId : Options.Env);
            for (var i = 0; i < n; i++)
            {
                var share = Evaluation.Share(episodes, n, i);
                if (share == 0)
                {
                    continue;
                }

                using var env = i == 0 ? null : RemoteVectorEnv.Connect(Options.Env);
                var session = env ?? probe;
                for (var j = 0; j < share; j++)
                {
                    var path = Path.Combine(directory, $"{name}-episode{recorded.Count + 1}.gif");
                    recorded.AddRange(Record(session, path, j == 0 ? seed + i : null, 1, deterministic));
                }
            }
        }

        return recorded;
    }
}
