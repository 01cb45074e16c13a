using System.Globalization;

namespace A2C.Runtime.Format;

/// <summary>
/// Turns an ONNX file's metadata and initializers into a <see cref="PolicyModel"/>, following the
/// description's contract (docs/export.md, format 1) and checking every shape it implies: each
/// layer's input is the width before it, the heads fit the distribution, and each named weight is an
/// initializer of the dims the description implies. A fault is an <see cref="InvalidDataException"/>
/// that says which member is wrong.
/// </summary>
internal sealed class DescriptionReader
{
    /// <summary>The only description format this reader knows (metadata <c>a2c.format</c>).</summary>
    public const string Format = "1";

    private readonly Dictionary<string, Tensor> _initializers;

    private DescriptionReader(Dictionary<string, Tensor> initializers) => _initializers = initializers;

    /// <summary>Reads the policy an a2c export describes.</summary>
    /// <exception cref="InvalidDataException">The file is not an a2c export of format 1, or its description does not fit its weights.</exception>
    public static PolicyModel Read(OnnxContents contents)
    {
        if (!contents.Metadata.TryGetValue("a2c.format", out var format))
        {
            throw new InvalidDataException("it is not an a2c export: the model has no a2c.format metadata entry (write it with `a2c export`)");
        }

        if (format != Format)
        {
            throw new InvalidDataException($"its description is a2c.format {format}; this A2C.Policy reads format {Format}");
        }

        if (!contents.Metadata.TryGetValue("a2c.policy", out var json))
        {
            throw new InvalidDataException("it has a2c.format but no a2c.policy description");
        }

        var root = JsonReader.Parse(json) as Dictionary<string, object?> ?? throw new InvalidDataException("its a2c.policy description is not a JSON object");
        return new DescriptionReader(contents.Initializers).Model(root);
    }

    private PolicyModel Model(Dictionary<string, object?> root)
    {
        var model = new PolicyModel
        {
            Env = Text(root, "env"),
            ObservationShape = Integers(root, "observation_shape"),
            ObservationSize = Integer(root, "observation_size"),
        };
        var shapeSize = model.ObservationShape.Aggregate(1, (size, d) => size * d);
        if (model.ObservationSize <= 0 || shapeSize != model.ObservationSize)
        {
            throw new InvalidDataException($"observation_size is {model.ObservationSize} but observation_shape [{string.Join(", ", model.ObservationShape)}] holds {shapeSize}");
        }

        model.Normalization = Normalization(root, model.ObservationSize);
        model.Features = List(root, "features").Select((part, i) => Feature(Object(part, $"features[{i}]"), $"features[{i}]", model.ObservationSize)).ToArray();
        model.FeatureSize = model.Features.Sum(f => f.Width);
        model.Shared = Flag(root, "shared");
        var activation = Text(root, "activation");
        model.Tanh = activation switch
        {
            "tanh" => true,
            "relu" => false,
            _ => throw new InvalidDataException($"activation is '{activation}'; A2C.Policy knows tanh and relu"),
        };
        model.PolicyTrunk = Trunk(root, "policy_trunk", model.FeatureSize);
        model.ValueTrunk = Trunk(root, "value_trunk", model.FeatureSize);
        if (model.Shared && model.ValueTrunk.Length > 0)
        {
            throw new InvalidDataException("shared is true but value_trunk is not empty");
        }

        var latent = model.LatentSize;
        var valueLatent = model.Shared || model.ValueTrunk.Length == 0 ? latent : model.ValueTrunk[model.ValueTrunk.Length - 1].Outputs;
        model.Distribution = Distribution(Object(root, "distribution"), latent);
        var actorOutputs = model.Distribution.Kind switch
        {
            ActionKind.Box => model.Distribution.Low.Length,
            ActionKind.MultiBinary => model.Distribution.Nvec.Length,
            _ => model.Distribution.Nvec.Sum(),
        };

        model.Actor = Dense(Object(root, "actor"), "actor", latent, actorOutputs);
        model.Critic = Dense(Object(root, "critic"), "critic", valueLatent, 1);
        return model;
    }

    private Normalization? Normalization(Dictionary<string, object?> root, int size)
    {
        if (!root.TryGetValue("normalization", out var value) || value is null)
        {
            return null;
        }

        var normalization = Object(value, "normalization");
        var mask = new bool[size];
        foreach (var index in Integers(normalization, "normalized"))
        {
            if (index < 0 || index >= size)
            {
                throw new InvalidDataException($"normalization.normalized holds {index}, outside the {size} observation components");
            }

            mask[index] = true;
        }

        return new Normalization(
            Weights(Text(normalization, "mean"), "normalization.mean", size),
            Weights(Text(normalization, "std"), "normalization.std", size),
            (float)Number(normalization, "clip"),
            mask);
    }

