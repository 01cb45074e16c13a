using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using A2C.Envs;
using A2C.Envs.Remote;
using A2C.Training;

namespace A2C.Cli;

/// <summary>The <c>a2c</c> command line: one root command, one subcommand per job.</summary>
public static class CliApp
{
    /// <summary>Exit code for a command that failed at run time (as opposed to bad usage).</summary>
    public const int Failure = 1;

    /// <summary>Exit code for bad input: an unknown id, malformed JSON, a value out of range.</summary>
    public const int UsageError = 2;

    /// <summary>Version of this program, without source-control metadata.</summary>
    public static string AppVersion
    {
        get
        {
            var informational = typeof(CliApp).Assembly
                .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
            var plus = informational.IndexOf('+', StringComparison.Ordinal);
            return plus >= 0 ? informational[..plus] : informational;
        }
    }

    /// <summary>Parses <paramref name="args"/> and runs the chosen command, writing to the console.</summary>
    /// <param name="args">Command-line arguments, without the program name.</param>
    /// <returns>The process exit code: 0 on success, non-zero on any error.</returns>
    public static int Run(string[] args)
    {
        // SIGINT (Ctrl+C) and SIGTERM end training after the current update, with a checkpoint,
        // instead of killing the process mid-write; the exit code then says which signal it was.
        using var cancellation = new CancellationTokenSource();
        void Stop(PosixSignalContext context, int exitCode)
        {
            context.Cancel = true;
            Interrupted = exitCode;
            cancellation.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Stop(c, InterruptedBySigint));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Stop(c, InterruptedBySigterm));
        if (!Signals.FollowParent())
        {
            Console.Error.WriteLine("a2c: the sweep or tune that started this process has gone; not starting.");
            return InterruptedBySigterm;
        }

