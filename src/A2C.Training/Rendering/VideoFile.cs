using A2C.Envs.Rendering;

namespace A2C.Training;

/// <summary>The kinds of video a recording can be written as, chosen by the file's extension.</summary>
public enum VideoFormat
{
    /// <summary>An animated GIF (.gif), encoded in-process.</summary>
    Gif,

    /// <summary>An H.264 MP4 (.mp4), encoded by the ffmpeg program.</summary>
    Mp4,
}

/// <summary>A video file name that a2c cannot write: an unknown extension, or .mp4 without ffmpeg. Nothing was written.</summary>
public sealed class VideoFormatException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and what to do.</param>
    public VideoFormatException(string message)
        : base(message)
    {
    }
}

/// <summary>Writes a recording's frames to a .gif or .mp4 file, atomically (through <see cref="AtomicFile"/>).</summary>
public static class VideoFile
{
    /// <summary>The format <paramref name="path"/> names, checked before any frame is drawn.</summary>
    /// <param name="path">The file to write: .gif or .mp4.</param>
    /// <param name="searchPath">Directories to look for ffmpeg in (default: the PATH variable).</param>
    /// <returns>The format.</returns>
    /// <exception cref="VideoFormatException">Another extension, or .mp4 with no ffmpeg on the path.</exception>
    public static VideoFormat Check(string path, string? searchPath = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".gif" => VideoFormat.Gif,
            ".mp4" => FindFfmpeg(searchPath) is not null
                ? VideoFormat.Mp4
                : throw new VideoFormatException($"writing '{path}' needs ffmpeg, which is not on the PATH: install ffmpeg (e.g. apt-get install ffmpeg), or record a .gif instead."),
            _ => throw new VideoFormatException($"'{path}' has the extension '{extension}'; a recording is a .gif or an .mp4."),
        };
    }

    /// <summary>The full path of an executable named ffmpeg in <paramref name="searchPath"/> (default: PATH), or null.</summary>
    /// <param name="searchPath">Directories separated by the platform's path separator.</param>
    /// <returns>The program's path, or null.</returns>
    public static string? FindFfmpeg(string? searchPath = null)
    {
        var name = OperatingSystem.IsWindows() ? "ffmpeg.exe" : "ffmpeg";
        foreach (var directory in (searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// Writes the frames <paramref name="produce"/> hands to the sink it is given as a video at
    /// <paramref name="path"/>: the file appears whole when <paramref name="produce"/> returns,
    /// and not at all when it (or the encoder) throws.
    /// </summary>
    /// <param name="path">The file: .gif or .mp4 (see <see cref="Check"/>). Its directory is created when missing.</param>
    /// <param name="width">Frame width.</param>
    /// <param name="height">Frame height.</param>
    /// <param name="fps">Frames a second, at least 1.</param>
    /// <param name="produce">Calls the sink once per frame, in order.</param>
    /// <param name="searchPath">Directories to look for ffmpeg in (default: PATH).</param>
    /// <exception cref="VideoFormatException">The file name is not one a2c can write.</exception>
    /// <exception cref="RunFileWriteException">The file cannot be written; nothing is left behind.</exception>
    public static void Write(string path, int width, int height, int fps, Action<Action<Frame>> produce, string? searchPath = null)
    {
        ArgumentNullException.ThrowIfNull(produce);
        ArgumentOutOfRangeException.ThrowIfLessThan(fps, 1);
        var format = Check(path, searchPath);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            try
            {
                Directory.CreateDirectory(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw FileErrors.CannotWrite(path, e);
            }
        }

        AtomicFile.Write(path, stream =>
        {
            using IFrameWriter writer = format == VideoFormat.Gif
                ? new GifWriter(stream, width, height, fps)
                : new Mp4Writer(FindFfmpeg(searchPath)!, stream, width, height, fps);
            produce(writer.Add);
            writer.Complete();
        });
    }
}