    private FeaturePart Feature(Dictionary<string, object?> part, string where, int observationSize)
    {
        var offset = Integer(part, "offset");
        var kind = Text(part, "kind");
        (FeaturePart Part, int Reads) read = kind switch
        {
            "pass" => Pass(part, offset),
            "one_hot" => OneHot(part, offset),
            "image" => Image(part, offset, where),
            _ => throw new InvalidDataException($"{where}.kind is '{kind}'; A2C.Policy knows pass, one_hot and image"),
        };
        if (offset < 0 || offset + read.Reads > observationSize)
        {
            throw new InvalidDataException($"{where} reads components {offset} to {offset + read.Reads - 1}, outside the {observationSize} observation components");
        }

        return read.Part;
    }

    private static (FeaturePart, int) Pass(Dictionary<string, object?> part, int offset)
    {
        var size = Integer(part, "size");
        return (new PassPart(offset, size, (float)Number(part, "scale")), size);
    }

    private static (FeaturePart, int) OneHot(Dictionary<string, object?> part, int offset)
    {
        var counts = Integers(part, "counts");
        if (counts.Any(c => c <= 0))
        {
            throw new InvalidDataException("a one_hot feature has a count under 1");
        }

        return (new OneHotPart(offset, counts, Integer(part, "start")), counts.Length);
    }

    private (FeaturePart, int) Image(Dictionary<string, object?> part, int offset, string where)
    {
        var (height, width, channels) = (Integer(part, "height"), Integer(part, "width"), Integer(part, "channels"));
        var convolutions = new List<ConvolutionLayer>();
        var (inputs, h, w) = (channels, height, width);
        foreach (var (item, i) in List(part, "convolutions").Select((c, i) => (c, i)))
        {
            var name = $"{where}.convolutions[{i}]";
            var convolution = Object(item, name);
            var weightName = Text(convolution, "weight");
            var weight = Initializer(weightName, name);
            if (weight.Dims.Length != 4 || weight.Dims[1] != inputs)
            {
                throw new InvalidDataException($"{name}'s weight '{weightName}' is [{string.Join(", ", weight.Dims)}]; a convolution of {inputs} input channels needs [out, {inputs}, kh, kw]");
            }

            var (outputs, kh, kw) = ((int)weight.Dims[0], (int)weight.Dims[2], (int)weight.Dims[3]);
            var stride = Integer(convolution, "stride");
            if (stride <= 0 || kh > h || kw > w)
            {
                throw new InvalidDataException($"{name} ({kh}x{kw}, stride {stride}) does not fit its {h}x{w} input");
            }

            convolutions.Add(new ConvolutionLayer(weight.Values, Weights(Text(convolution, "bias"), $"{name}.bias", outputs), outputs, inputs, kh, kw, stride));
            (inputs, h, w) = (outputs, (h - kh) / stride + 1, (w - kw) / stride + 1);
        }

        var linear = Dense(Object(part, "linear"), $"{where}.linear", inputs * h * w, -1);
        var image = new ImagePart(offset, height, width, channels, (float)Number(part, "scale"), convolutions.ToArray(), linear);
        return (image, image.Size);
    }

    private DenseLayer[] Trunk(Dictionary<string, object?> root, string name, int inputs)
    {
        var layers = new List<DenseLayer>();
        foreach (var (item, i) in List(root, name).Select((l, i) => (l, i)))
        {
            var layer = Dense(Object(item, $"{name}[{i}]"), $"{name}[{i}]", inputs, -1);
            layers.Add(layer);
            inputs = layer.Outputs;
        }

        return layers.ToArray();
    }

    /// <summary>A linear layer of <paramref name="inputs"/> inputs and <paramref name="outputs"/> outputs (-1: as its weight says).</summary>
    private DenseLayer Dense(Dictionary<string, object?> layer, string where, int inputs, int outputs)
    {
        var weightName = Text(layer, "weight");
        var weight = Initializer(weightName, where);
        if (weight.Dims.Length != 2 || weight.Dims[1] != inputs || (outputs >= 0 && weight.Dims[0] != outputs))
        {
            var expected = outputs >= 0 ? $"[{outputs}, {inputs}]" : $"[out, {inputs}]";
            throw new InvalidDataException($"{where}'s weight '{weightName}' is [{string.Join(", ", weight.Dims)}]; the layers before it need {expected}");
        }

        var rows = (int)weight.Dims[0];
        return new DenseLayer(weight.Values, Weights(Text(layer, "bias"), $"{where}.bias", rows), inputs, rows);
    }

