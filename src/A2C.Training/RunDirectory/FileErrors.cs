namespace A2C.Training;

/// <summary>A run file could not be written; the message names the file and why ("no space left on device").</summary>
internal sealed class RunFileWriteException(string message, Exception inner) : IOException(message, inner);

/// <summary>Turns the system's write errors into messages that name the file and say why in plain words.</summary>
internal static class FileErrors
{
    // errno values on Linux (.NET puts the raw errno in IOException.HResult on Unix) and the
    // Win32 codes (as HRESULTs) on Windows.
    private const int Enospc = 28;
    private const int Erofs = 30;
    private const int Edquot = 122;
    private const int WindowsDiskFull = unchecked((int)0x80070070);
    private const int WindowsHandleDiskFull = unchecked((int)0x80070027);

    /// <summary>The error to throw when writing <paramref name="path"/> failed with <paramref name="error"/>.</summary>
    public static RunFileWriteException CannotWrite(string path, Exception error) =>
        error as RunFileWriteException ?? new RunFileWriteException($"cannot write '{path}': {Reason(error)}.", error);

    /// <summary>Whether <paramref name="error"/> (or what it wraps) says the disk is full.</summary>
    public static bool IsDiskFull(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is IOException { HResult: Enospc or Edquot or WindowsDiskFull or WindowsHandleDiskFull })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Why a write failed, in plain words.</summary>
    public static string Reason(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error switch
        {
            RunFileWriteException => error.Message.TrimEnd('.'),
            IOException { HResult: Edquot } => "disk quota exceeded (no space left for this user)",
            _ when IsDiskFull(error) => "no space left on device",
            IOException { HResult: Erofs } => "the file system is read-only",
            UnauthorizedAccessException => "permission denied",
            _ => error.Message.TrimEnd('.'),
        };
    }

    /// <summary>Deletes <paramref name="path"/> if it exists, ignoring failure: cleanup after a failed write must not hide why it failed.</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Leave it: the original error is the one to report.
        }
    }
}
