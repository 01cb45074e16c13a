using System.Diagnostics;
using System.Runtime.InteropServices;

namespace A2C.Cli;

/// <summary>Signals for child processes.</summary>
internal static class Signals
{
    private const int Sigterm = 15;

    /// <summary>
    /// Sends SIGTERM to <paramref name="child"/> (it may checkpoint and exit 143), where there is
    /// one: .NET's Process.Kill sends SIGKILL only. On Windows, which has none, this does nothing:
    /// Ctrl+C reaches children through their shared console.
    /// </summary>
    public static void Terminate(Process child)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            if (!child.HasExited)
            {
                _ = Kill(child.Id, Sigterm);
            }
        }
        catch (InvalidOperationException)
        {
            // It has already gone.
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
