using System.CommandLine;
using System.Text;
using System.Text.Json;
using A2C.Envs.Spaces;
using A2C.Training;

namespace A2C.Cli;

/// <summary>
/// <c>a2c predict</c>: the action a trained model takes at an observation, its distribution's
/// parameters and the critic's value, as one JSON line (for scripts, and for checking an export
/// against the model it came from).
/// </summary>
internal static class PredictCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr, TextReader? stdin)
    {
        var model = new Option<string>("--model") { Description = "A run's model.bin (with config.json, and normalization.json if used, beside it), its checkpoint.zip, or a policy.onnx from a2c export (run by A2C.Policy).", Required = true };
        var obs = new Option<string>("--obs") { Description = "One raw observation as JSON (an array, nested as its shape or flat; an object of arrays for a Dict space), or - to read one a line from stdin.", Required = true };
        var deterministic = new Option<bool>("--deterministic") { Description = "Take the most likely action (the default); --deterministic false samples.", DefaultValueFactory = _ => true };
        var seed = new Option<int>("--seed") { Description = "Seed of the sampling generator when --deterministic false (default 0).", DefaultValueFactory = _ => 0 };
        var command = new Command("predict", "Print a trained model's action, distribution parameters and value at an observation, as one JSON line.") { model, obs, deterministic, seed };
        command.SetAction(parse => CliErrors.Run("a2c predict", stderr, () =>
        {
            var given = parse.GetValue(obs)!;
            var path = parse.GetValue(model)!;
            using var trainer = path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? null : TrainedModel.Load(path);
            IPredictor predictor = trainer is null
                ? new ExportPredictor(LoadExport(path), parse.GetValue(deterministic), parse.GetValue(seed))
                : new Predictor(trainer, parse.GetValue(deterministic), parse.GetValue(seed));
            if (given != "-")
            {
                stdout.WriteLine(predictor.Line(predictor.Read(given)));
                return 0;
            }

            // The console's input is touched only here: initializing it changes how the process takes signals.
            var lines = stdin ?? Console.In;
            var number = 0;
            while (lines.ReadLine() is { } line)
            {
                number++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                float[] observation;
                try
                {
                    observation = predictor.Read(line);
                }
                catch (CliException e)
                {
                    throw CliErrors.Usage($"stdin line {number}: {e.Message}", e);
                }

                stdout.WriteLine(predictor.Line(observation));
            }

            return 0;
        }));
        return command;
    }

    private static A2C.Runtime.Policy LoadExport(string path)
    {
        try
        {
            return A2C.Runtime.Policy.Load(path);
        }
        catch (A2C.Runtime.PolicyFormatException e)
        {
            throw CliErrors.Usage(e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliErrors.Usage($"cannot read '{path}': {e.Message}", e);
        }
    }

    /// <summary>Reads an observation and answers it with one JSON line.</summary>
    private interface IPredictor
    {
        float[] Read(string json);

        string Line(float[] observation);
    }

    /// <summary>The line's members, in order: the action (an int, ints or floats), the distribution's parameters, the value.</summary>
    private static string Json(object action, (string Name, float[] Values)[] parameters, float value)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WritePropertyName("action");
            switch (action)
            {
                case int discrete:
                    json.WriteNumberValue(discrete);
                    break;
                case int[] integers:
                    Integers(json, integers);
                    break;
                default:
                    Numbers(json, (float[])action);
                    break;
            }

            foreach (var (name, values) in parameters)
            {
                json.WritePropertyName(name);
                Numbers(json, values);
            }

            json.WriteNumber("value", value);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Numbers(Utf8JsonWriter json, float[] values)
    {
        json.WriteStartArray();
        foreach (var v in values)
        {
            json.WriteNumberValue(v);
        }

        json.WriteEndArray();
    }

    private static void Integers(Utf8JsonWriter json, int[] values)
    {
        json.WriteStartArray();
        foreach (var v in values)
        {
            json.WriteNumberValue(v);
        }

        json.WriteEndArray();
    }

    /// <summary>Acts with an exported policy.onnx through A2C.Policy: the same line, from the shipped runtime.</summary>
    private sealed class ExportPredictor(A2C.Runtime.Policy policy, bool deterministic, int seed) : IPredictor
    {
        // System.Random of the seed: A2C.Policy samples with the caller's generator.
        private readonly Random _random = new(seed);

        public float[] Read(string json) => ObservationJson.Read(json, policy.ObservationSize, $"'{policy.Env}'s exported policy");

        public string Line(float[] observation)
        {
            var outputs = policy.Evaluate(observation);
            // One pass: the action comes from the same outputs the line prints.
            var action = deterministic ? policy.ActDeterministic(outputs, 0) : policy.Act(outputs, 0, _random);
            (string, float[])[] parameters = policy.ActionKind == A2C.Runtime.ActionKind.Box
                ? [("mean", outputs.Mean), ("std", outputs.Std)]
                : [("logits", outputs.Logits)];
            object chosen = action.Kind switch
            {
                A2C.Runtime.ActionKind.Box => action.Continuous,
                A2C.Runtime.ActionKind.Discrete => action.Discrete,
                _ => action.Integers,
            };
            return Json(chosen, parameters, outputs.Values[0]);
        }
    }

    /// <summary>Acts for one observation at a time with a loaded run's agent.</summary>
    private sealed class Predictor : IPredictor
    {
        private readonly Trainer _trainer;
        private readonly Agent _agent;
        private readonly bool _deterministic;
        private readonly int[] _integers;
        private readonly float[] _continuous;
        private readonly float[] _value = new float[1];

        public Predictor(Trainer trainer, bool deterministic, int seed)
        {
            _trainer = trainer;
            _deterministic = deterministic;
            // A generator of the given seed, not the run's: the same command samples the same action.
            _agent = deterministic ? trainer.Agent : new Agent(trainer.Agent.Model, seed, trainer.Agent.Device, trainer.Agent.Engine);
            var width = trainer.Env.SingleActionSpace.FlatSize;
            _integers = new int[width];
            _continuous = new float[width];
        }

        public float[] Read(string json) => ObservationJson.Read(json, _trainer.Env.SingleObservationSpace);

        public string Line(float[] observation)
        {
            var outputs = PolicyOutputs.Of(_agent.Model, _trainer.Normalizer, observation, 1);
            var normalized = _trainer.Normalizer?.Observations(observation) ?? observation;
            _agent.Act(normalized, 1, _deterministic, _integers, _continuous, _value);
            var actions = _trainer.Env.SingleActionSpace;
            (string, float[])[] parameters = outputs.Std is { } std ? [("mean", outputs.Actor), ("std", std)] : [("logits", outputs.Actor)];
            object chosen = actions switch
            {
                // What the env is given, as SB3's predict clips a sample into the Box.
                Box box => Clipped(box, _continuous),
                Discrete => _integers[0],
                _ => _integers,
            };
            return Json(chosen, parameters, outputs.Values[0]);
        }

        private static float[] Clipped(Box box, float[] sample)
        {
            var clipped = (float[])sample.Clone();
            box.Clip(clipped);
            return clipped;
        }
    }
}
