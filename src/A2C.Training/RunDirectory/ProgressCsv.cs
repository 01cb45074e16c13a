using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using A2C.Training.Reporting;

namespace A2C.Training;

/// <summary>Reads the learning curve out of a run's progress.csv and the env id out of its config.json.</summary>
internal static class ProgressCsv
{
    private const string StepsColumn = "total_timesteps";
    private const string ReturnColumn = "ep_rew_mean";

    /// <summary>
    /// The (total_timesteps, ep_rew_mean) points of <paramref name="path"/>. Rows with an empty
    /// ep_rew_mean (no episode finished yet) are skipped; anything else that does not parse is an
    /// error naming the file and line.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is empty, lacks a column, has a malformed or cut-short row, steps that do not increase, or no row with a return.</exception>
    public static LearningCurve Read(string path) =>
        ReadIfAny(path, out var noReturnsYet) ?? throw new InvalidDataException(noReturnsYet);

    /// <summary>As <see cref="Read"/>, but a well-formed file without a return yet gives null and says why in <paramref name="noReturnsYet"/>.</summary>
    public static LearningCurve? ReadIfAny(string path, out string? noReturnsYet)
    {
        var text = File.ReadAllText(path);
        var lines = text.Split('\n');
        var header = lines[0].TrimEnd('\r').Split(',').Select(c => c.Trim()).ToArray();
        if (header is [""])
        {
            throw new InvalidDataException($"'{path}' is empty; expected a header line with {StepsColumn} and {ReturnColumn}.");
        }

        var stepsAt = Array.IndexOf(header, StepsColumn);
        var returnAt = Array.IndexOf(header, ReturnColumn);
        if (stepsAt < 0 || returnAt < 0)
        {
            throw new InvalidDataException($"'{path}' has no {(stepsAt < 0 ? StepsColumn : ReturnColumn)} column in its header line ('{lines[0].TrimEnd('\r')}'); is it a2c's progress.csv?");
        }

        var points = new List<CurvePoint>();
        var rows = 0;
        long? previous = null;
        // The text after the last newline is a row cut short if it is not empty.
        var complete = text.EndsWith('\n');
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            var lineNumber = i + 1;
            var cutShort = i == lines.Length - 1 && !complete;
            var fields = line.Split(',');
            if (fields.Length != header.Length)
            {
                throw new InvalidDataException(
                    $"'{path}' line {lineNumber} has {fields.Length} fields; expected {header.Length}" + (cutShort ? " (the file ends in the middle of a row: truncated?)." : "."));
            }

            if (!long.TryParse(fields[stepsAt], NumberStyles.None, CultureInfo.InvariantCulture, out var steps))
            {
                throw new InvalidDataException($"'{path}' line {lineNumber}: {StepsColumn} is '{fields[stepsAt]}'; expected a whole number of steps.");
            }

            if (previous is { } before && steps <= before)
            {
                throw new InvalidDataException($"'{path}' line {lineNumber}: {StepsColumn} goes from {before} to {steps}; expected it to increase.");
            }

            previous = steps;
            rows++;
            var returnText = fields[returnAt].Trim();
            if (returnText.Length == 0)
            {
                continue;
            }

            if (!double.TryParse(returnText, NumberStyles.Float, CultureInfo.InvariantCulture, out var meanReturn) || !double.IsFinite(meanReturn))
            {
                throw new InvalidDataException($"'{path}' line {lineNumber}: {ReturnColumn} is '{returnText}'; expected a finite number or nothing.");
            }

            points.Add(new CurvePoint(steps, meanReturn));
        }

        if (points.Count == 0)
        {
            noReturnsYet = rows == 0
                ? $"'{path}' has a header but no rows: the run logged nothing yet."
                : $"'{path}' has no row with an {ReturnColumn} ({rows} rows, all empty there): no episode had finished when it was written.";
            return null;
        }

        noReturnsYet = null;
        return new LearningCurve(path, points);
    }

    /// <summary>The <c>env</c> of the config.json in <paramref name="runDirectory"/>, or null when there is no config.json.</summary>
    /// <exception cref="InvalidDataException">config.json is not JSON or its env is not a string.</exception>
    public static string? ReadEnv(string runDirectory)
    {
        var path = Path.Combine(runDirectory, "config.json");
        if (!File.Exists(path))
        {
            return null;
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }

        var field = Hyperparameters.Env.Name;
        return node is JsonObject config && config[field] is JsonValue env && env.TryGetValue<string>(out var id)
            ? id
            : throw new InvalidDataException($"'{path}' has no \"{field}\" string; is it a2c's config.json?");
    }
}
