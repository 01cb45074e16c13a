using A2C.Envs.Remote.Protocol;
using A2C.Envs.Spaces;

namespace A2C.Envs.Remote;

/// <summary>A space message the receiver cannot turn into a <see cref="Spaces.Space"/>; the message names the space's role and the field at fault.</summary>
public sealed class InvalidSpaceMessageException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="message">What was wrong, naming the space (e.g. "the observation space's key 'pos'").</param>
    public InvalidSpaceMessageException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// Spaces to and from the protocol's <c>Space</c> message (docs/protocol.md): every kind of
/// <see cref="Spaces.Space"/> has a message, and a message becomes a space only when it is well formed
/// (counts, bounds, dtype, Dict keys in order and not nested).
/// </summary>
public static class SpaceMessages
{
    /// <summary>The largest flat size a received space may have (more floats than a message can carry anyway).</summary>
    public const int MaxFlatSize = 1 << 28;

    /// <summary>The message describing <paramref name="space"/>.</summary>
    /// <param name="space">Any space.</param>
    /// <returns>The message.</returns>
    /// <exception cref="NotSupportedException">A space kind the protocol has no message for.</exception>
    public static Protocol.Space ToMessage(Spaces.Space space)
    {
        ArgumentNullException.ThrowIfNull(space);
        switch (space)
        {
            case Discrete d:
                return new Protocol.Space { Discrete = new DiscreteSpace { N = (uint)d.N, Start = d.Start } };
            case Box b:
                var box = new BoxSpace { Low = { b.Low }, High = { b.High }, Dtype = b.DType == BoxDType.UInt8 ? BoxSpace.Types.DType.Uint8 : BoxSpace.Types.DType.Float32 };
                box.Shape.Add(b.Shape.Select(d => (uint)d));
                return new Protocol.Space { Box = box };
            case MultiDiscrete m:
                var md = new MultiDiscreteSpace();
                md.Nvec.Add(m.Nvec.Select(k => (uint)k));
                return new Protocol.Space { MultiDiscrete = md };
            case MultiBinary mb:
                return new Protocol.Space { MultiBinary = new MultiBinarySpace { N = (uint)mb.N } };
            case Spaces.Dict dict:
                var message = new DictSpace();
                message.Entries.Add(dict.Entries.Select(e => new Protocol.DictEntry { Key = e.Key, Space = ToMessage(e.Space) }));
                return new Protocol.Space { Dict = message };
            default:
                throw new NotSupportedException($"the protocol has no message for a {space.GetType().Name} space.");
        }
    }

    /// <summary>The space <paramref name="message"/> describes.</summary>
    /// <param name="message">The received message.</param>
    /// <param name="role">Names the space in errors, e.g. "the observation space".</param>
    /// <returns>The space.</returns>
    /// <exception cref="InvalidSpaceMessageException">The message is empty or malformed; the message says which field.</exception>
    public static Spaces.Space FromMessage(Protocol.Space? message, string role)
    {
        ArgumentNullException.ThrowIfNull(role);
        return message?.KindCase switch
        {
            null or Protocol.Space.KindOneofCase.None => throw Invalid(role, "is missing (no kind set)"),
            Protocol.Space.KindOneofCase.Discrete => ToDiscrete(message.Discrete, role),
            Protocol.Space.KindOneofCase.Box => ToBox(message.Box, role),
            Protocol.Space.KindOneofCase.MultiDiscrete => ToMultiDiscrete(message.MultiDiscrete, role),
            Protocol.Space.KindOneofCase.MultiBinary => message.MultiBinary.N is >= 1 and <= MaxFlatSize
                ? new MultiBinary((int)message.MultiBinary.N)
                : throw Invalid(role, $"is a MultiBinary of n = {message.MultiBinary.N}; allowed: 1 to {MaxFlatSize}"),
            Protocol.Space.KindOneofCase.Dict => ToDict(message.Dict, role),
            _ => throw Invalid(role, $"has the unknown kind {message.KindCase}"),
        };
    }

    /// <summary>An action space from <paramref name="message"/>: Discrete, a float32 Box, MultiDiscrete or MultiBinary.</summary>
    /// <param name="message">The received message.</param>
    /// <returns>The space.</returns>
    /// <exception cref="InvalidSpaceMessageException">The message is malformed or of a kind actions cannot have.</exception>
    public static Spaces.Space ActionSpaceFromMessage(Protocol.Space? message)
    {
        var space = FromMessage(message, "the action space");
        return space switch
        {
            Spaces.Dict => throw Invalid("the action space", $"is {space}; actions are Discrete, Box (float32), MultiDiscrete or MultiBinary"),
            Box { DType: BoxDType.UInt8 } => throw Invalid("the action space", $"is {space}; an action box is float32"),
            _ => space,
        };
    }

