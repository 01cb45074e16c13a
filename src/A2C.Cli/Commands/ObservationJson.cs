using System.Text.Json;
using A2C.Envs.Spaces;

namespace A2C.Cli;

/// <summary>
/// One observation written as JSON, as a script prints numpy's <c>obs.tolist()</c>: an array of
/// numbers, nested as the space's shape is or flat; for a Dict space an object of such arrays (or
/// numbers) keyed as the space is. Read into the flat layout the model takes.
/// </summary>
internal static class ObservationJson
{
    /// <summary>The flat observation in <paramref name="json"/>, checked against <paramref name="space"/>.</summary>
    /// <exception cref="CliException">Not JSON, not numbers, the wrong count, or a value the space cannot hold (exit 2); the message says which.</exception>
    public static float[] Read(string json, Space space)
    {
        using (var document = Parse(json))
        {
            var flat = new float[space.FlatSize];
            if (space is Dict dict)
            {
                ReadDict(document.RootElement, dict, flat);
            }
            else
            {
                Fill(document.RootElement, space, flat, "--obs");
            }

            if (space.ObservationViolation(flat) is { } why)
            {
                throw CliErrors.Usage($"--obs is not an observation the model takes: {why}.");
            }

            return flat;
        }
    }

    /// <summary>An observation of <paramref name="size"/> numbers (an exported policy's input, which knows its size but not its space).</summary>
    /// <exception cref="CliException">Not JSON, not numbers, or the wrong count (exit 2).</exception>
    public static float[] Read(string json, int size, string what)
    {
        using var document = Parse(json);
        return Numbers(document.RootElement, "--obs", size, $"{what} takes");
    }

    private static JsonDocument Parse(string json)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw CliErrors.Usage($"--obs is not JSON: {e.Message}", e);
        }
    }

    private static void ReadDict(JsonElement root, Dict dict, float[] flat)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw CliErrors.Usage($"--obs is {Kind(root)}; observations of a Dict space are an object with the keys {string.Join(", ", dict.Keys)}.");
        }

        var given = root.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var missing = dict.Keys.Where(k => !given.Contains(k)).ToArray();
        var unknown = given.Where(k => !dict.Keys.Contains(k, StringComparer.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        if (missing.Length > 0 || unknown.Length > 0)
        {
            var problems = new List<string>();
            if (missing.Length > 0)
            {
                problems.Add($"missing {string.Join(", ", missing)}");
            }

            if (unknown.Length > 0)
            {
                problems.Add($"unknown {string.Join(", ", unknown)}");
            }

            throw CliErrors.Usage($"--obs has the wrong keys ({string.Join("; ", problems)}); the space's keys are {string.Join(", ", dict.Keys)}.");
        }

        foreach (var entry in dict.Entries)
        {
            Fill(root.GetProperty(entry.Key), entry.Space, flat.AsSpan(entry.Offset, entry.Space.FlatSize), $"--obs's '{entry.Key}'");
        }
    }

    /// <summary>Reads the numbers of <paramref name="element"/>, depth first, into exactly <paramref name="destination"/>.</summary>
    private static void Fill(JsonElement element, Space space, Span<float> destination, string what) =>
        Numbers(element, what, destination.Length, $"observations of {Describe(space)} have").CopyTo(destination);

    /// <summary>Exactly <paramref name="size"/> numbers of <paramref name="element"/>, depth first; otherwise "WHAT has N numbers; EXPECTED SIZE."</summary>
    private static float[] Numbers(JsonElement element, string what, int size, string expected)
    {
        var numbers = new List<float>(size);
        Collect(element, numbers, what);
        var count = numbers.Count;
        return count == size
            ? numbers.ToArray()
            : throw CliErrors.Usage($"{what} has {count} number{(count == 1 ? string.Empty : "s")}; {expected} {size}.");
    }

    private static void Collect(JsonElement element, List<float> numbers, string what)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                var value = element.GetDouble();
                if (Math.Abs(value) > float.MaxValue)
                {
                    throw CliErrors.Usage($"{what} holds {element.GetRawText()}, beyond float32's range.");
                }

                numbers.Add((float)value);
                return;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, numbers, what);
                }

                return;
            default:
                throw CliErrors.Usage($"{what} holds {Kind(element)}; observations are numbers (an array, nested as the shape or flat).");
        }
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.String => $"the string {element.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {element.GetRawText()}",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        _ => $"a number ({element.GetRawText()})",
    };

    // A Box's bounds make a long line; its shape is what the count is checked against.
    private static string Describe(Space space) => space is Box box
        ? $"a Box of shape ({string.Join(", ", box.Shape)}{(box.Shape.Count == 1 ? "," : string.Empty)})"
        : space.ToString()!;
}
