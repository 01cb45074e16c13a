using System.Runtime.InteropServices;
using A2C.Training;

namespace A2C.Cli;

/// <summary>The private libstdc++ folder a child process needs on its library path, as <c>scripts/native.sh</c> decides it for ./a2c.</summary>
internal static class NativePath
{
    private const string NeededVersion = "GLIBCXX_3.4.32";

    private static readonly string[] _systemLibraries =
    [
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
    ];

    /// <summary>
    /// The private copy's folder when this is Linux x64, the system's libstdc++ lacks the version
    /// TorchSharp needs, the copy exists and it is not on LD_LIBRARY_PATH yet; otherwise null.
    /// </summary>
    public static string? PrivateDirectoryNeeded()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return null;
        }

        var directory = TorchRuntime.PrivateLibstdcxxDirectory;
        var onPath = (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? string.Empty).Split(':').Contains(directory);
        if (onPath || !File.Exists(Path.Combine(directory, "libstdc++.so.6")))
        {
            return null;
        }

        var system = _systemLibraries.FirstOrDefault(File.Exists);
        return system is not null && Exports(system, NeededVersion) ? null : directory;
    }

    private static bool Exports(string library, string version) =>
        File.ReadAllBytes(library).AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(version)) >= 0;
}
