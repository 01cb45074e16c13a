using A2C.Envs.Wrappers;

namespace A2C.Envs.Rendering;

/// <summary>
/// An environment that can draw its current state, as Gymnasium's <c>render()</c> in
/// <c>rgb_array</c> mode: a <see cref="Scene"/> of <see cref="RenderWidth"/> x <see cref="RenderHeight"/>
/// pixels, meant to be shown <see cref="RenderFps"/> frames a second (Gymnasium's
/// <c>metadata["render_fps"]</c>).
/// </summary>
public interface IRenderable
{
    /// <summary>Width of every frame, in pixels.</summary>
    int RenderWidth { get; }

    /// <summary>Height of every frame, in pixels.</summary>
    int RenderHeight { get; }

    /// <summary>Frames a second at which the env's motion looks as it runs.</summary>
    int RenderFps { get; }

    /// <summary>Draws the current state (after the last reset or step).</summary>
    /// <returns>A new scene of <see cref="RenderWidth"/> x <see cref="RenderHeight"/>.</returns>
    Scene Render();
}

/// <summary>Thrown when an environment that cannot draw itself is asked for frames; the message names it.</summary>
public sealed class NotRenderableException : InvalidOperationException
{
    /// <summary>Creates the exception for the env named <paramref name="env"/>.</summary>
    /// <param name="env">Its name or id.</param>
    /// <param name="why">Why, when there is more to say than that it does not implement rendering.</param>
    public NotRenderableException(string env, string? why = null)
        : base($"{env} cannot render: {why ?? "it does not implement IRenderable (A2C.Envs.Rendering), so it has no frames to record"}.")
    {
        Env = env;
    }

    /// <summary>The env's name or id.</summary>
    public string Env { get; }
}

/// <summary>Finds the drawing of a possibly wrapped environment.</summary>
public static class RenderableExtensions
{
    /// <summary>
    /// The renderable of <paramref name="env"/>: itself when it draws, else the env its wrappers
    /// wrap (a time limit changes nothing on screen, as Gymnasium's wrappers pass render through).
    /// </summary>
    /// <param name="env">The environment.</param>
    /// <returns>The renderable, or null when neither it nor any env it wraps can draw.</returns>
    public static IRenderable? Renderable(this IEnv env)
    {
        ArgumentNullException.ThrowIfNull(env);
        for (var e = env; ; e = ((Wrapper)e).Inner)
        {
            if (e is IRenderable renderable)
            {
                return renderable;
            }

            if (e is not Wrapper)
            {
                return null;
            }
        }
    }

    /// <summary>The renderable of <paramref name="env"/>, or an exception that names it.</summary>
    /// <param name="env">The environment.</param>
    /// <returns>The renderable.</returns>
    /// <exception cref="NotRenderableException">Neither it nor any env it wraps can draw.</exception>
    public static IRenderable RequireRenderable(this IEnv env) =>
        env.Renderable() ?? throw new NotRenderableException(env.Name);
}
