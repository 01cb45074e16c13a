using System.Text.Json;
using System.Text.Json.Nodes;

namespace A2C.Envs.ToyText;

/// <summary>Reads the toy_text envs' <c>gym.make</c> keyword values from JSON, naming the env and keyword in each refusal.</summary>
internal static class KwargReader
{
    public static bool Flag(JsonObject kwargs, string env, string name, bool fallback) =>
        kwargs[name] switch
        {
            null => fallback,
            var node when node.GetValueKind() is JsonValueKind.True or JsonValueKind.False => node.GetValue<bool>(),
            var node => throw Wrong(env, name, "true or false", node),
        };

    public static double Number(JsonObject kwargs, string env, string name, double fallback) =>
        kwargs[name] switch
        {
            null => fallback,
            var node when node.GetValueKind() == JsonValueKind.Number => node.GetValue<double>(),
            var node => throw Wrong(env, name, "a number", node),
        };

    public static string Text(JsonObject kwargs, string env, string name, string fallback) =>
        kwargs[name] switch
        {
            null => fallback,
            var node when node.GetValueKind() == JsonValueKind.String => node.GetValue<string>(),
            var node => throw Wrong(env, name, "a string", node),
        };

    public static ArgumentException Wrong(string env, string name, string expected, JsonNode node) =>
        new($"{env}'s {name} is {expected}; got {node.ToJsonString()}.", name);

    /// <summary>A probability keyword, checked to lie in [0, 1].</summary>
    public static double Probability(double value, string env, string name) =>
        value is >= 0 and <= 1
            ? value
            : throw new ArgumentOutOfRangeException(name, value, $"{env}'s {name} is a probability, in [0, 1].");
}
