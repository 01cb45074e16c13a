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
            throw new NativeLibraryLoadException(reason);
        }
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
        return "TorchSharp's native library could not be loaded: " + reason + Environment.NewLine +
            "On Linux, TorchSharp 0.107 needs libstdc++ with GLIBCXX_3.4.32 (GCC 13 or newer). " +
            "Start A2C through ./a2c or ./build.sh, which provide a private copy when the system's is older " +
            "(Debian 12, Ubuntu 22.04); for your own program or `dotnet run examples/NAME.cs`, put that copy on " +
            "LD_LIBRARY_PATH (LD_LIBRARY_PATH=~/.cache/a2c/libstdcxx-gcc13 after ./build.sh build). " +
            "Ubuntu 24.04+, Debian 13+, Windows and macOS need nothing.";
    }
}