    private DistributionModel Distribution(Dictionary<string, object?> distribution, int latent)
    {
        var kind = Text(distribution, "kind");
        var none = System.Array.Empty<float>();
        switch (kind)
        {
            case "categorical":
                return new DistributionModel(ActionKind.Discrete, new[] { Positive(distribution, "actions") }, none, false, false, none, none);
            case "multi_categorical":
                var nvec = Integers(distribution, "nvec");
                return nvec.Length > 0 && nvec.All(n => n > 0)
                    ? new DistributionModel(ActionKind.MultiDiscrete, nvec, none, false, false, none, none)
                    : throw new InvalidDataException("distribution.nvec must hold at least one count, each at least 1");
            case "bernoulli":
                return new DistributionModel(ActionKind.MultiBinary, Enumerable.Repeat(2, Positive(distribution, "switches")).ToArray(), none, false, false, none, none);
            case "gaussian":
                var dims = Positive(distribution, "dims");
                var low = Numbers(distribution, "low");
                var high = Numbers(distribution, "high");
                if (low.Length != dims || high.Length != dims)
                {
                    throw new InvalidDataException($"distribution.low and high hold {low.Length} and {high.Length} bounds for {dims} dims");
                }

                var sde = distribution.TryGetValue("sde", out var sdeValue) && sdeValue is not null;
                var fullStd = sde && Flag(Object(sdeValue, "distribution.sde"), "full_std");
                var stdSize = !sde ? dims : latent * (fullStd ? dims : 1);
                var logStd = Weights(Text(distribution, "log_std"), "distribution.log_std", stdSize);
                return new DistributionModel(ActionKind.Box, System.Array.Empty<int>(), logStd, sde, fullStd, low.Select(v => (float)v).ToArray(), high.Select(v => (float)v).ToArray());
            default:
                throw new InvalidDataException($"distribution.kind is '{kind}'; A2C.Policy knows categorical, multi_categorical, bernoulli and gaussian");
        }
    }

    /// <summary>The initializer <paramref name="name"/>, whose values must fill its dims (a damaged file may say otherwise).</summary>
    private Tensor Initializer(string name, string where)
    {
        if (!_initializers.TryGetValue(name, out var tensor))
        {
            throw new InvalidDataException($"it has no float initializer '{name}', which the description's {where} names");
        }

        var size = tensor.Dims.Aggregate(1L, (product, d) => d <= 0 || product > int.MaxValue ? -1L : product * d);
        if (size != tensor.Values.Length)
        {
            throw new InvalidDataException($"the initializer '{name}' ({where}) has dims [{string.Join(", ", tensor.Dims)}] but holds {tensor.Values.Length} floats");
        }

        return tensor;
    }

    /// <summary>The values of initializer <paramref name="name"/>, which must hold <paramref name="count"/> floats.</summary>
    private float[] Weights(string name, string where, int count)
    {
        var tensor = Initializer(name, where);
        if (tensor.Values.Length != count || tensor.Dims.Aggregate(1L, (size, d) => size * d) != count)
        {
            throw new InvalidDataException($"the initializer '{name}' ({where}) holds {tensor.Values.Length} floats of dims [{string.Join(", ", tensor.Dims)}]; the description implies {count}");
        }

        return tensor.Values;
    }

    private static object? Member(Dictionary<string, object?> node, string key) =>
        node.TryGetValue(key, out var value) ? value : throw new InvalidDataException($"the description has no member '{key}' where it needs one");

    private static Dictionary<string, object?> Object(object? value, string where) =>
        value as Dictionary<string, object?> ?? throw new InvalidDataException($"the description's {where} is not a JSON object");

    private static Dictionary<string, object?> Object(Dictionary<string, object?> node, string key) => Object(Member(node, key), key);

    private static List<object?> List(Dictionary<string, object?> node, string key) =>
        Member(node, key) as List<object?> ?? throw new InvalidDataException($"the description's {key} is not a JSON array");

    private static string Text(Dictionary<string, object?> node, string key) =>
        Member(node, key) as string ?? throw new InvalidDataException($"the description's {key} is not a string");

    private static bool Flag(Dictionary<string, object?> node, string key) =>
        Member(node, key) as bool? ?? throw new InvalidDataException($"the description's {key} is not true or false");

    private static double Number(Dictionary<string, object?> node, string key) =>
        Member(node, key) as double? ?? throw new InvalidDataException($"the description's {key} is not a number");

    private static int Integer(Dictionary<string, object?> node, string key) => Whole(Number(node, key), key);

    private static int Positive(Dictionary<string, object?> node, string key)
    {
        var value = Integer(node, key);
        return value > 0 ? value : throw new InvalidDataException($"the description's {key} is {value}; it must be at least 1");
    }

    private static int[] Integers(Dictionary<string, object?> node, string key) =>
        List(node, key).Select(v => Whole(v as double? ?? throw new InvalidDataException($"the description's {key} holds a non-number"), key)).ToArray();

    private static double[] Numbers(Dictionary<string, object?> node, string key) =>
        List(node, key).Select(v => v as double? ?? throw new InvalidDataException($"the description's {key} holds a non-number")).ToArray();

    private static int Whole(double value, string key) =>
        value == Math.Floor(value) && Math.Abs(value) <= int.MaxValue
            ? (int)value
            : throw new InvalidDataException($"the description's {key} is {value.ToString(CultureInfo.InvariantCulture)}, not an integer");
}
