using System.Globalization;
using System.Text.Json.Nodes;
using A2C.Core;

namespace A2C.Training;

/// <summary>How one type of option value reads and writes: text (RL Zoo files, the command line), config.json, equality.</summary>
/// <typeparam name="T">The value's type.</typeparam>
internal sealed class ValueFormat<T>
    where T : notnull
{
    /// <summary>What a command-line parser reads; string when <see cref="Parse"/> reads the text.</summary>
    public required Type CliType { get; init; }

    /// <summary>Text to value; throws <see cref="HyperparameterFormatException"/>.</summary>
    public required Func<string, T> Parse { get; init; }

    /// <summary>Value to the text <see cref="Parse"/> reads back.</summary>
    public required Func<T, string> Format { get; init; }

    /// <summary>Value to config.json.</summary>
    public required Func<T, JsonNode?> Write { get; init; }

    /// <summary>The named field of config.json, strictly (messages name the file and the field).</summary>
    public required Func<ConfigFields, string, T> Read { get; init; }

    /// <summary>Allowed values of an enum-like type, in text form.</summary>
    public IReadOnlyList<string>? Choices { get; init; }

    /// <summary>Whether two values are the same.</summary>
    public Func<T, T, bool> Equal { get; init; } = EqualityComparer<T>.Default.Equals;
}

/// <summary>The formats of the option types of <see cref="A2COptions"/>.</summary>
internal static class ValueFormat
{
    public static ValueFormat<string> Text { get; } = new()
    {
        CliType = typeof(string),
        Parse = text => text,
        Format = value => value,
        Write = value => JsonValue.Create(value),
        Read = (fields, name) => fields.Text(name),
    };

    /// <summary>A JSON object ("{\"is_slippery\": false}"), kept as compact text; equal when the objects are.</summary>
    public static ValueFormat<string> JsonObjectText { get; } = new()
    {
        CliType = typeof(string),
        Parse = text =>
        {
            try
            {
                return JsonNode.Parse(text) is JsonObject o ? o.ToJsonString() : throw HyperparameterFormatException.NotA(text, "a JSON object such as {\"is_slippery\": false}");
            }
            catch (System.Text.Json.JsonException)
            {
                throw HyperparameterFormatException.NotA(text, "a JSON object such as {\"is_slippery\": false}");
            }
        },
        Format = value => value,
        Write = value => JsonNode.Parse(value),
        Read = (fields, name) => fields.ObjectText(name),
        Equal = (a, b) => JsonNode.DeepEquals(JsonNode.Parse(a), JsonNode.Parse(b)),
    };

    public static ValueFormat<int> Whole { get; } = new()
    {
        CliType = typeof(int),
        Parse = text => (int)WholeNumber(text, int.MinValue, int.MaxValue),
        Format = value => value.ToString(CultureInfo.InvariantCulture),
        Write = value => JsonValue.Create(value),
        Read = (fields, name) => fields.Whole(name),
    };

    public static ValueFormat<long> Long { get; } = new()
    {
        CliType = typeof(long),
        Parse = text => WholeNumber(text, long.MinValue, long.MaxValue),
        Format = value => value.ToString(CultureInfo.InvariantCulture),
        Write = value => JsonValue.Create(value),
        Read = (fields, name) => fields.Long(name),
    };

    public static ValueFormat<float> Single { get; } = new()
    {
        CliType = typeof(float),
        Parse = text => float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && float.IsFinite(x) ? x : throw HyperparameterFormatException.NotA(text, "a number"),
        Format = value => value.ToString("R", CultureInfo.InvariantCulture),
        Write = value => JsonValue.Create(value),
        Read = (fields, name) => fields.Single(name),
    };

