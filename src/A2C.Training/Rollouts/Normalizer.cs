using System.Text.Json.Nodes;
using A2C.Core;

namespace A2C.Training;

/// <summary>
/// Observation and reward normalization with Stable-Baselines3's <c>VecNormalize</c> semantics:
/// observations become clip((o - mean) / sqrt(var + eps), ±clip) over running statistics updated
/// with every batch of observations (reset ones included); rewards are divided by the running
/// standard deviation of each env's discounted return (which restarts when its episode ends) and
/// clipped. Statistics come from the core's <see cref="RunningMeanStd"/>. In evaluation
/// (<see cref="Training"/> false) nothing is updated.
/// </summary>
public sealed class Normalizer
{
    /// <summary>Default clip for observations and rewards.</summary>
    public const float DefaultClip = 10f;

    /// <summary>Default epsilon under the square roots.</summary>
    public const float DefaultEpsilon = 1e-8f;

    private readonly double[] _returns;

    /// <summary>Creates fresh statistics (mean 0, variance 1, count 1e-4) for <paramref name="numEnvs"/> envs.</summary>
    /// <param name="numEnvs">Envs stepped together.</param>
    /// <param name="observationSize">Floats per observation.</param>
    /// <param name="gamma">Discount of the return whose spread scales rewards.</param>
    public Normalizer(int numEnvs, int observationSize, float gamma)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numEnvs, 1);
        Gamma = gamma;
        ObservationStats = RunningMeanStd.Create(observationSize);
        ReturnStats = RunningMeanStd.Create(1);
        _returns = new double[numEnvs];
    }

    /// <summary>Whether statistics are updated (training) or frozen (evaluation).</summary>
    public bool Training { get; set; } = true;

    /// <summary>Discount of the return used to scale rewards.</summary>
    public float Gamma { get; }

    /// <summary>Running statistics of observations.</summary>
    public RunningMeanStd ObservationStats { get; private set; }

    /// <summary>Running statistics of discounted returns.</summary>
    public RunningMeanStd ReturnStats { get; private set; }

    /// <summary>Reads statistics saved by <see cref="ToJson"/>.</summary>
    /// <param name="json">The saved object.</param>
    /// <param name="numEnvs">Envs stepped together.</param>
    /// <returns>A normalizer in evaluation mode.</returns>
    public static Normalizer FromJson(JsonObject json, int numEnvs)
    {
        ArgumentNullException.ThrowIfNull(json);
        double Value(JsonNode? node, string name) => node is JsonValue v && v.TryGetValue<double>(out var x) && double.IsFinite(x)
            ? x
            : throw new InvalidDataException(node is null ? $"normalization lacks '{name}'." : $"normalization's {name} is {node.ToJsonString()}; expected a finite number.");
        double[] Numbers(string name) => (json[name] as JsonArray ?? throw new InvalidDataException($"normalization lacks '{name}' (an array of numbers).")).Select((x, i) => Value(x, $"{name}[{i}]")).ToArray();
        double Number(string name) => Value(json[name], name);
        var mean = Numbers("obs_mean");
        var normalizer = new Normalizer(numEnvs, mean.Length, (float)Number("gamma")) { Training = false };
        normalizer.ObservationStats = RunningMeanStd.FromMoments(mean, Numbers("obs_var"), Number("obs_count"));
        normalizer.ReturnStats = RunningMeanStd.FromMoments([Number("ret_mean")], [Number("ret_var")], Number("ret_count"));
        if (json["returns"] is JsonArray returns && returns.Count == numEnvs)
        {
            for (var i = 0; i < numEnvs; i++)
            {
                normalizer._returns[i] = returns[i]!.GetValue<double>();
            }
        }

        return normalizer;
    }

    /// <summary>The statistics as JSON, to evaluate a trained model with the observations it learned on.</summary>
    /// <returns>The JSON object.</returns>
    public JsonObject ToJson() => new()
    {
        ["gamma"] = (double)Gamma,
        ["obs_mean"] = new JsonArray(ObservationStats.Mean.Select(x => (JsonNode)x).ToArray()),
        ["obs_var"] = new JsonArray(ObservationStats.Var.Select(x => (JsonNode)x).ToArray()),
        ["obs_count"] = ObservationStats.Count,
        ["ret_mean"] = ReturnStats.Mean[0],
        ["ret_var"] = ReturnStats.Var[0],
        ["ret_count"] = ReturnStats.Count,
        ["returns"] = new JsonArray(_returns.Select(x => (JsonNode)x).ToArray()),
    };

    /// <summary>After a reset: updates observation statistics (in training) and returns the normalized observations.</summary>
    /// <param name="raw">N x obs raw observations.</param>
    /// <returns>Normalized copy.</returns>
    public float[] Reset(float[] raw)
    {
        Array.Clear(_returns);
        if (Training)
        {
            ObservationStats = ObservationStats.Update(raw);
        }

        return Observations(raw);
    }

    /// <summary>After a step: updates statistics (in training), normalizes rewards in place, and returns the normalized next observations.</summary>
    /// <param name="raw">N x obs raw observations after the step (after auto-reset).</param>
    /// <param name="rewards">Raw rewards, replaced by normalized ones.</param>
    /// <param name="dones">Which envs' episodes ended.</param>
    /// <returns>Normalized copy of the observations.</returns>
    public float[] Step(float[] raw, float[] rewards, bool[] dones)
    {
        ArgumentNullException.ThrowIfNull(rewards);
        ArgumentNullException.ThrowIfNull(dones);
        if (Training)
        {
            ObservationStats = ObservationStats.Update(raw);
            var returns = new float[_returns.Length];
            for (var i = 0; i < _returns.Length; i++)
            {
                _returns[i] = _returns[i] * Gamma + rewards[i];
                returns[i] = (float)_returns[i];
            }

            ReturnStats = ReturnStats.Update(returns);
        }

        var scale = Math.Sqrt(ReturnStats.Var[0] + DefaultEpsilon);
        for (var i = 0; i < rewards.Length; i++)
        {
            rewards[i] = (float)Math.Clamp(rewards[i] / scale, -DefaultClip, DefaultClip);
            if (dones[i])
            {
                _returns[i] = 0;
            }
        }

        return Observations(raw);
    }

    /// <summary>
    /// Which components of an observation are normalized (null: all): as Stable-Baselines3's VecNormalize,
    /// only float Box values are; images, Discrete, MultiDiscrete and MultiBinary parts pass unchanged.
    /// Statistics are kept for every component either way, so the saved format does not depend on it.
    /// </summary>
    public bool[]? Mask { get; set; }

    /// <summary>Normalizes observations with the current statistics (no update).</summary>
    /// <param name="raw">Rows of raw observations.</param>
    /// <returns>Normalized copy.</returns>
    public float[] Observations(float[] raw)
    {
        var normalized = ObservationStats.Normalize(raw, DefaultClip, DefaultEpsilon);
        if (Mask is { } mask && Array.IndexOf(mask, false) >= 0)
        {
            for (var i = 0; i < normalized.Length; i++)
            {
                if (!mask[i % mask.Length])
                {
                    normalized[i] = raw[i];
                }
            }
        }

        return normalized;
    }
}
