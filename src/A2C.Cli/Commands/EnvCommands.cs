using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using A2C.Envs;
using A2C.Envs.Checking;
using A2C.Envs.Spaces;

namespace A2C.Cli;

/// <summary><c>a2c env list | check | trace</c>: look at, check and replay environments.</summary>
internal static class EnvCommands
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var env = new Command("env", "List, check and trace the registered environments.");
        env.Subcommands.Add(List(stdout));
        env.Subcommands.Add(Check(stdout, stderr));
        env.Subcommands.Add(Trace(stdout, stderr));
        return env;
    }

    private static Command List(TextWriter stdout)
    {
        var command = new Command("list", "Print the registry: ids, spaces, time limits and reward thresholds.");
        command.SetAction(_ =>
        {
            var rows = Registry.Specs.Select(spec =>
            {
                using var instance = spec.EntryPoint();
                return new[]
                {
                    spec.Id,
                    instance.ObservationSpace.ToString() ?? string.Empty,
                    instance.ActionSpace.ToString() ?? string.Empty,
                    spec.MaxEpisodeSteps?.ToString(CultureInfo.InvariantCulture) ?? "-",
                    spec.RewardThreshold?.ToString(CultureInfo.InvariantCulture) ?? "-",
                };
            }).ToList();
            WriteTable(stdout, ["id", "observation space", "action space", "max steps", "threshold"], rows);
            return 0;
        });
        return command;
    }

    private static Command Check(TextWriter stdout, TextWriter stderr)
    {
        var id = new Argument<string>("ID") { Description = "Registered environment id, e.g. CartPole-v1." };
        var steps = new Option<int>("--steps") { Description = "Random steps to take.", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Seed for the env and the random actions.", DefaultValueFactory = _ => 0 };
        var command = new Command("check", "Check an environment's contract (spaces, bounds, determinism, reset/step rules).") { id, steps, seed };
        command.SetAction(parse => CliErrors.Run("a2c env check", stderr, () =>
        {
            var stepCount = parse.GetValue(steps);
            if (stepCount < 1)
            {
                return CliApp.ReportUsageErrors(stderr, "a2c env check", [$"--steps is {stepCount}; allowed: 1 or more."]);
            }

            var report = EnvChecker.Check(parse.GetValue(id)!, stepCount, parse.GetValue(seed));
            stdout.WriteLine(report.ToString());
            return report.Passed ? 0 : CliApp.Failure;
        }));
        return command;
    }

    private static Command Trace(TextWriter stdout, TextWriter stderr)
    {
        var envOption = new Option<string>("--env") { Description = "Registered environment id.", Required = true };
        var stateOption = new Option<string?>("--state") { Description = "Physical state to start from, as a JSON array of numbers (default: the reset state)." };
        var actionsOption = new Option<string>("--actions")
        {
            Description = "JSON array of actions: ints for discrete envs, arrays of floats for box actions; or @FILE to read it from a file.",
            Required = true,
        };
        var seedOption = new Option<int>("--seed") { Description = "Seed of the reset before the state is set.", DefaultValueFactory = _ => 0 };
        var kwargsOption = new HyperparameterOption(A2C.Training.Hyperparameters.EnvKwargs, "The env's keyword arguments as a JSON object, as gym.make takes them, e.g. '{\"map_name\": \"8x8\"}'.");
        var command = new Command("trace", "Replay actions from a state and print one JSON line per step.") { envOption, kwargsOption.Option, stateOption, actionsOption, seedOption };
        command.SetAction(parse => CliErrors.Run("a2c env trace", stderr, () =>
        {
            var id = parse.GetValue(envOption)!;
            var errors = new List<string>();
            var kwargs = CliApp.EnvKwargs(kwargsOption, id, parse, errors);
            return errors.Count > 0
                ? throw CliErrors.Usage(string.Join(" ", errors))
                : RunTrace(id, kwargs, parse.GetValue(stateOption), parse.GetValue(actionsOption)!, parse.GetValue(seedOption), stdout);
        }));
        return command;
    }

    private static int RunTrace(string id, System.Text.Json.Nodes.JsonObject? kwargs, string? stateJson, string actionsArgument, int seed, TextWriter stdout)
    {
        using var env = Registry.Make(id, kwargs);
        var observation = new float[env.ObservationSpace.FlatSize];
        env.Reset(observation, seed);
        if (stateJson is not null)
        {
            if (env.PhysicalState() is not { } physical)
            {
                throw CliErrors.Usage($"{id} exposes no physical state, so --state cannot be used.");
            }

            var state = ParseNumbers(stateJson, "--state");
            if (state.Length != physical.StateNames.Count)
            {
                throw CliErrors.Usage($"--state has {state.Length} numbers; {id}'s state has {physical.StateNames.Count} ({string.Join(", ", physical.StateNames)}).");
            }

            try
            {
                physical.SetState(state);
            }
            catch (ArgumentException e)
            {
                throw CliErrors.Usage($"--state: {e.Message}");
            }
        }

        var actions = ParseActions(ReadActions(actionsArgument), env.ActionSpace);
        var line = new StringBuilder();
        for (var t = 0; t < actions.Count; t++)
        {
            var result = actions[t] switch
            {
                int a => env.Step(a, observation),
                float[] v => env.Step(v.AsSpan(), observation),
                int[] v => env.Step(v.AsSpan(), observation),
                _ => throw new InvalidOperationException("unreachable"),
            };
            line.Clear();
            line.Append("{\"t\":").Append(t.ToString(CultureInfo.InvariantCulture)).Append(",\"obs\":");
            AppendObservation(line, env.ObservationSpace, observation);
            line.Append(",\"reward\":").Append(JsonNumber(result.Reward))
                .Append(",\"terminated\":").Append(result.Terminated ? "true" : "false")
                .Append(",\"truncated\":").Append(result.Truncated ? "true" : "false").Append('}');
            stdout.WriteLine(line.ToString());
            if (result.Done)
            {
                break;
            }
        }

        return 0;
    }

    private static string ReadActions(string argument)
    {
        if (!argument.StartsWith('@'))
        {
            return argument;
        }

        var path = argument[1..];
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliErrors.Usage($"--actions: cannot read '{path}': {e.Message}");
        }
    }

    private static double[] ParseNumbers(string json, string what)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw CliErrors.Usage($"{what} must be a JSON array of numbers; got a JSON {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}.");
            }

            return doc.RootElement.EnumerateArray().Select((x, i) => x.ValueKind == JsonValueKind.Number
                ? x.GetDouble()
                : throw CliErrors.Usage($"{what}[{i}] is {x.GetRawText()}; expected a number.")).ToArray();
        }
        catch (JsonException e)
        {
            throw CliErrors.Usage($"{what} is not valid JSON: {e.Message}");
        }
    }

    private static List<object> ParseActions(string json, Space space)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw CliErrors.Usage("--actions must be a JSON array.");
            }

            var actions = new List<object>();
            var index = 0;
            foreach (var element in doc.RootElement.EnumerateArray())
            {
                actions.Add(space switch
                {
                    Discrete d when element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var a) =>
                        d.Contains(a) ? a : throw CliErrors.Usage($"actions[{index}] = {a} is outside the action space {d}."),
                    Discrete d => throw CliErrors.Usage($"actions[{index}] is {element.GetRawText()}; {d} takes integers."),
                    Box b when element.ValueKind == JsonValueKind.Array => ParseVector(element, b, index),
                    Box b => throw CliErrors.Usage($"actions[{index}] is {element.GetRawText()}; {b} takes arrays of {b.FlatSize} numbers."),
                    MultiDiscrete or MultiBinary => ParseIntegers(element, space, index),
                    _ => throw CliErrors.Usage($"unsupported action space {space}."),
                });
                index++;
            }

            return actions;
        }
        catch (JsonException e)
        {
            throw CliErrors.Usage($"--actions is not valid JSON: {e.Message}");
        }
    }

    private static float[] ParseVector(JsonElement element, Box box, int index)
    {
        var values = element.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number
            ? (float)x.GetDouble()
            : throw CliErrors.Usage($"actions[{index}] holds {x.GetRawText()}; expected numbers.")).ToArray();
        if (values.Length != box.FlatSize)
        {
            throw CliErrors.Usage($"actions[{index}] has {values.Length} numbers; the action space {box} takes {box.FlatSize}.");
        }

        return values;
    }

    private static int[] ParseIntegers(JsonElement element, Space space, int index)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw CliErrors.Usage($"actions[{index}] is {element.GetRawText()}; {space} takes arrays of {space.FlatSize} integers.");
        }

        var values = element.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt32(out var v)
            ? v
            : throw CliErrors.Usage($"actions[{index}] holds {x.GetRawText()}; expected integers.")).ToArray();
        var why = space switch
        {
            MultiDiscrete m => m.Violation(values),
            MultiBinary b => b.Violation(values),
            _ => null,
        };
        return why is null ? values : throw CliErrors.Usage($"actions[{index}] {why}.");
    }

    /// <summary>An observation as Gymnasium prints it: a Box's values as floats (flat), a Discrete one as its integer, MultiDiscrete and MultiBinary ones as integers, a Dict as an object in key order.</summary>
    private static void AppendObservation(StringBuilder line, Space space, ReadOnlySpan<float> values)
    {
        switch (space)
        {
            case Discrete:
                line.Append(((int)values[0]).ToString(CultureInfo.InvariantCulture));
                break;
            case Dict dict:
                line.Append('{');
                foreach (var entry in dict.Entries)
                {
                    line.Append(entry.Offset == 0 ? string.Empty : ",").Append('"').Append(entry.Key).Append("\":");
                    AppendObservation(line, entry.Space, values.Slice(entry.Offset, entry.Space.FlatSize));
                }

                line.Append('}');
                break;
            default:
                var integers = space is MultiDiscrete or MultiBinary or Box { DType: BoxDType.UInt8 };
                line.Append('[');
                for (var i = 0; i < values.Length; i++)
                {
                    line.Append(i == 0 ? string.Empty : ",").Append(integers ? ((int)values[i]).ToString(CultureInfo.InvariantCulture) : JsonNumber(values[i]));
                }

                line.Append(']');
                break;
        }
    }

    /// <summary>Shortest round-trip text of a float32 value, with a ".0" on integers as Python's json prints floats.</summary>
    private static string JsonNumber(float value) => WithPoint(value.ToString("R", CultureInfo.InvariantCulture));

    private static string JsonNumber(double value) => WithPoint(value.ToString("R", CultureInfo.InvariantCulture));

    private static string WithPoint(string text) =>
        text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0";

    private static void WriteTable(TextWriter output, string[] header, List<string[]> rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
        output.WriteLine(Line(header));
        output.WriteLine(Line(widths.Select(w => new string('-', w)).ToArray()));
        foreach (var row in rows)
        {
            output.WriteLine(Line(row));
        }
    }
}
