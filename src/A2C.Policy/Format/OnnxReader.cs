using System.Buffers.Binary;
using System.Text;

namespace A2C.Runtime.Format;

/// <summary>A float initializer of the graph: its dimensions and values.</summary>
internal sealed class Tensor
{
    public Tensor(long[] dims, float[] values)
    {
        Dims = dims;
        Values = values;
    }

    public long[] Dims { get; }

    public float[] Values { get; }
}

/// <summary>What A2C.Policy needs of an ONNX ModelProto: its metadata and its float initializers.</summary>
internal sealed class OnnxContents
{
    public Dictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public Dictionary<string, Tensor> Initializers { get; } = new Dictionary<string, Tensor>(StringComparer.Ordinal);
}

/// <summary>
/// A minimal protobuf reader for the few ModelProto fields A2C.Policy reads (proto/onnx_subset.proto,
/// the ONNX spec's numbers): ModelProto.graph (7) and metadata_props (14), GraphProto.initializer (5),
/// TensorProto dims (1), data_type (2), float_data (4), name (8) and raw_data (9). Every other field
/// is skipped by its wire type, so files from newer writers still read. A length that runs past its
/// message, or a wire type protobuf does not have, is an <see cref="InvalidDataException"/>.
/// </summary>
internal static class OnnxReader
{
    private const int OnnxFloat = 1;

    /// <summary>Reads <paramref name="bytes"/> as a ModelProto.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed protobuf message.</exception>
    public static OnnxContents Read(ReadOnlySpan<byte> bytes)
    {
        var contents = new OnnxContents();
        var reader = new Reader(bytes);
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.Tag();
            if (field == 7 && wire == 2)
            {
                ReadGraph(reader.Bytes(), contents);
            }
            else if (field == 14 && wire == 2)
            {
                var (key, value) = ReadEntry(reader.Bytes());
                contents.Metadata[key] = value;
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return contents;
    }

    private static void ReadGraph(ReadOnlySpan<byte> bytes, OnnxContents contents)
    {
        var reader = new Reader(bytes);
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.Tag();
            if (field == 5 && wire == 2)
            {
                var (name, tensor) = ReadTensor(reader.Bytes());
                if (tensor is not null)
                {
                    contents.Initializers[name] = tensor;
                }
            }
            else
            {
                reader.Skip(wire);
            }
        }
    }

    private static (string Key, string Value) ReadEntry(ReadOnlySpan<byte> bytes)
    {
        var reader = new Reader(bytes);
        string key = string.Empty, value = string.Empty;
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.Tag();
            if (field == 1 && wire == 2)
            {
                key = Encoding.UTF8.GetString(reader.Bytes());
            }
            else if (field == 2 && wire == 2)
            {
                value = Encoding.UTF8.GetString(reader.Bytes());
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return (key, value);
    }

    /// <summary>A TensorProto; null when it is not float (a2c writes only float initializers).</summary>
    private static (string Name, Tensor? Tensor) ReadTensor(ReadOnlySpan<byte> bytes)
    {
        var reader = new Reader(bytes);
        var dims = new List<long>();
        var floats = new List<float>();
        var name = string.Empty;
        var dataType = 0;
        float[]? raw = null;
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.Tag();
            switch (field, wire)
            {
                case (1, 0):
                    dims.Add((long)reader.Varint());
                    break;
                case (1, 2):
                    var packedDims = new Reader(reader.Bytes());
                    while (!packedDims.AtEnd)
                    {
                        dims.Add((long)packedDims.Varint());
                    }

                    break;
                case (2, 0):
                    dataType = (int)reader.Varint();
                    break;
                case (4, 2):
                    var packed = reader.Bytes();
                    for (var i = 0; i + 4 <= packed.Length; i += 4)
                    {
                        floats.Add(ReadFloat(packed.Slice(i)));
                    }

                    break;
                case (4, 5):
                    floats.Add(ReadFloat(reader.Fixed32()));
                    break;
                case (8, 2):
                    name = Encoding.UTF8.GetString(reader.Bytes());
                    break;
                case (9, 2):
                    var data = reader.Bytes();
                    if (data.Length % 4 != 0)
                    {
                        throw new InvalidDataException($"the initializer '{name}' has {data.Length} bytes of raw data, not a whole number of floats");
                    }

                    raw = new float[data.Length / 4];
                    for (var i = 0; i < raw.Length; i++)
                    {
                        raw[i] = ReadFloat(data.Slice(4 * i));
                    }

                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return dataType == OnnxFloat ? (name, new Tensor(dims.ToArray(), raw ?? floats.ToArray())) : (name, null);
    }

    /// <summary>Little-endian float32 on netstandard2.1 too (BinaryPrimitives.ReadSingleLittleEndian is .NET 5+).</summary>
    private static float ReadFloat(ReadOnlySpan<byte> bytes) => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadInt32LittleEndian(bytes));

    /// <summary>A cursor over one message's bytes.</summary>
    private ref struct Reader
    {
        private readonly ReadOnlySpan<byte> _bytes;
        private int _position;

        public Reader(ReadOnlySpan<byte> bytes)
        {
            _bytes = bytes;
            _position = 0;
        }

        public bool AtEnd => _position >= _bytes.Length;

        public (int Field, int Wire) Tag()
        {
            var tag = Varint();
            var field = (int)(tag >> 3);
            var wire = (int)(tag & 7);
            if (field == 0)
            {
                throw new InvalidDataException($"field number 0 at byte {_position}");
            }

            return (field, wire);
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_position >= _bytes.Length)
                {
                    throw new InvalidDataException("it ends inside a number (truncated)");
                }

                var b = _bytes[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return value;
                }
            }

            throw new InvalidDataException($"a number longer than 10 bytes at byte {_position}");
        }

        public ReadOnlySpan<byte> Bytes()
        {
            var length = Varint();
            if (length > (ulong)(_bytes.Length - _position))
            {
                throw new InvalidDataException($"a field of {length} bytes at byte {_position} runs past the end (truncated)");
            }

            var slice = _bytes.Slice(_position, (int)length);
            _position += (int)length;
            return slice;
        }

        public ReadOnlySpan<byte> Fixed32() => Take(4);

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0:
                    Varint();
                    break;
                case 1:
                    Take(8);
                    break;
                case 2:
                    Bytes();
                    break;
                case 5:
                    Take(4);
                    break;
                default:
                    throw new InvalidDataException($"wire type {wire} at byte {_position}, which protobuf messages do not use");
            }
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > _bytes.Length - _position)
            {
                throw new InvalidDataException("it ends inside a field (truncated)");
            }

            var slice = _bytes.Slice(_position, count);
            _position += count;
            return slice;
        }
    }
}
