using A2C.Envs;
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
        ArgumentOutOfRangeException.ThrowIfLessThan(episodes, 1);
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(path);
        var renderable = env.RequireRenderable();
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
            VideoFile.Write(path, renderable.RenderWidth, renderable.RenderHeight, renderable.RenderFps, add =>
            {
                recorded.Clear();
                for (var k = 0; k < episodes; k++)
                {
                    // The first reset takes the seed; later ones continue the env's stream.
                    var (episodeReturn, length) = Play(agent, env, renderable, normalizer, k == 0 ? seed : null, deterministic, add);
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
