using System.Diagnostics;
using System.Globalization;
using A2C.Envs.Rendering;

namespace A2C.Training;

/// <summary>
/// Writes an H.264 MP4 through the <c>ffmpeg</c> program: raw RGB frames go to its standard input,
/// the video comes back on its standard output into the caller's stream (a temporary file that
/// AtomicFile renames). A stream cannot be rewound to write the index at the start, so the MP4 is
/// fragmented (an empty index up front, one fragment a key frame), which players read as any MP4.
/// </summary>
internal sealed class Mp4Writer : IFrameWriter
{
    private readonly Process _ffmpeg;
    private readonly Task _copy;
    private readonly Task<string> _errors;
    private readonly int _width;
    private readonly int _height;
    private bool _completed;

    /// <summary>Starts <paramref name="ffmpeg"/> for a video of the given size and rate.</summary>
    public Mp4Writer(string ffmpeg, Stream output, int width, int height, int fps)
    {
        (_width, _height) = (width, height);
        var info = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            "-hide_banner", "-loglevel", "error", "-nostdin",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", string.Create(CultureInfo.InvariantCulture, $"{width}x{height}"),
            "-r", fps.ToString(CultureInfo.InvariantCulture), "-i", "pipe:0",
            // yuv420p, which every player decodes, needs even sides: pad an odd one by a pixel.
            "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p",
            "-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", "pipe:1",
        ];
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        _ffmpeg = Process.Start(info) ?? throw new IOException($"could not start {ffmpeg}.");
        _copy = _ffmpeg.StandardOutput.BaseStream.CopyToAsync(output);
        _errors = _ffmpeg.StandardError.ReadToEndAsync();
    }

    /// <inheritdoc />
    public void Add(Frame frame)
    {
        if (frame.Width != _width || frame.Height != _height)
        {
            throw new ArgumentException($"the video's frames are {_width}x{_height}; got one of {frame.Width}x{frame.Height}.", nameof(frame));
        }

        try
        {
            _ffmpeg.StandardInput.BaseStream.Write(frame.Pixels);
        }
        catch (IOException e)
        {
            // ffmpeg closed its input: it failed, and its own words say why.
            throw Failed(e);
        }
    }

    /// <inheritdoc />
    public void Complete()
    {
        try
        {
            _ffmpeg.StandardInput.Close();
        }
        catch (IOException e)
        {
            throw Failed(e);
        }

        _ffmpeg.WaitForExit();
        _copy.GetAwaiter().GetResult();
        if (_ffmpeg.ExitCode != 0)
        {
            throw Failed(null);
        }

        _completed = true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_completed && !_ffmpeg.HasExited)
        {
            _ffmpeg.Kill(entireProcessTree: true);
            _ffmpeg.WaitForExit();
        }

        _ffmpeg.Dispose();
    }

    private IOException Failed(Exception? inner)
    {
        _ffmpeg.WaitForExit(TimeSpan.FromSeconds(10));
        var said = _errors.IsCompleted ? _errors.Result.Trim() : string.Empty;
        var code = _ffmpeg.HasExited ? $" (exit code {_ffmpeg.ExitCode})" : string.Empty;
        return new IOException($"ffmpeg could not encode the video{code}{(said.Length > 0 ? ": " + said : ".")}", inner);
    }
}