    public static ValueFormat<double> Double { get; } = new()
    {
        CliType = typeof(double),
        Parse = text => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x) ? x : throw HyperparameterFormatException.NotA(text, "a number"),
        Format = value => value.ToString("R", CultureInfo.InvariantCulture),
        Write = value => JsonValue.Create(value),
        Read = (fields, name) => fields.Double(name),
    };

    public static ValueFormat<bool> Flag { get; } = new()
    {
        CliType = typeof(bool),
        Parse = text => text.Trim().ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            _ => throw HyperparameterFormatException.NotA(text, "true or false"),
        },
        Format = value => value ? "true" : "false",
        Write = value => JsonValue.Create(value),
        Read = (fields, name) => fields.Flag(name),
    };

    /// <summary>Layer sizes: "64,64" (RL Zoo's "[64, 64]" too); no hidden layer (a linear policy) is "[]".</summary>
    public static ValueFormat<IReadOnlyList<int>> Sizes { get; } = new()
    {
        CliType = typeof(string),
        Parse = ParseSizes,
        Format = value => value.Count == 0 ? "[]" : string.Join(",", value),
        Write = value => new JsonArray(value.Select(w => (JsonNode)w).ToArray()),
        Read = (fields, name) => fields.Sizes(name),
        Equal = (a, b) => a.SequenceEqual(b),
    };

    /// <summary>A constant ("7e-4") or RL Zoo's linear schedule ("lin_7e-4").</summary>
    public static ValueFormat<Schedule> Schedule { get; } = new()
    {
        CliType = typeof(string),
        Parse = text =>
        {
            var parsed = Core.Schedule.Parse(text);
            return parsed.IsOk ? parsed.ResultValue : throw new HyperparameterFormatException(text, parsed.ErrorValue);
        },
        Format = ScheduleText,
        Write = value => JsonValue.Create(ScheduleText(value)),
        Read = (fields, name) => fields.Schedule(name),
    };

    /// <summary>One of a few named values, written in lowercase; reading ignores case.</summary>
    public static ValueFormat<T> Choice<T>(params (string Text, T Value)[] choices)
        where T : notnull
    {
        var names = choices.Select(c => c.Text).ToArray();
        T Parse(string text) =>
            choices.FirstOrDefault(c => string.Equals(c.Text, text.Trim(), StringComparison.OrdinalIgnoreCase)) is { Text: not null } found
                ? found.Value
                : throw HyperparameterFormatException.NoneOf(text, names);
        string Format(T value) =>
            choices.FirstOrDefault(c => EqualityComparer<T>.Default.Equals(c.Value, value)) is { Text: { } text }
                ? text
                : value.ToString()?.ToLowerInvariant() ?? string.Empty;
        return new()
        {
            CliType = typeof(string),
            Parse = Parse,
            Format = Format,
            Write = value => JsonValue.Create(Format(value)),
            Read = (fields, name) => fields.Choice(name, names, Parse),
            Choices = names,
        };
    }

    /// <summary>The text of a schedule: <c>7e-4</c> or <c>lin_7e-4</c>.</summary>
    public static string ScheduleText(Schedule schedule) => schedule switch
    {
        Core.Schedule.Constant c => c.Value.ToString("R", CultureInfo.InvariantCulture),
        Core.Schedule.Linear l when l.Final == 0 => "lin_" + l.Initial.ToString("R", CultureInfo.InvariantCulture),
        _ => schedule.ToString() ?? string.Empty,
    };

    /// <summary>A whole number, also written as RL Zoo writes some ("1e6", "!!float 5e5" read as "5e5").</summary>
    private static long WholeNumber(string text, long min, long max)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var whole))
        {
            return whole >= min && whole <= max ? whole : throw HyperparameterFormatException.NotA(text, $"a whole number from {min} to {max}");
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && x == Math.Floor(x) && x >= min && x <= max
            ? (long)x
            : throw HyperparameterFormatException.NotA(text, "a whole number");
    }

    private static IReadOnlyList<int> ParseSizes(string text)
    {
        var list = text.Trim();
        if (list.StartsWith('[') && list.EndsWith(']'))
        {
            list = list[1..^1];
            if (string.IsNullOrWhiteSpace(list))
            {
                return [];
            }
        }

        var sizes = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var w) ? w : -1).ToArray();
        return sizes.Length > 0 && sizes.All(w => w >= 1)
            ? sizes
            : throw HyperparameterFormatException.NotA(text, "positive integers separated by commas, e.g. 64,64");
    }
}
