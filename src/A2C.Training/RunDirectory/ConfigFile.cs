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

        var fields = new ConfigFields(node, label);
        var options = A2COptions.Defaults;
        foreach (var option in Hyperparameters.All)
        {
            // Fields added later (engine, nan_policy, env_step_timeout) are missing from older runs: those ran on the default.
            if (node.ContainsKey(option.Name) || !option.OptionalInConfig)
            {
                options = option.ReadJson(options, fields);
            }
        }

        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{label}: {string.Join(" ", problems)}");
        }

        return options;
    }
}

/// <summary>The fields of one config.json, read strictly: a missing field or a wrong JSON type is an <see cref="InvalidDataException"/> naming the file and the field.</summary>
internal sealed class ConfigFields(JsonObject node, string label)
{
    public string Text(string name) =>
        Value(name, "a string") is { } v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw WrongType(name, "a string");

    public int Whole(string name) =>
        Value(name, "a whole number") is { } v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var x) ? x : throw WrongType(name, "a whole number");

    public long Long(string name) =>
        Value(name, "a whole number") is { } v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var x) ? x : throw WrongType(name, "a whole number");

    public float Single(string name) =>
        Value(name, "a number") is { } v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<float>(out var x) ? x : throw WrongType(name, "a number");

    public double Double(string name) =>
        Value(name, "a number") is { } v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var x) ? x : throw WrongType(name, "a number");

    public bool Flag(string name) =>
        Value(name, "true or false") is { } v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : throw WrongType(name, "true or false");

    /// <summary>One of <paramref name="names"/>, read by <paramref name="parse"/>.</summary>
    public T Choice<T>(string name, IReadOnlyList<string> names, Func<string, T> parse)
    {
        var text = Text(name);
        try
        {
            return parse(text);
        }
        catch (HyperparameterFormatException)
        {
            throw new InvalidDataException($"{label}: {name} is \"{text}\"; allowed: {string.Join(", ", names)}.");
        }
    }

    /// <summary>A JSON object field, as compact text.</summary>
    public string ObjectText(string name) =>
        node[name] is JsonObject o ? o.ToJsonString() : throw (node.ContainsKey(name) ? WrongType(name, "a JSON object") : Missing(name, "a JSON object"));

    public IReadOnlyList<int> Sizes(string name)
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
