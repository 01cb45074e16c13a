using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace A2C.Training;

/// <summary>What the TorchSharp runtime in this process is, and which device training would use.</summary>
/// <param name="TorchSharpVersion">Version of the TorchSharp managed assembly.</param>
/// <param name="LibTorchVersion">Version of the native libtorch that TorchSharp loaded.</param>
/// <param name="Device">The device training would use: <c>cuda</c> when a CUDA build is installed and sees a GPU, else <c>cpu</c>.</param>
/// <param name="CudaAvailable">Whether CUDA is usable in this process.</param>
/// <param name="Threads">Number of intra-op threads libtorch uses.</param>
public sealed record TorchInfo(string TorchSharpVersion, string LibTorchVersion, string Device, bool CudaAvailable, int Threads);

/// <summary>Loads TorchSharp's native library and reports on it, with an error that says how to fix a failed load.</summary>
public static class TorchRuntime
{
    /// <summary>Version of the TorchSharp assembly this program was built against.</summary>
    public static string TorchSharpVersion
    {
        get
        {
            var assembly = typeof(torch).Assembly;
            var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            var version = informational ?? assembly.GetName().Version?.ToString(3) ?? "unknown";
            var plus = version.IndexOf('+', StringComparison.Ordinal);
            return plus >= 0 ? version[..plus] : version;
        }
    }

    /// <summary>Loads the native library (if not yet loaded) and describes the runtime.</summary>
    /// <exception cref="NativeLibraryLoadException">The native library could not be loaded; the message says why and what to do.</exception>
    public static TorchInfo Describe()
    {
        EnsureLoadable();

        try
        {
            var cuda = torch.cuda.is_available();
            return new TorchInfo(
                TorchSharpVersion,
                torch.__version__,
                cuda ? "cuda" : "cpu",
                cuda,
                torch.get_num_threads());
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or EntryPointNotFoundException)
        {
            throw new NativeLibraryLoadException(e);
        }
    }

    private static readonly Lazy<string?> _shimProblem = new(ProbeNativeShim, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Checks, once per process, that TorchSharp's native shim loads, before TorchSharp tries: its
    /// own loader, on failure, copies ~600 MB of libtorch next to the program and then reports a
    /// misleading "missing package" error. Loading the shim first gives the loader's real reason
    /// (usually a missing GLIBCXX version) and copies nothing. Models call this; a script that
    /// uses tensors before any model can call it first.
    /// </summary>
    /// <exception cref="NativeLibraryLoadException">The shim does not load; the message says why and what to do.</exception>
    public static void EnsureLoadable()
    {
        if (_shimProblem.Value is { } reason)
        {
            ReportIfUnhandled();
            throw new NativeLibraryLoadException(reason);
        }
    }

    /// <summary>
    /// Where <c>scripts/native.sh</c> (run by <c>./build.sh</c> and <c>./a2c</c>) keeps the private
    /// libstdc++ of GCC 13 on systems whose own is older: <c>$XDG_CACHE_HOME/a2c/libstdcxx-gcc13</c>,
    /// else <c>~/.cache/a2c/libstdcxx-gcc13</c>.
    /// </summary>
    public static string PrivateLibstdcxxDirectory
    {
        get
        {
            var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (string.IsNullOrEmpty(cache))
            {
                cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            }

            return Path.Combine(cache, "a2c", "libstdcxx-gcc13");
        }
    }

    /// <summary>Whether TorchSharp's native shim loads in this process (false: <see cref="EnsureLoadable"/> would throw).</summary>
    public static bool IsLoadable => _shimProblem.Value is null;

    private static int _reporting;

    /// <summary>
    /// A script or program that does not catch the load failure ends with the message alone, not a
    /// stack trace that buries it; a caller that catches the exception is not affected.
    /// </summary>
    private static void ReportIfUnhandled()
    {
        if (Interlocked.Exchange(ref _reporting, 1) == 1)
        {
            return;
        }

        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            if (e.ExceptionObject is NativeLibraryLoadException failure)
            {
                Console.Error.WriteLine(failure.Message);
                Environment.Exit(1);
            }
        };
    }

    /// <summary>Loads the LibTorchSharp shim shipped beside this program; returns why it failed, or null.</summary>
    private static string? ProbeNativeShim()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return null;
        }

        var shim = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!File.Exists(shim))
        {
            return null; // Not a NuGet layout (e.g. a custom libtorch): let TorchSharp find it.
        }

        try
        {
            NativeLibrary.Load(shim);
            return null;
        }
        catch (DllNotFoundException e)
        {
            return e.Message;
        }
    }
}

/// <summary>TorchSharp's native library (libtorch and its LibTorchSharp shim) failed to load.</summary>
public sealed class NativeLibraryLoadException : Exception
{
    /// <summary>Wraps the loader's exception with a message that says what usually causes it.</summary>
    /// <param name="inner">The exception TorchSharp raised.</param>
    public NativeLibraryLoadException(Exception inner)
        : base(BuildMessage(FirstLine(Innermost(inner).Message)), inner)
    {
    }

    /// <summary>Reports the dynamic loader's reason for failing to load the native library.</summary>
    /// <param name="loaderReason">What the loader said.</param>
    public NativeLibraryLoadException(string loaderReason)
        : base(BuildMessage(loaderReason))
    {
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);

    private static string FirstLine(string text)
    {
        var end = text.IndexOf('\n', StringComparison.Ordinal);
        return end < 0 ? text : text[..end].TrimEnd();
    }

    private static string BuildMessage(string reason)
    {
        // Short and actionable: what is missing, then the exact command that fixes it.
        var directory = TorchRuntime.PrivateLibstdcxxDirectory;
        var built = File.Exists(Path.Combine(directory, "libstdc++.so.6"));
        var missingGlibcxx = reason.Contains("GLIBCXX_", StringComparison.Ordinal);
        var what = missingGlibcxx
            ? $"TorchSharp's native library could not be loaded: {LoaderLine(reason)}: the system's libstdc++ is older than TorchSharp 0.107 needs (GCC 13's)."
            : "TorchSharp's native library could not be loaded: " + reason;
        var fix = (missingGlibcxx, built) switch
        {
            (true, true) => $"Fix: put the private copy on the library path, LD_LIBRARY_PATH={directory} (e.g. `LD_LIBRARY_PATH={directory} dotnet run -c Release FILE.cs`), or run scripts with `./a2c run FILE.cs` from the A2C repo.",
            (true, false) => $"Fix: run `./build.sh build` in the A2C repo once (it builds a private libstdc++ into {directory}), then run scripts with `./a2c run FILE.cs`, or set LD_LIBRARY_PATH={directory} for your own program.",
            _ => "Start A2C through ./a2c or ./build.sh, which check the native runtime; Ubuntu 24.04+, Debian 13+, Windows and macOS need no extra library.",
        };
        return what + Environment.NewLine + fix;
    }

    /// <summary>The dynamic loader's own line ("libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by libLibTorchSharp.so)"), without .NET's advice around it.</summary>
    private static string LoaderLine(string reason)
    {
        var line = reason.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("version `GLIBCXX_", StringComparison.Ordinal)) ?? FirstLine(reason);
        var requiredBy = line.IndexOf("(required by ", StringComparison.Ordinal);
        return requiredBy < 0 ? line : line[..requiredBy] + "(required by " + Path.GetFileName(line[(requiredBy + 13)..].TrimEnd(')')) + ")";
    }
}
