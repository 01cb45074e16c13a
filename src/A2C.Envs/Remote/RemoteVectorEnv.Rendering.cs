using A2C.Envs.Remote.Protocol;
using A2C.Envs.Rendering;
using RenderedFrame = A2C.Envs.Rendering.Frame;

namespace A2C.Envs.Remote;

/// <summary>The size and pace of a remote env's frames, as its spec gives them.</summary>
/// <param name="Width">Pixels a row.</param>
/// <param name="Height">Rows.</param>
/// <param name="Fps">Frames a second at which its motion looks as it runs.</param>
public sealed record RemoteRendering(int Width, int Height, int Fps);

/// <summary>Frames of the remote envs, over the protocol's render request.</summary>
public sealed partial class RemoteVectorEnv
{
    /// <summary>The frames the server sends, or null when its spec says it cannot render (a server of the protocol before rendering, or one whose envs do not draw).</summary>
    public RemoteRendering? Rendering { get; }

    /// <summary>Whether the server answers <see cref="RenderFrame"/>.</summary>
    public bool CanRender => Rendering is not null;

    /// <summary>The server's address, <c>grpc://HOST:PORT</c>.</summary>
    public string Address => _address;

    /// <summary>
    /// A picture of remote env <paramref name="env"/>, as Gymnasium's <c>render()</c> in
    /// <c>rgb_array</c> mode: its current state, or with <paramref name="final"/> the last state of
    /// the episode it ended in the last step (which the same-step reset has replaced).
    /// </summary>
    /// <param name="env">Which env, 0 to <see cref="NumEnvs"/> - 1.</param>
    /// <param name="final">The ended episode's last state rather than the current one.</param>
    /// <returns>A frame of <see cref="Rendering"/>'s size.</returns>
    /// <exception cref="NotRenderableException">The server cannot render; the message names it.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="env"/> is not one of the N.</exception>
    /// <exception cref="RemoteEnvironmentException">The server refused (before the first reset, no episode ended for a final frame), failed, or sent a frame of another size.</exception>
    public RenderedFrame RenderFrame(int env, bool final = false)
    {
        var rendering = RequireRendering();
        ArgumentOutOfRangeException.ThrowIfNegative(env);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(env, NumEnvs);
        var frame = Exchange(new Request { Render = new RenderRequest { Env = (uint)env, Final = final } }, "render").Frame
            ?? throw Broken("answered the render request with something other than a frame");
        if (frame.Width != rendering.Width || frame.Height != rendering.Height || frame.Rgb.Length != (long)frame.Width * frame.Height * 3)
        {
            throw new RemoteEnvironmentException($"the simulator at {_address} sent a {frame.Width}x{frame.Height} frame of {frame.Rgb.Length} bytes; its spec says {rendering.Width}x{rendering.Height}, {rendering.Width * rendering.Height * 3} bytes of RGB.");
        }

        return new RenderedFrame(rendering.Width, rendering.Height, frame.Rgb.ToByteArray());
    }

    /// <summary>The frames the server sends, or an exception that names it and says why it sends none.</summary>
    /// <returns><see cref="Rendering"/>.</returns>
    /// <exception cref="NotRenderableException">The server's spec has no render info.</exception>
    public RemoteRendering RequireRendering() =>
        Rendering ?? throw new NotRenderableException(_address, $"the server ({EnvId}) sends no frames: its spec has no render info (a2c serve of an env that draws itself sends them, as does gym_server.py --render)");

    private RemoteRendering? RenderingFrom(RenderInfo? info)
    {
        if (info is null)
        {
            return null;
        }

        // 2^15 a side keeps W x H x 3 within an int, as a byte array must.
        if (info.Width is 0 or > 32_768 || info.Height is 0 or > 32_768 || info.Fps is 0 or > 1000)
        {
            throw Broken($"reported frames of {info.Width}x{info.Height} at {info.Fps} fps; allowed: 1 to 32768 pixels a side, 1 to 1000 fps");
        }

        return new RemoteRendering((int)info.Width, (int)info.Height, (int)info.Fps);
    }
}
