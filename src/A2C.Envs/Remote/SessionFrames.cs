using A2C.Envs.Remote.Protocol;
using A2C.Envs.Rendering;
using A2C.Envs.Vector;
using A2C.Envs.Wrappers;
using RenderedFrame = A2C.Envs.Rendering.Frame;

namespace A2C.Envs.Remote;

/// <summary>
/// The pictures a session sends: each sub-env's scene, rasterized to RGB pixels by the host's
/// rasterizer (A2C.Envs draws no pixels itself, so it needs no native drawing library).
/// </summary>
internal sealed class SessionFrames
{
    private readonly IRenderable[] _renderables;
    private readonly FinalSceneKeeper?[] _keepers;
    private readonly Func<Scene, RenderedFrame> _rasterize;

    private SessionFrames(IReadOnlyList<IEnv> envs, IRenderable[] renderables, Func<Scene, RenderedFrame> rasterize)
    {
        _renderables = renderables;
        _keepers = envs.Select(e => e as FinalSceneKeeper).ToArray();
        _rasterize = rasterize;
        Info = new RenderInfo { Width = (uint)renderables[0].RenderWidth, Height = (uint)renderables[0].RenderHeight, Fps = (uint)renderables[0].RenderFps };
    }

    /// <summary>The spec's description of the frames.</summary>
    public RenderInfo Info { get; }

    /// <summary>Frames of <paramref name="env"/>'s sub-envs, or null when one of them cannot draw (or they draw different sizes), or the env is not an in-process <see cref="VectorEnv"/>.</summary>
    public static SessionFrames? For(IVectorEnv env, Func<Scene, RenderedFrame> rasterize)
    {
        if (env is not VectorEnv vector)
        {
            return null;
        }

        var renderables = vector.Envs.Select(e => e.Renderable()).ToArray();
        if (renderables.Any(r => r is null) || renderables.Any(r => r!.RenderWidth != renderables[0]!.RenderWidth || r.RenderHeight != renderables[0]!.RenderHeight))
        {
            return null;
        }

        return new SessionFrames(vector.Envs, renderables!, rasterize);
    }

    /// <summary>Sub-env <paramref name="env"/>'s current state as pixels.</summary>
    public RenderedFrame Current(int env) => Rasterize(_renderables[env].Render());

    /// <summary>The last state of the episode sub-env <paramref name="env"/> ended in the last step, or null when nothing kept it.</summary>
    public RenderedFrame? Final(int env) => _keepers[env]?.FinalScene is { } scene ? Rasterize(scene) : null;

    private RenderedFrame Rasterize(Scene scene)
    {
        if (scene.Width != Info.Width || scene.Height != Info.Height)
        {
            throw new InvalidOperationException($"it drew a {scene.Width}x{scene.Height} scene but says its frames are {Info.Width}x{Info.Height}");
        }

        var frame = _rasterize(scene);
        return frame.Width == scene.Width && frame.Height == scene.Height
            ? frame
            : throw new InvalidOperationException($"the rasterizer made a {frame.Width}x{frame.Height} frame of a {scene.Width}x{scene.Height} scene");
    }
}

/// <summary>
/// Keeps the scene of the state an episode ended in: a vector env resets an env in the same step
/// its episode ends, so without this the last picture of every episode would be lost.
/// </summary>
internal sealed class FinalSceneKeeper(IEnv inner) : Wrapper(inner)
{
    private readonly IRenderable _renderable = inner.RequireRenderable();

    /// <summary>The scene of the last step's state when that step ended the episode; null after any other step.</summary>
    public Scene? FinalScene { get; private set; }

    /// <inheritdoc />
    public override StepResult Step(int action, Span<float> observation) => Keep(base.Step(action, observation));

    /// <inheritdoc />
    public override StepResult Step(ReadOnlySpan<float> action, Span<float> observation) => Keep(base.Step(action, observation));

    /// <inheritdoc />
    public override StepResult Step(ReadOnlySpan<int> action, Span<float> observation) => Keep(base.Step(action, observation));

    private StepResult Keep(StepResult result)
    {
        // A scene is a few vector primitives: cheap enough to draw at every episode's end.
        FinalScene = result.Done ? _renderable.Render() : null;
        return result;
    }
}
