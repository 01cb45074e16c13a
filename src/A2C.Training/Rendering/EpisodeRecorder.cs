using A2C.Envs;
using A2C.Envs.Remote;
using A2C.Envs.Rendering;
using A2C.Envs.Spaces;

namespace A2C.Training;

/// <summary>A recorded episode: the video it went to, its return and its length in steps (the video has one frame more).</summary>
/// <param name="Path">The video file.</param>
/// <param name="Return">The sum of the episode's rewards.</param>
/// <param name="Length">Steps until it terminated or was truncated.</param>
public sealed record RecordedEpisode(string Path, double Return, int Length);

/// <summary>Plays episodes with an agent in a single env and streams their captioned frames into one video.</summary>
internal static class EpisodeRecorder
{
    public static IReadOnlyList<RecordedEpisode> Record(Agent agent, IEnv env, Normalizer? normalizer, string path, int? seed, int episodes, bool deterministic, string? searchPath)
    {
        ArgumentNullException.ThrowIfNull(env);
        var renderable = env.RequireRenderable();
        return Write(normalizer, path, episodes, searchPath, (renderable.RenderWidth, renderable.RenderHeight, renderable.RenderFps), (k, add) =>
            // The first reset takes the seed; later ones continue the env's stream.
            Play(agent, env, renderable, normalizer, k == 0 ? seed : null, deterministic, add));
    }

    /// <summary>
    /// Plays the policy in every env of a served vector env and records env 0, frame by frame from
    /// the server's pixels. With a seed, the envs are reset first and env 0 is seeded with it (the
    /// protocol seeds env i with seed + i), so its episodes are those of a local env seeded alike.
    /// Without one, and for every later episode, env 0 goes on from where the server's same-step
    /// reset left it: the draw a local env's unseeded reset would make.
    /// </summary>
    public static IReadOnlyList<RecordedEpisode> Record(Agent agent, RemoteVectorEnv env, Normalizer? normalizer, string path, int? seed, int episodes, bool deterministic, string? searchPath)
    {
        ArgumentNullException.ThrowIfNull(env);
        var rendering = env.RequireRendering();
        return Write(normalizer, path, episodes, searchPath, (rendering.Width, rendering.Height, rendering.Fps), (k, add) =>
        {
            if (k == 0 && seed is not null)
            {
                env.Reset(seed);
            }

            return PlayRemote(agent, env, normalizer, deterministic, add);
        });
    }

    private static IReadOnlyList<RecordedEpisode> Write(Normalizer? normalizer, string path, int episodes, string? searchPath, (int Width, int Height, int Fps) video, Func<int, Action<Frame>, (double Return, int Length)> play)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(episodes, 1);
        ArgumentNullException.ThrowIfNull(path);
        VideoFile.Check(path, searchPath);
        var wasTraining = normalizer?.Training ?? false;
        if (normalizer is not null)
        {
            // Frozen statistics, as evaluation uses them.
            normalizer.Training = false;
        }

        try
        {
            var recorded = new List<RecordedEpisode>();
            VideoFile.Write(path, video.Width, video.Height, video.Fps, add =>
            {
                recorded.Clear();
                for (var k = 0; k < episodes; k++)
                {
                    var (episodeReturn, length) = play(k, add);
                    recorded.Add(new RecordedEpisode(path, episodeReturn, length));
                }
            }, searchPath);
            return recorded;
        }
        finally
        {
            if (normalizer is not null)
            {
                normalizer.Training = wasTraining;
            }
        }
    }

    /// <summary>One episode of remote env 0, from its current state; every env acts by the policy.</summary>
    private static (double Return, int Length) PlayRemote(Agent agent, RemoteVectorEnv env, Normalizer? normalizer, bool deterministic, Action<Frame> add)
    {
        var n = env.NumEnvs;
        var actionSize = env.SingleActionSpace.FlatSize;
        var (discrete, continuous, clipped, values) = (new int[n * actionSize], new float[n * actionSize], new float[n * actionSize], new float[n]);
        var (episodeReturn, steps) = (0.0, 0);
        add(SceneRasterizer.WithCaption(env.RenderFrame(0), SceneRasterizer.Caption(steps, episodeReturn)));
        while (true)
        {
            var input = normalizer?.Observations(env.Observations) ?? env.Observations;
            agent.Act(input, n, deterministic, discrete, continuous, values);
            RolloutStream.StepWithActions(env, discrete, continuous, clipped);
            episodeReturn += env.Rewards[0];
            steps++;
            var done = env.Terminated[0] || env.Truncated[0];
            // The server has already begun env 0's next episode: its final frame shows where this one ended.
            add(SceneRasterizer.WithCaption(env.RenderFrame(0, final: done), SceneRasterizer.Caption(steps, episodeReturn)));
            if (done)
            {
                return (episodeReturn, steps);
            }
        }
    }

    private static (double Return, int Length) Play(Agent agent, IEnv env, IRenderable renderable, Normalizer? normalizer, int? seed, bool deterministic, Action<Frame> add)
    {
        var observation = new float[env.ObservationSpace.FlatSize];
        var actionSize = env.ActionSpace.FlatSize;
        var discrete = new int[actionSize];
        var continuous = new float[actionSize];
        var values = new float[1];
        env.Reset(observation, seed);
        var (episodeReturn, steps) = (0.0, 0);
        add(Draw(renderable, steps, episodeReturn));
        while (true)
        {
            var input = normalizer?.Observations(observation) ?? observation;
            agent.Act(input, 1, deterministic, discrete, continuous, values);
            StepResult result;
            if (env.ActionSpace is Box box)
            {
                box.Clip(continuous);
                result = env.Step((ReadOnlySpan<float>)continuous, observation);
            }
            else
            {
                result = env.Step((ReadOnlySpan<int>)discrete, observation);
            }

            episodeReturn += result.Reward;
            steps++;
            add(Draw(renderable, steps, episodeReturn));
            if (result.Done)
            {
                return (episodeReturn, steps);
            }
        }
    }

    private static Frame Draw(IRenderable renderable, int step, double episodeReturn)
    {
        var scene = renderable.Render();
        if (scene.Width != renderable.RenderWidth || scene.Height != renderable.RenderHeight)
        {
            throw new InvalidOperationException($"the env drew a {scene.Width}x{scene.Height} scene but says its frames are {renderable.RenderWidth}x{renderable.RenderHeight}.");
        }

        return SceneRasterizer.Rasterize(scene, SceneRasterizer.Caption(step, episodeReturn));
    }
}
