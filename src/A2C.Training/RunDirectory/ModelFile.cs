using System.Globalization;
using System.Text;

namespace A2C.Training;

/// <summary>
/// Reads the tensor names and shapes of a model file (TorchSharp's <c>Module.save</c> format) without
/// loading it, so that a truncated file, a file that is not a model, or a model of another
/// architecture or env is reported in the user's terms (observations, actions, net, net_arch) with
/// what was expected beside what was found, rather than as a TorchSharp error.
/// </summary>
internal static class ModelFile
{
    private const int Float32 = 6; // TorchSharp's ScalarType.Float32, the only element type a2c writes

    /// <summary>A tensor's name and shape, as the file lists them.</summary>
    public readonly record struct Entry(string Name, long[] Shape);

    /// <summary>Throws unless <paramref name="bytes"/> hold exactly <paramref name="model"/>'s tensors.</summary>
    /// <param name="model">The model the file is to be loaded into.</param>
    /// <param name="bytes">The file's content.</param>
    /// <param name="label">The file, for messages (e.g. <c>'runs/x/model.bin'</c>).</param>
    /// <param name="expectedFrom">What says what the model should be (e.g. <c>'runs/x/config.json' (CartPole-v1)</c>).</param>
    /// <exception cref="InvalidDataException">The file is truncated, not a model file, or of another shape; the message says which.</exception>
    public static void CheckFits(ActorCritic model, byte[] bytes, string label, string expectedFrom)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(bytes);
        var found = Read(bytes, label);
        var expected = model.state_dict().Select(p => new Entry(p.Key, p.Value.shape)).ToList();
        var same = found.Count == expected.Count && expected.All(e => found.Any(f => f.Name == e.Name && f.Shape.SequenceEqual(e.Shape)));
        if (same)
        {
            return;
        }

        var (want, have) = (Describe(expected), Describe(found));
        if (want == have)
        {
            // Same architecture in words, different tensors: name the first that differs.
            var first = expected.FirstOrDefault(e => !found.Any(f => f.Name == e.Name && f.Shape.SequenceEqual(e.Shape)));
            (want, have) = (Show(first), found.FirstOrDefault(f => f.Name == first.Name) is { Name: not null } f ? Show(f) : $"no tensor {first.Name}");
        }

        throw new InvalidDataException($"{label} does not fit {expectedFrom}: expected {want}; found {have}.");
    }

    /// <summary>The names and shapes a model file lists.</summary>
    /// <exception cref="InvalidDataException">The file is empty, truncated or not a model file.</exception>
    public static IReadOnlyList<Entry> Read(byte[] bytes, string label)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length == 0)
        {
            throw new InvalidDataException($"{label} is empty (0 bytes): it is not a model file.");
        }

        var at = 0;
        var entries = new List<Entry>();
        var notModel = $"{label} is not a model file written by a2c (TorchSharp's format)";
        try
        {
            var count = Leb(bytes, ref at);
            if (count is < 1 or > 10_000)
            {
                throw new InvalidDataException($"{notModel}: it starts with a count of {count} tensors.");
            }

            for (var i = 0; i < count; i++)
            {
                var length = Leb(bytes, ref at);
                if (length is < 1 or > 1000)
                {
                    throw new InvalidDataException($"{notModel}: tensor {i} has a name of {length} bytes.");
                }

                Need(bytes, at, length, label, i == 0 ? null : $"in the name of tensor {i}");
                var name = Encoding.UTF8.GetString(bytes, at, (int)length);
                if (name.Any(c => char.IsControl(c) || c == '\uFFFD'))
                {
                    throw new InvalidDataException($"{notModel}: tensor {i}'s name is not text.");
                }

                at += (int)length;
                var type = Leb(bytes, ref at);
                var rank = Leb(bytes, ref at);
                if (type != Float32 || rank is < 0 or > 8)
                {
                    throw new InvalidDataException($"{notModel}: tensor '{name}' has element type {type} and {rank} dimensions (a2c writes float32 tensors of 1 to 4: convolutions have 4).");
                }

                var shape = new long[rank];
                var size = 1L;
                for (var d = 0; d < rank; d++)
                {
                    shape[d] = Leb(bytes, ref at);
                    size = shape[d] is >= 0 and <= int.MaxValue ? size * shape[d] : long.MaxValue;
                    if (size is < 0 or > int.MaxValue)
                    {
                        throw new InvalidDataException($"{notModel}: tensor '{name}' has the shape {Shape(shape)}.");
                    }
                }

                Need(bytes, at, size * sizeof(float), label, $"in the values of tensor '{name}'");
                at += (int)(size * sizeof(float));
                entries.Add(new Entry(name, shape));
            }
        }
        catch (EndOfStreamException)
        {
            throw entries.Count == 0
                ? new InvalidDataException($"{notModel}.")
                : new InvalidDataException($"{label} is truncated: it ends after {bytes.Length} bytes, inside tensor {entries.Count + 1}.");
        }

        if (at != bytes.Length)
        {
            throw new InvalidDataException($"{notModel}: {bytes.Length - at} bytes follow its last tensor.");
        }

        return entries;
    }

    /// <summary>The architecture a list of tensors implies, in the options' terms.</summary>
    public static string Describe(IReadOnlyList<Entry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        long? Dim(string name, int d) => entries.FirstOrDefault(e => e.Name == name) is { Name: not null } e && e.Shape.Length > d ? e.Shape[d] : null;
        var hidden = Enumerable.Range(0, 17).Select(k => Dim($"_trunk.pi_linear{k}.weight", 0)).TakeWhile(w => w is not null).Select(w => w!.Value).ToList();
        var observations = hidden.Count > 0 ? Dim("_trunk.pi_linear0.weight", 1) : Dim("_actorHead.weight", 1);
        var actions = Dim("_actorHead.weight", 0);
        if (observations is null || actions is null)
        {
            return $"{entries.Count} tensors ({string.Join(", ", entries.Take(4).Select(Show))}{(entries.Count > 4 ? ", ..." : string.Empty)})";
        }

        var continuous = entries.Any(e => e.Name.Contains("LogStd", StringComparison.Ordinal));
        var net = entries.Any(e => e.Name.StartsWith("_valueTrunk.", StringComparison.Ordinal)) ? "separate" : "shared";
        var arch = hidden.Count > 0 ? string.Join(",", hidden) : "(no hidden layers)";
        return string.Create(CultureInfo.InvariantCulture, $"{observations} observations, {(continuous ? $"a {actions}-dimensional continuous action" : $"{actions} discrete actions")}, net {net} {arch}");
    }

    private static string Show(Entry entry) => $"{entry.Name} {Shape(entry.Shape)}";

    private static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    private static void Need(byte[] bytes, int at, long count, string label, string? where)
    {
        if (at + count > bytes.Length)
        {
            throw where is null
                ? new EndOfStreamException()
                : new InvalidDataException($"{label} is truncated: it ends after {bytes.Length} bytes, {where}.");
        }
    }

    /// <summary>An unsigned LEB128 number, as TorchSharp's <c>BinaryWriter.Encode</c> writes counts and sizes.</summary>
    private static long Leb(byte[] bytes, ref int at)
    {
        long value = 0;
        for (var shift = 0; shift < 63; shift += 7)
        {
            if (at >= bytes.Length)
            {
                throw new EndOfStreamException();
            }

            var b = bytes[at++];
            value |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        return -1;
    }
}
