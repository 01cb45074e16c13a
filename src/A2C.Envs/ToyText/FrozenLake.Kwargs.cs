using System.Text.Json;
using System.Text.Json.Nodes;

namespace A2C.Envs.ToyText;

/// <summary>FrozenLake's <c>gym.make</c> keyword arguments, read from JSON (RL Zoo's <c>env_kwargs</c>, <c>--env-kwargs</c>).</summary>
public sealed partial class FrozenLake
{
    /// <summary>Gymnasium's names of the keyword arguments, in its constructor's order.</summary>
    public static IReadOnlyList<string> KwargNames { get; } = ["desc", "map_name", "is_slippery", "success_rate", "reward_schedule"];

    /// <summary>
    /// The lake <c>gym.make("FrozenLake-v1", **kwargs)</c> makes: <c>desc</c> (a list of row
    /// strings), <c>map_name</c> ("4x4" or "8x8"), <c>is_slippery</c>, <c>success_rate</c> and
    /// <c>reward_schedule</c> (goal, hole, frozen).
    /// </summary>
    /// <param name="kwargs">The arguments; names outside <see cref="KwargNames"/> are the registry's to refuse.</param>
    /// <param name="defaultMap">The map when neither desc nor map_name is given (the registration's).</param>
    /// <exception cref="ArgumentException">A value of the wrong type or out of range, named.</exception>
    public static FrozenLake FromKwargs(JsonObject kwargs, string defaultMap = "4x4")
    {
        ArgumentNullException.ThrowIfNull(kwargs);
        var desc = kwargs["desc"] is { } d ? DescRows(d) : null;
        var mapName = KwargReader.Text(kwargs, nameof(FrozenLake), "map_name", defaultMap);
        var slippery = KwargReader.Flag(kwargs, nameof(FrozenLake), "is_slippery", true);
        var rate = KwargReader.Number(kwargs, nameof(FrozenLake), "success_rate", 1.0 / 3.0);
        (double, double, double)? rewards = kwargs["reward_schedule"] is { } schedule ? Schedule(schedule) : null;
        return new FrozenLake(desc, mapName, slippery, rate, rewards);
    }

    private static string[] DescRows(JsonNode node) =>
        node is JsonArray array && array.All(row => row?.GetValueKind() == JsonValueKind.String)
            ? array.Select(row => row!.GetValue<string>()).ToArray()
            : throw KwargReader.Wrong(nameof(FrozenLake), "desc", "a list of row strings such as [\"SF\", \"HG\"]", node);

    private static (double, double, double) Schedule(JsonNode node) =>
        node is JsonArray { Count: 3 } array && array.All(v => v?.GetValueKind() == JsonValueKind.Number)
            ? (array[0]!.GetValue<double>(), array[1]!.GetValue<double>(), array[2]!.GetValue<double>())
            : throw KwargReader.Wrong(nameof(FrozenLake), "reward_schedule", "three numbers: the goal's, a hole's and a frozen tile's reward", node);
}
