using System.CommandLine;
using System.Diagnostics;

namespace A2C.Cli;

/// <summary>
/// <c>a2c run FILE.cs [-- ARGS]</c>: a .NET 10 file-based C# script run against the training
/// library in Release, with the native library path this project's processes need, from any
/// working directory. Output, input and exit code are the script's.
/// </summary>
internal static class RunCommand
{
    public static Command Create(TextWriter stderr, CancellationToken cancellation)
    {
        var file = new Argument<string>("FILE") { Description = "The C# script (a file-based app, e.g. examples/cartpole.cs or a copy of examples/starter.cs)." };
        var arguments = new Argument<string[]>("ARGS") { Description = "Arguments for the script, after --.", Arity = ArgumentArity.ZeroOrMore };
        var debug = new Option<bool>("--debug") { Description = "Build the script and the library in Debug (about five times slower training) instead of Release." };
        var command = new Command("run", "Run a C# script against the A2C library, in Release, with the native library path it needs.") { file, arguments, debug };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                stderr.WriteLine(Directory.Exists(path)
                    ? $"a2c run: '{path}' is a directory; expected a C# script file (FILE.cs)."
                    : $"a2c run: '{path}' does not exist.");
                return CliApp.UsageError;
            }

            if (!path.EndsWith(".cs", StringComparison.OrdinalIgnoreCase))
            {
                stderr.WriteLine($"a2c run: '{path}' is not a C# script; expected a file ending in .cs.");
                return CliApp.UsageError;
            }

            if (ScriptProject.FindLibrary(AppContext.BaseDirectory) is not { } library)
            {
                stderr.WriteLine($"a2c run: cannot find {ScriptProject.LibraryProject} above {AppContext.BaseDirectory}; a2c run works from a build of the A2C repository.");
                return CliApp.Failure;
            }

            string script;
            try
            {
                script = ScriptProject.Prepare(Path.GetFullPath(path), library, ScriptProject.ShadowRoot);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"a2c run: cannot prepare '{path}': {e.Message}");
                return CliApp.Failure;
            }

            return Run(script, parse.GetValue(arguments) ?? [], parse.GetValue(debug) ? "Debug" : "Release", cancellation);
        });
        return command;
    }

    private static int Run(string script, string[] arguments, string configuration, CancellationToken cancellation)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        foreach (var arg in (string[])["run", "-c", configuration, script, "--", .. arguments])
        {
            info.ArgumentList.Add(arg);
        }

        if (NativePath.PrivateDirectoryNeeded() is { } directory)
        {
            var current = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
            info.Environment["LD_LIBRARY_PATH"] = string.IsNullOrEmpty(current) ? directory : directory + ":" + current;
        }

        using var child = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
        // Ctrl+C reaches the script through the terminal's process group; a SIGTERM sent to a2c
        // alone is passed on, so that the script can stop as it would have.
        using var forward = cancellation.Register(() => Signals.Terminate(child));
        child.WaitForExit();
        return child.ExitCode;
    }
}
