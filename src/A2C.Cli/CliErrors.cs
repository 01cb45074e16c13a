using A2C.Envs;
using A2C.Envs.Remote;
using A2C.Envs.Simulators;
using A2C.Envs.Vector;
using A2C.Training;

namespace A2C.Cli;

/// <summary>
/// The one place where an exception becomes a line on stderr and an exit code: bad input
/// (<see cref="CliApp.UsageError"/>, 2), a failure at run time (<see cref="CliApp.Failure"/>, 1),
/// or a stop by a signal (130 or 143). Commands let the library's exceptions through to
/// <see cref="Run"/>, and throw <see cref="Usage"/> or <see cref="Failure"/> where they know better words.
/// </summary>
internal static class CliErrors
{
    /// <summary>Runs a command's <paramref name="action"/>; an exception this class knows is printed as "<paramref name="command"/>: message" and becomes its exit code.</summary>
    /// <remarks>An exception it does not know is a bug, not an input's fault: it goes on, with its stack trace.</remarks>
    public static int Run(string command, TextWriter stderr, Func<int> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            return action();
        }
        catch (Exception e) when (Describe(e) is not null)
        {
            return Report(e, command, stderr);
        }
    }

    /// <summary>Prints <paramref name="error"/> as "<paramref name="command"/>: message" and returns its exit code.</summary>
    /// <exception cref="ArgumentException"><paramref name="error"/> is not one of the kinds this class maps.</exception>
    public static int Report(Exception error, string command, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        var (message, exitCode) = Describe(error) ?? throw new ArgumentException($"{error.GetType().Name} is not an error a2c maps to an exit code.", nameof(error));
        if (message.Length > 0)
        {
            stderr.WriteLine($"{command}: {message}");
        }

        return exitCode;
    }

    /// <summary>The message and exit code of <paramref name="error"/>; null for an exception that is not ours to explain.</summary>
    public static (string Message, int ExitCode)? Describe(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error switch
        {
            CliException e => (e.Message, e.ExitCode),

            // Bad input: a file or an id the user gave that is not what it must be.
            CheckpointException or UnknownEnvironmentException or InvalidDataException or IncompatibleOptionsException => (error.Message, CliApp.UsageError),

            // The run failed: the env, the learner, the native libraries, or a write. Their messages name the culprit.
            RunFileWriteException or RemoteEnvironmentException or RolloutException or NonFiniteUpdateException
                or NonFiniteEnvironmentException or SubEnvironmentException or EnvironmentTimeoutException
                or SimulatorException or NativeLibraryLoadException or EndlessEpisodeException => (error.Message, CliApp.Failure),
            IOException or UnauthorizedAccessException => (FileErrors.Reason(error) + ".", CliApp.Failure),

            // SIGINT or SIGTERM stopped the work: the exit code says which; the command has said what is kept.
            OperationCanceledException => (string.Empty, CliApp.Interrupted),
            _ => null,
        };
    }

    /// <summary>Bad input the command found itself, in its own words: exit 2.</summary>
    public static CliException Usage(string message, Exception? inner = null) => new(message, CliApp.UsageError, inner);

    /// <summary>A failure at run time the command puts in its own words: exit 1.</summary>
    public static CliException Failure(string message, Exception? inner = null) => new(message, CliApp.Failure, inner);

    /// <summary>
    /// Reads with <paramref name="read"/>: when <paramref name="path"/> is missing, that is bad
    /// input, said by <paramref name="missing"/> or else the exception's own message (exit 2); any
    /// other I/O failure is "cannot read 'PATH': reason." (exit 1).
    /// </summary>
    public static T Reading<T>(string path, Func<T> read, string? missing = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        try
        {
            return read();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Usage(missing ?? e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not RunFileWriteException)
        {
            throw Failure($"cannot read '{path}': {FileErrors.Reason(e)}.", e);
        }
    }

    /// <summary>Writes with <paramref name="write"/>; an I/O failure is "cannot write 'PATH': reason." (exit 1).</summary>
    public static void Writing(string path, Action write)
    {
        ArgumentNullException.ThrowIfNull(write);
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw FileErrors.CannotWrite(path, e);
        }
    }
}

/// <summary>An error a command has put in words, with the exit code it means; see <see cref="CliErrors"/>.</summary>
internal sealed class CliException(string message, int exitCode, Exception? inner = null) : Exception(message, inner)
{
    /// <summary><see cref="CliApp.UsageError"/> or <see cref="CliApp.Failure"/>.</summary>
    public int ExitCode { get; } = exitCode;
}
