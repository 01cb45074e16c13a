using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using A2C.Core;

namespace A2C.Training;

/// <summary>
/// Reads a run's config.json strictly: every field that is missing, of the wrong JSON type, not one
/// of its allowed names, or out of range is reported with the file and the field, never as a
/// conversion error from deep inside System.Text.Json.
/// </summary>
internal static class ConfigFile
{
    /// <summary>Options from the text of a config.json; <paramref name="label"/> names the file in messages.</summary>
    /// <exception cref="InvalidDataException">The text is not a valid config; the message names the file and the field.</exception>
    public static A2COptions Parse(string json, string label)
    {
        JsonObject node;
        try
        {
            node = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{label} does not hold a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{label} is not valid JSON: {e.Message}", e);
        }

        var read = new Fields(node, label);
        var options = new A2COptions
        {
            Env = read.Text("env"),
            NEnvs = read.Whole("n_envs"),
            TotalTimesteps = read.Long("total_timesteps"),
            Seed = read.Whole("seed"),
            Net = read.Choice("net", NetKind.Shared, NetKind.Separate),
            NetArch = read.Sizes("net_arch"),
            Activation = read.Choice("activation", Activation.Tanh, Activation.Relu),
            OrthoInit = read.Flag("ortho_init"),
            LogStdInit = read.Number("log_std_init"),
            LearningRate = read.Schedule("learning_rate"),
            NSteps = read.Whole("n_steps"),
            Gamma = read.Number("gamma"),
            GaeLambda = read.Number("gae_lambda"),
            EntCoef = read.Number("ent_coef"),
            VfCoef = read.Number("vf_coef"),
            MaxGradNorm = read.Number("max_grad_norm"),
            RmsPropEps = read.Number("rms_prop_eps"),
            UseRmsProp = read.Flag("use_rms_prop"),
            NormalizeAdvantage = read.Flag("normalize_advantage"),
            ValueLoss = read.Text("value_loss") switch
            {
                "mse" => ValueLoss.Mse,
                "huber" => ValueLoss.Huber,
                var other => throw new InvalidDataException($"{label}: value_loss is \"{other}\"; allowed: mse, huber."),
            },
            Normalize = read.Flag("normalize"),
            // Older runs wrote no engine: they ran on the default.
            Engine = node.ContainsKey("engine") ? read.Choice("engine", Engine.Auto, Engine.DotNet, Engine.Torch) : Engine.Auto,
            // Older runs wrote neither: no step limit, and failing on non-finite values.
            EnvStepTimeout = node.ContainsKey("env_step_timeout") ? read.Number("env_step_timeout") : 0,
            NanPolicy = node.ContainsKey("nan_policy") ? read.Choice("nan_policy", NonFinitePolicy.Fail, NonFinitePolicy.Skip) : NonFinitePolicy.Fail,
        };
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{label}: {string.Join(" ", problems)}");
        }

        return options;
    }

    private sealed class Fields(JsonObject node, string label)
    {
        public string Text(string name) =>
            Value(name, "a string") is { } v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw WrongType(name, "a string");

        public int Whole(string name) =>
            Value(name, "a whole number") is { } v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var x) ? x : throw WrongType(name, "a whole number");

        public long Long(string name) =>
            Value(name, "a whole number") is { } v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var x) ? x : throw WrongType(name, "a whole number");

        public float Number(string name) =>
            Value(name, "a number") is { } v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var x) ? (float)x : throw WrongType(name, "a number");

        public bool Flag(string name) =>
            Value(name, "true or false") is { } v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : throw WrongType(name, "true or false");

        public T Choice<T>(string name, params T[] allowed)
            where T : struct, Enum
        {
            var text = Text(name);
            var names = allowed.Select(a => a.ToString().ToLowerInvariant()).ToArray();
            var index = Array.IndexOf(names, text.ToLowerInvariant());
            return index >= 0 ? allowed[index] : throw new InvalidDataException($"{label}: {name} is \"{text}\"; allowed: {string.Join(", ", names)}.");
        }

        public int[] Sizes(string name)
        {
            if (node[name] is not JsonArray array)
            {
                throw node.ContainsKey(name) ? WrongType(name, "an array of layer sizes such as [64, 64]") : Missing(name, "an array of layer sizes such as [64, 64]");
            }

            return array.Select((x, i) => x is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var w)
                ? w
                : throw new InvalidDataException($"{label}: {name}[{i}] is {Show(x)}; expected a whole number.")).ToArray();
        }

        public Schedule Schedule(string name)
        {
            // Written as text ("7e-4", "lin_7e-4"); a plain number, as a hand-edited file might hold, is a constant.
            var v = Value(name, "a string such as \"7e-4\" or \"lin_7e-4\"");
            var text = v?.GetValueKind() switch
            {
                JsonValueKind.String => v.GetValue<string>(),
                JsonValueKind.Number => v.ToJsonString(),
                _ => throw WrongType(name, "a string such as \"7e-4\" or \"lin_7e-4\""),
            };
            var parsed = A2C.Core.Schedule.Parse(text);
            return parsed.IsOk ? parsed.ResultValue : throw new InvalidDataException($"{label}: {name}: {parsed.ErrorValue}");
        }

        private JsonValue? Value(string name, string expected) =>
            node.TryGetPropertyValue(name, out var value) ? value as JsonValue : throw Missing(name, expected);

        private InvalidDataException Missing(string name, string expected) =>
            new($"{label} lacks the field {name} ({expected}).");

        private InvalidDataException WrongType(string name, string expected) =>
            new($"{label}: {name} is {Show(node[name])}; expected {expected}.");

        private static string Show(JsonNode? value)
        {
            var text = value?.ToJsonString() ?? "null";
            return text.Length <= 40 ? text : string.Create(CultureInfo.InvariantCulture, $"{text[..37]}...");
        }
    }
}
