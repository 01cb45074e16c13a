using A2C.Training.Onnx;
using Google.Protobuf;

namespace A2C.Training;

/// <summary>
/// Builds an ONNX graph node by node: each call adds one node and returns the name of its output,
/// so that the exporter reads as the forward pass it mirrors. Weights are float initializers;
/// the graph's own small constants (shapes, slice bounds, clip bounds, masks) are Constant nodes,
/// so that every initializer is a float tensor a reader can take as a weight.
/// </summary>
internal sealed class OnnxGraph
{
    private readonly GraphProto _graph = new() { Name = "a2c_policy" };
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _next;

    /// <summary>The graph so far.</summary>
    public GraphProto Proto => _graph;

    /// <summary>Every op type used, in order of first use (for the summary and the docs).</summary>
    public List<string> Ops { get; } = [];

    /// <summary>Declares a float32 graph input of the given dimensions (null: the symbolic batch).</summary>
    public string Input(string name, IEnumerable<long?> dims)
    {
        _graph.Input.Add(ValueInfo(Claim(name), dims));
        return name;
    }

    /// <summary>Declares <paramref name="name"/> (a node's output) a float32 graph output.</summary>
    public void Output(string name, IEnumerable<long?> dims) => _graph.Output.Add(ValueInfo(name, dims));

    /// <summary>Adds a float initializer (little-endian float32 raw data) and returns its name.</summary>
    public string Initializer(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        var tensor = new TensorProto { Name = Claim(name), DataType = (int)TensorProto.Types.DataType.Float, RawData = FloatBytes(values) };
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A Constant node holding int64 values of shape [values.Length].</summary>
    public string Int64s(params long[] values)
    {
        var tensor = new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        return Constant(tensor);
    }

    /// <summary>A Constant node holding float values of the given shape (a scalar when no dims).</summary>
    public string Floats(float[] values, params long[] dims)
    {
        var tensor = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float, RawData = FloatBytes(values) };
        tensor.Dims.AddRange(dims);
        return Constant(tensor);
    }

    /// <summary>A Constant node holding booleans of shape [values.Length].</summary>
    public string Bools(bool[] values)
    {
        var tensor = new TensorProto { DataType = (int)TensorProto.Types.DataType.Bool, RawData = ByteString.CopyFrom(values.Select(b => b ? (byte)1 : (byte)0).ToArray()) };
        tensor.Dims.Add(values.Length);
        return Constant(tensor);
    }

    /// <summary>Adds a node of <paramref name="op"/> over <paramref name="inputs"/> and returns its output's name.</summary>
    /// <param name="op">The ONNX op type.</param>
    /// <param name="inputs">Input names.</param>
    /// <param name="output">The output's name (a graph output's), or null for a fresh one.</param>
    /// <param name="attributes">The node's attributes.</param>
    public string Node(string op, string[] inputs, string? output = null, params AttributeProto[] attributes)
    {
        var name = output is null ? Fresh(op) : Claim(output);
        var node = new NodeProto { OpType = op, Name = $"{op}_{_next++}" };
        node.Input.AddRange(inputs);
        node.Output.Add(name);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        if (!Ops.Contains(op))
        {
            Ops.Add(op);
        }

        return name;
    }

    /// <summary>An INT attribute.</summary>
    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>An INTS attribute.</summary>
    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>Columns [start, start + size) of a [batch, n] tensor (the tensor itself when that is all of it).</summary>
    public string Columns(string input, int start, int size, int width) =>
        start == 0 && size == width ? input : Node("Slice", [input, Int64s(start), Int64s(start + size), Int64s(1)]);

    /// <summary>x W^T + b for a PyTorch [out, in] weight, as nn.Linear.</summary>
    public string Linear(string input, string weight, string bias, string? output = null) =>
        Node("Gemm", [input, weight, bias], output, Int("transB", 1));

    private string Constant(TensorProto value)
    {
        var output = Fresh("const");
        var node = new NodeProto { OpType = "Constant", Name = $"Constant_{_next++}" };
        node.Output.Add(output);
        node.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = value });
        _graph.Node.Add(node);
        if (!Ops.Contains("Constant"))
        {
            Ops.Add("Constant");
        }

        return output;
    }

    private static ValueInfoProto ValueInfo(string name, IEnumerable<long?> dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim is { } size ? new TensorShapeProto.Types.Dimension { DimValue = size } : new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        }

        var tensor = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape };
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }

    private static ByteString FloatBytes(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return ByteString.CopyFrom(bytes);
    }

    private string Fresh(string stem)
    {
        string name;
        do
        {
            name = $"{stem.ToLowerInvariant()}_{_next++}";
        }
        while (_names.Contains(name));

        return Claim(name);
    }

    private string Claim(string name) =>
        _names.Add(name) ? name : throw new InvalidOperationException($"the ONNX graph already has a value named '{name}'.");
}
