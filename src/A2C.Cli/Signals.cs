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

    /// <summary>The environment variable through which a parent a2c (a sweep, a tune) gives a child its pid.</summary>
    public const string ParentVariable = "A2C_PARENT_PID";

    private const int PrSetPdeathsig = 1;

    /// <summary>
    /// In a child started by a sweep or a tune (<see cref="ParentVariable"/> set): asks Linux for
    /// SIGTERM when the parent dies, so that a parent killed with SIGKILL leaves no trial or seed
    /// training on its own (the child checkpoints and exits 143 as on any SIGTERM). Returns false
    /// when the parent is already gone, and the child should not start. Elsewhere it does nothing.
    /// </summary>
    public static bool FollowParent()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(ParentVariable) is not { } parent)
        {
            return true;
        }

        _ = Prctl(PrSetPdeathsig, Sigterm, 0, 0, 0);
        // The parent may have died before the request: then this process has been re-parented.
        return Getppid().ToString(System.Globalization.CultureInfo.InvariantCulture) == parent;
    }

    [DllImport("libc", EntryPoint = "prctl", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [DllImport("libc", EntryPoint = "getppid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Getppid();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