        return Run(args, Console.Out, Console.Error, cancellation.Token);
    }

    /// <summary>Exit code of a run stopped by SIGINT (Ctrl+C): 128 + 2.</summary>
    public const int InterruptedBySigint = 130;

    /// <summary>Exit code of a run stopped by SIGTERM: 128 + 15.</summary>
    public const int InterruptedBySigterm = 143;

    /// <summary>The exit code of the signal that stopped this process, once one has.</summary>
    internal static int Interrupted { get; private set; } = InterruptedBySigint;

    /// <summary>Parses <paramref name="args"/> and runs the chosen command.</summary>
    /// <param name="args">Command-line arguments, without the program name.</param>
    /// <param name="stdout">Where normal output goes.</param>
    /// <param name="stderr">Where errors go.</param>
    /// <param name="cancellation">Stops a running training after its current update.</param>
    /// <param name="stdin">Where <c>a2c predict --obs -</c> reads observations (default: the console's).</param>
    /// <returns>The process exit code: 0 on success, non-zero on any error.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellation = default, TextReader? stdin = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        var root = new RootCommand("a2c: Advantage Actor-Critic reinforcement learning for .NET.");
        root.Subcommands.Add(VersionCommand(stdout, stderr));
        root.Subcommands.Add(TrainCommand.Train(stdout, stderr, cancellation));
        root.Subcommands.Add(EvalCommand.Eval(stdout, stderr));
        root.Subcommands.Add(ExportCommand.Create(stdout, stderr));
        root.Subcommands.Add(RecordCommand.Create(stdout, stderr));
        root.Subcommands.Add(PredictCommand.Create(stdout, stderr, stdin));
        root.Subcommands.Add(EnvCommands.Create(stdout, stderr));
        root.Subcommands.Add(SweepCommand.Create(stdout, stderr, cancellation));
        root.Subcommands.Add(TuneCommand.Create(stdout, stderr, cancellation));
        root.Subcommands.Add(PlotCommand.Create(stdout, stderr));
        root.Subcommands.Add(BenchCommand.Create(stdout, stderr));
        root.Subcommands.Add(ServeCommand.Create(stdout, stderr, cancellation));
        root.Subcommands.Add(RunCommand.Create(stderr, cancellation));
        var invocation = new InvocationConfiguration { Output = stdout, Error = stderr };
        // No response files: `--actions @file.json` is ours to read, not the parser's.
        var parsing = new ParserConfiguration { ResponseFileTokenReplacer = null };
        var parsed = root.Parse(args, parsing);
        var problems = ParseErrors.Describe(parsed);
        if (problems.Count > 0 || parsed.Action is ParseErrorAction)
        {
            // A value that does not parse is bad input like one out of range: exit 2, one line per
            // error naming the option, and no help text burying it.
            return ReportUsageErrors(stderr, ParseErrors.CommandPath(parsed.CommandResult), problems);
        }

        return parsed.Invoke(invocation);
    }

    /// <summary>Parses a <c>--net-arch</c> ("64,64") with the table's reader; adds an error naming the text when it is not positive integers.</summary>
    internal static IReadOnlyList<int>? ParseNetArch(string text, List<string> errors)
    {
        try
        {
            return Hyperparameters.NetArch.Parse(text);
        }
        catch (HyperparameterFormatException e)
        {
            errors.Add(e.Describe(Hyperparameters.NetArch.Cli));
            return null;
        }
    }

    /// <summary>
    /// Problems of <see cref="Hyperparameters.Check"/> with the command line's spelling of each
    /// option: "--n-envs is 0; allowed: 1 to 4096.", and total_timesteps is <c>--total-steps</c>.
    /// </summary>
    internal static IEnumerable<string> AsOptionErrors(IEnumerable<OptionProblem> problems) =>
        problems.Select(problem => problem.Describe(problem.Option.Cli));

    /// <summary>
    /// The <c>--env-kwargs</c> of a command that makes <paramref name="env"/> itself (serve, env
    /// trace), checked against what the env takes; a problem is added to <paramref name="errors"/>.
    /// </summary>
    /// <returns>The keyword arguments, or null for none (or when they were refused).</returns>
    internal static System.Text.Json.Nodes.JsonObject? EnvKwargs(HyperparameterOption option, string env, ParseResult parse, List<string> errors)
    {
        var count = errors.Count;
        var options = option.Apply(A2COptions.Defaults with { Env = env }, parse, errors);
        if (errors.Count > count)
        {
            return null;
        }

        if (Hyperparameters.EnvKwargs.Check(options) is { } problem)
        {
            errors.Add(problem.Describe(problem.Option.Cli));
            return null;
        }

        return EnvFactory.Kwargs(options.EnvKwargs);
    }

    /// <summary>
    /// Checks <c>--env</c> of train and bench: a registered id, or a well-formed grpc://HOST:PORT
    /// (whether a server answers there is found out later); a problem is added to <paramref name="errors"/>.
    /// </summary>
    internal static void CheckEnv(string env, List<string> errors)
    {
        if (RemoteVectorEnv.IsRemote(env))
        {
            if (!RemoteVectorEnv.TryParseAddress(env, out _))
            {
                errors.Add($"--env is '{env}'; a remote env is grpc://HOST:PORT, e.g. grpc://127.0.0.1:50051.");
            }

            return;
        }

        try
        {
            Registry.Spec(env);
        }
        catch (UnknownEnvironmentException e)
        {
            errors.Add("--env: " + e.Message);
        }
    }

    /// <summary>Why a file cannot be written at <paramref name="path"/> (its directory is missing, or it is a directory), or null when it can be tried.</summary>
    internal static string? CheckOutputFile(string? path)
    {
        if (path is null)
        {
            return null;
        }

        if (path.Length == 0 || Directory.Exists(path))
        {
            return $"'{path}' is {(path.Length == 0 ? "empty" : "a directory")}; expected a file path.";
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        return directory is null || Directory.Exists(directory) ? null : $"the directory of '{path}', '{directory}', does not exist.";
    }

    /// <summary>Prints every usage error as "<paramref name="command"/>: error"; returns <see cref="UsageError"/>.</summary>
    internal static int ReportUsageErrors(TextWriter stderr, string command, IReadOnlyCollection<string> errors)
    {
        foreach (var error in errors)
        {
            stderr.WriteLine($"{command}: {error}");
        }

        return UsageError;
    }

    /// <summary>Loads libtorch and describes it, or prints why it cannot load (prefixed by <paramref name="command"/>).</summary>
    internal static TorchInfo? DescribeTorch(TextWriter stderr, string command)
    {
        try
        {
            return TorchRuntime.Describe();
        }
        catch (NativeLibraryLoadException e)
        {
            CliErrors.Report(e, command, stderr);
            return null;
        }
    }

    private static Command VersionCommand(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("version", "Print the versions of a2c, TorchSharp and libtorch, and the device training would use.");
        command.SetAction(_ => CliErrors.Run("a2c version", stderr, () =>
        {
            stdout.WriteLine($"a2c         {AppVersion}");
            stdout.WriteLine($"TorchSharp  {TorchRuntime.TorchSharpVersion}");
            var info = TorchRuntime.Describe();
            stdout.WriteLine($"libtorch    {info.LibTorchVersion}");
            stdout.WriteLine($"device      {info.Device}{(info.CudaAvailable ? string.Empty : " (no CUDA device or CUDA build)")}");
            stdout.WriteLine($"threads     {info.Threads}");
            stdout.WriteLine($".NET        {Environment.Version}");
            return 0;
        }));
        return command;
    }
}
