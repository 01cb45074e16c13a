using System.Runtime.InteropServices;

namespace A2C.Training;

/// <summary>
/// The one way a2c replaces a file: write a temporary file next to it, flush it to disk, rename it
/// over the old one, then flush the directory, so that after a crash of the machine the name points
/// at the old file or the whole new one, and the rename itself is not lost.
/// </summary>
internal static class AtomicFile
{
    // errno values shared by Linux and macOS: the directory's entries may not be on disk.
    private const int Eio = 5;
    private const int Enospc = 28;
    private const int OpenReadOnly = 0;

    /// <summary>Raised with the file's full path once its directory has been flushed after the rename (tests watch it).</summary>
    internal static event Action<string>? DirectorySynced;

    /// <summary>Writes what <paramref name="write"/> puts in the stream to <paramref name="path"/>, atomically and durably.</summary>
    /// <param name="path">Destination.</param>
    /// <param name="write">Writes the content; the stream is the temporary file.</param>
    /// <exception cref="IOException">The file cannot be written; the message names it and says why, and no temporary file is left.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var temporary = path + ".tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(file);
                // On disk before the rename, so that a crash leaves the old file or the new one.
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            SyncDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The previous file is untouched; the half-written one goes, and frees its space.
            FileErrors.TryDelete(temporary);
            throw FileErrors.CannotWrite(path, e);
        }
        catch
        {
            FileErrors.TryDelete(temporary);
            throw;
        }
    }

    /// <summary>
    /// fsync(2) on the directory of <paramref name="path"/>: the rename is an entry of the directory,
    /// which the file's own flush does not write. .NET refuses to open a directory as a file, hence
    /// libc. Windows has no such call (NTFS journals its metadata), so nothing is done there.
    /// </summary>
    private static void SyncDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full) ?? full;
        var fd = Open(directory, OpenReadOnly);
        if (fd < 0)
        {
            // Not readable (a directory of mode -wx): the file is in place; only the crash guarantee is lost.
            return;
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                // EINVAL and the like: a file system that cannot sync directories, which loses nothing more.
                if (errno is Eio or Enospc)
                {
                    throw new IOException(errno == Eio ? "input/output error while flushing its directory" : "no space left on device", errno);
                }

                return;
            }
        }
        finally
        {
            _ = Close(fd);
        }

        DirectorySynced?.Invoke(full);
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);
}