    private static InvalidSpaceMessageException Invalid(string role, string what) => new($"{role} {what}.");

    private static Discrete ToDiscrete(DiscreteSpace d, string role)
    {
        if (d.N is 0 or > int.MaxValue || (long)d.Start + d.N - 1 > int.MaxValue)
        {
            throw Invalid(role, $"is a Discrete of n = {d.N} from start = {d.Start}; n must be at least 1 and start + n - 1 an int32");
        }

        return new Discrete((int)d.N, d.Start);
    }

    private static Box ToBox(BoxSpace b, string role)
    {
        if (b.Low.Count == 0 || b.Low.Count != b.High.Count)
        {
            throw Invalid(role, $"is a Box with {b.Low.Count} low and {b.High.Count} high bounds; it needs as many of each, at least one");
        }

        if (b.Dtype is not (BoxSpace.Types.DType.Float32 or BoxSpace.Types.DType.Uint8))
        {
            throw Invalid(role, $"is a Box of dtype {(int)b.Dtype}, which this side does not know; allowed: FLOAT32, UINT8");
        }

        var shape = b.Shape.Count == 0 ? [b.Low.Count] : b.Shape.Select(d => d is >= 1 and <= MaxFlatSize ? (int)d : 0).ToArray();
        var size = shape.Aggregate(1L, (a, d) => Math.Min(a * d, (long)MaxFlatSize + 1));
        if (shape.Contains(0) || size != b.Low.Count)
        {
            throw Invalid(role, $"is a Box of shape ({string.Join(", ", b.Shape)}) with {b.Low.Count} bounds; the shape's dimensions must be at least 1 and multiply to the number of bounds");
        }

        try
        {
            return new Box(b.Low.ToArray(), b.High.ToArray(), shape, b.Dtype == BoxSpace.Types.DType.Uint8 ? BoxDType.UInt8 : BoxDType.Float32);
        }
        catch (ArgumentException e)
        {
            throw Invalid(role, $"is a malformed Box: {e.Message}");
        }
    }

    private static MultiDiscrete ToMultiDiscrete(MultiDiscreteSpace m, string role)
    {
        if (m.Nvec.Count == 0 || m.Nvec.Any(k => k is 0 or > int.MaxValue))
        {
            throw Invalid(role, $"is a MultiDiscrete of nvec [{string.Join(", ", m.Nvec)}]; it needs at least one choice, each of at least 1 value");
        }

        return new MultiDiscrete(m.Nvec.Select(k => (int)k).ToArray());
    }

    private static Spaces.Dict ToDict(DictSpace d, string role)
    {
        if (d.Entries.Count == 0)
        {
            throw Invalid(role, "is a Dict without keys");
        }

        var entries = new List<KeyValuePair<string, Spaces.Space>>();
        long size = 0;
        for (var i = 0; i < d.Entries.Count; i++)
        {
            var entry = d.Entries[i];
            if (string.IsNullOrEmpty(entry.Key))
            {
                throw Invalid(role, $"is a Dict whose entry {i} has an empty key");
            }

            if (i > 0 && string.CompareOrdinal(d.Entries[i - 1].Key, entry.Key) >= 0)
            {
                throw Invalid(role, $"is a Dict whose keys are not in ordinal order, the order of the flat layout: '{d.Entries[i - 1].Key}' comes before '{entry.Key}' (a key twice, or unsorted)");
            }

            var keyRole = $"{role}'s key '{entry.Key}'";
            if (entry.Space?.KindCase == Protocol.Space.KindOneofCase.Dict)
            {
                throw Invalid(keyRole, "is a nested Dict; a Dict's sub-spaces are Box, Discrete, MultiDiscrete or MultiBinary");
            }

            var space = FromMessage(entry.Space, keyRole);
            size += space.FlatSize;
            if (size > MaxFlatSize)
            {
                throw Invalid(role, $"is a Dict of more than {MaxFlatSize} values");
            }

            entries.Add(KeyValuePair.Create(entry.Key, space));
        }

        return new Spaces.Dict(entries);
    }
}
