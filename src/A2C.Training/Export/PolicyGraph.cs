using System.Text.Json.Nodes;
using A2C.Envs.Spaces;
using TorchSharp;
using static A2C.Training.OnnxGraph;

namespace A2C.Training;

/// <summary>
/// Translates one <see cref="ActorCritic"/> into an ONNX graph and, in the same pass, into the JSON
/// description A2C.Policy reads (docs/export.md): each layer's graph nodes and its description name
/// the same initializers, so the two readers cannot drift apart. The graph mirrors
/// <see cref="ActorCritic.EvaluateWithLatent"/> and <see cref="FeaturesExtractor"/> op for op, with
/// the run's <see cref="Normalizer"/> in front.
/// </summary>
internal sealed class PolicyGraph
{
    private const int OnnxFloat = 1;
    private const int OnnxInt64 = 7;

    private readonly OnnxGraph _graph = new();
    private readonly Dictionary<string, (float[] Values, long[] Shape)> _tensors;
    private readonly PolicySpec _spec;

    private PolicyGraph(ActorCritic model)
    {
        _spec = model.Spec;
        using var scope = torch.NewDisposeScope();
        _tensors = model.state_dict().ToDictionary(
            p => p.Key,
            p => (p.Value.detach().cpu().contiguous().data<float>().ToArray(), p.Value.shape),
            StringComparer.Ordinal);
    }

    /// <summary>The graph's nodes, initializers, inputs and outputs.</summary>
    public OnnxGraph Graph => _graph;

    /// <summary>The description for A2C.Policy (the <c>a2c.policy</c> metadata entry).</summary>
    public JsonObject Description { get; } = [];

    /// <summary>Builds the graph and the description of <paramref name="model"/>.</summary>
    public static PolicyGraph Build(ActorCritic model, Space observationSpace, Space actionSpace, Normalizer? normalizer, string envId)
    {
        var built = new PolicyGraph(model);
        built.Translate(observationSpace, actionSpace, normalizer, envId);
        return built;
    }

    private void Translate(Space observationSpace, Space actionSpace, Normalizer? normalizer, string envId)
    {
        var size = _spec.ObservationSize;
        IReadOnlyList<int> shape = observationSpace is Box box ? box.Shape : [size];
        var obs = _graph.Input("obs", new long?[] { null }.Concat(shape.Select(d => (long?)d)));
        var flat = shape.Count == 1 ? obs : _graph.Node("Reshape", [obs, _graph.Int64s(-1, size)]);
        Description["env"] = envId;
        Description["observation_shape"] = Numbers(shape);
        Description["observation_size"] = size;
        var normalized = Normalize(flat, normalizer);
        var features = Features(normalized);
        Description["shared"] = _spec.Net == NetKind.Shared;
        Description["activation"] = _spec.Activation == Activation.Tanh ? "tanh" : "relu";
        var (latent, policyTrunk) = Trunk(features, "_trunk", "pi");
        var (valueLatent, valueTrunk) = _spec.Net == NetKind.Shared ? (latent, []) : Trunk(features, "_valueTrunk", "vf");
        Description["policy_trunk"] = policyTrunk;
        Description["value_trunk"] = valueTrunk;
        var actorOutput = _spec.Continuous ? "mean" : "logits";
        Description["actor"] = Layer("_actorHead", _spec.ActionCount, _spec.LatentSize);
        Description["critic"] = Layer("_criticHead", 1, _spec.LatentSize);
        _graph.Linear(latent, "_actorHead.weight", "_actorHead.bias", actorOutput);
        _graph.Output(actorOutput, [null, _spec.ActionCount]);
        Description["distribution"] = Distribution(actionSpace, latent);
        _graph.Linear(valueLatent, "_criticHead.weight", "_criticHead.bias", "value");
        _graph.Output("value", [null, 1]);
    }

    /// <summary>clip((x - mean) / sqrt(var + eps), ±clip) on the normalized components, as <see cref="Normalizer.Observations"/>.</summary>
    private string Normalize(string x, Normalizer? normalizer)
    {
        if (normalizer is null)
        {
            Description["normalization"] = null;
            return x;
        }

        var stats = normalizer.ObservationStats;
        var size = _spec.ObservationSize;
        // The trainer gives its normalizer the encoding's mask; one that has none normalizes everything.
        var mask = normalizer.Mask ?? _spec.Encoding?.NormalizableMask() ?? Enumerable.Repeat(true, size).ToArray();
        var mean = stats.Mean.Select(m => (float)m).ToArray();
        var std = stats.Var.Select(v => (float)Math.Sqrt(v + Normalizer.DefaultEpsilon)).ToArray();
        _graph.Initializer("normalization.mean", mean, size);
        _graph.Initializer("normalization.std", std, size);
        Description["normalization"] = new JsonObject
        {
            ["mean"] = "normalization.mean",
            ["std"] = "normalization.std",
            ["clip"] = (double)Normalizer.DefaultClip,
            ["normalized"] = Numbers(Enumerable.Range(0, size).Where(i => mask[i])),
        };
        if (!mask.Contains(true))
        {
            return x;
        }

        var z = _graph.Node("Div", [_graph.Node("Sub", [x, "normalization.mean"]), "normalization.std"]);
        var clipped = _graph.Node("Min", [_graph.Node("Max", [z, _graph.Floats([-Normalizer.DefaultClip])]), _graph.Floats([Normalizer.DefaultClip])]);
        // Images, integers and switches pass unchanged: a selection, exact for every value.
        return mask.Contains(false) ? _graph.Node("Where", [_graph.Bools(mask), clipped, x]) : clipped;
    }

    private string Features(string x)
    {
        var size = _spec.ObservationSize;
        var encoding = _spec.Encoding ?? ObservationEncoding.Flat(size);
        var outputs = new List<string>();
        var parts = new JsonArray();
        var cnn = 0;
        foreach (var part in encoding.Parts)
        {
            switch (part)
            {
                case PassThroughPart pass:
                    var values = _graph.Columns(x, pass.Offset, pass.Size, size);
                    outputs.Add(pass.Scale == 1f ? values : _graph.Node("Mul", [values, _graph.Floats([pass.Scale])]));
                    parts.Add(new JsonObject { ["kind"] = "pass", ["offset"] = pass.Offset, ["size"] = pass.Size, ["scale"] = (double)pass.Scale });
                    break;
                case OneHotPart hot:
                    outputs.AddRange(hot.Counts.Select((count, k) => OneHot(_graph.Columns(x, hot.Offset + k, 1, size), count, hot.Start)));
                    parts.Add(new JsonObject { ["kind"] = "one_hot", ["offset"] = hot.Offset, ["counts"] = Numbers(hot.Counts), ["start"] = hot.Start });
                    break;
                case ImagePart image:
                    var (output, described) = NatureCnn(_graph.Columns(x, image.Offset, image.Size, size), image, $"_features._cnns.{cnn++}");
                    outputs.Add(output);
                    parts.Add(described);
                    break;
                default:
                    throw new NotSupportedException($"{part.Name} is encoded as {part.GetType().Name}, which the ONNX exporter does not know: no graph was written.");
            }
        }

        Description["features"] = parts;
        return outputs.Count == 1 ? outputs[0] : _graph.Node("Concat", [.. outputs], null, Int("axis", 1));
    }

    /// <summary>One component's one-hot: truncated to an integer and clamped to the values, as the torch extractor's int64 cast and clamp.</summary>
    private string OneHot(string column, int count, int start)
    {
        var integer = _graph.Node("Cast", [_graph.Node("Cast", [column], null, Int("to", OnnxInt64))], null, Int("to", OnnxFloat));
        var clamped = _graph.Node("Min", [_graph.Node("Max", [integer, _graph.Floats([start])]), _graph.Floats([start + count - 1])]);
        var values = Enumerable.Range(start, count).Select(v => (float)v).ToArray();
        return _graph.Node("Cast", [_graph.Node("Equal", [clamped, _graph.Floats(values, 1, count)])], null, Int("to", OnnxFloat));
    }

    /// <summary>NatureCNN over an HWC image slice: /255, CHW, three convolutions with ReLU, flatten, linear, ReLU.</summary>
    private (string Output, JsonObject Description) NatureCnn(string pixels, ImagePart image, string prefix)
    {
        var hwc = _graph.Node("Reshape", [pixels, _graph.Int64s(-1, image.Height, image.Columns, image.Channels)]);
        var h = _graph.Node("Div", [_graph.Node("Transpose", [hwc], null, Ints("perm", 0, 3, 1, 2)), _graph.Floats([255f])]);
        var convolutions = new JsonArray();
        foreach (var (index, stride) in new[] { (0, 4), (1, 2), (2, 1) })
        {
            var (weight, bias) = ($"{prefix}.conv{index}.weight", $"{prefix}.conv{index}.bias");
            var kernel = Tensor(weight, "a NatureCNN convolution").Shape;
            var (outputs, kh, kw) = (kernel[0], kernel[2], kernel[3]);
            Initializer(weight, outputs, kernel[1], kh, kw);
            Initializer(bias, outputs);
            h = _graph.Node("Relu", [_graph.Node("Conv", [h, weight, bias], null, Ints("kernel_shape", kh, kw), Ints("strides", stride, stride))]);
            convolutions.Add(new JsonObject { ["weight"] = weight, ["bias"] = bias, ["stride"] = stride });
        }

        var flat = _graph.Node("Flatten", [h], null, Int("axis", 1));
        var linear = Layer($"{prefix}.linear", image.Features, -1);
        var output = _graph.Node("Relu", [_graph.Linear(flat, $"{prefix}.linear.weight", $"{prefix}.linear.bias")]);
        var described = new JsonObject
        {
            ["kind"] = "image",
            ["offset"] = image.Offset,
            ["height"] = image.Height,
            ["width"] = image.Columns,
            ["channels"] = image.Channels,
            ["scale"] = 1.0 / 255.0,
            ["convolutions"] = convolutions,
            ["linear"] = linear,
        };
        return (output, described);
    }

    /// <summary>The hidden layers of one trunk, each linear then the activation.</summary>
    private (string Output, JsonArray Layers) Trunk(string features, string module, string prefix)
    {
        var h = features;
        var layers = new JsonArray();
        var inputs = _spec.FeatureSize;
        for (var i = 0; i < _spec.NetArch.Count; i++)
        {
            var name = $"{module}.{prefix}_linear{i}";
            layers.Add(Layer(name, _spec.NetArch[i], inputs));
            h = _graph.Node(_spec.Activation == Activation.Tanh ? "Tanh" : "Relu", [_graph.Linear(h, $"{name}.weight", $"{name}.bias")]);
            inputs = _spec.NetArch[i];
        }

        return (h, layers);
    }

    private JsonObject Distribution(Space actionSpace, string latent)
    {
        switch (_spec.Distribution)
        {
            case ActionDistribution.Categorical:
                return new JsonObject { ["kind"] = "categorical", ["actions"] = _spec.ActionCount };
            case ActionDistribution.MultiCategorical:
                return new JsonObject { ["kind"] = "multi_categorical", ["nvec"] = Numbers(_spec.ActionNvec!) };
            case ActionDistribution.Bernoulli:
                return new JsonObject { ["kind"] = "bernoulli", ["switches"] = _spec.ActionCount };
            case ActionDistribution.Gaussian:
                var box = actionSpace as Box ?? throw new ArgumentException($"the policy is Gaussian but the action space is {actionSpace}.", nameof(actionSpace));
                var logStd = _tensors.Keys.SingleOrDefault(k => k.Contains("LogStd", StringComparison.Ordinal))
                    ?? throw new NotSupportedException("the Gaussian policy has no log std tensor in its state_dict: no graph was written.");
                var dims = _spec.ActionCount;
                Initializer(logStd, _spec.LogStdShape);
                var std = _graph.Node("Exp", [logStd]);
                if (_spec.UseSde)
                {
                    // sqrt((z * z) @ (W * W) + eps), W = exp(log_std) widened to [latent, dims]: Distributions.sdeStd.
                    var weights = _spec.FullStd || dims == 1 ? std : _graph.Node("Expand", [std, _graph.Int64s(_spec.LatentSize, dims)]);
                    var variance = _graph.Node("MatMul", [_graph.Node("Mul", [latent, latent]), _graph.Node("Mul", [weights, weights])]);
                    _graph.Node("Sqrt", [_graph.Node("Add", [variance, _graph.Floats([(float)A2C.Core.Distributions.SdeEpsilon])])], "std");
                }
                else
                {
                    _graph.Node("Expand", [std, _graph.Node("Shape", ["mean"])], "std");
                }

                _graph.Output("std", [null, dims]);
                // JSON has no infinity: an unbounded side is the largest float, which clips nothing.
                static JsonArray Bounds(IEnumerable<float> values) => Numbers(values.Select(v => float.IsFinite(v) ? v : Math.Sign(v) * float.MaxValue));
                return new JsonObject
                {
                    ["kind"] = "gaussian",
                    ["dims"] = dims,
                    ["log_std"] = logStd,
                    ["sde"] = _spec.UseSde ? new JsonObject { ["full_std"] = _spec.FullStd } : null,
                    ["low"] = Bounds(box.Low),
                    ["high"] = Bounds(box.High),
                };
            default:
                throw new NotSupportedException($"the {_spec.Distribution} action distribution has no ONNX export: no graph was written.");
        }
    }

    /// <summary>A linear layer's two initializers, checked against the shape the spec says, and its description.</summary>
    private JsonObject Layer(string name, long outputs, long inputs)
    {
        var weight = Tensor($"{name}.weight", "a linear layer");
        Initializer($"{name}.weight", outputs, inputs < 0 ? weight.Shape[1] : inputs);
        Initializer($"{name}.bias", outputs);
        return new JsonObject { ["weight"] = $"{name}.weight", ["bias"] = $"{name}.bias" };
    }

    private void Initializer(string name, params long[] shape)
    {
        var (values, actual) = Tensor(name, "a weight");
        if (!actual.SequenceEqual(shape))
        {
            throw new NotSupportedException($"the model's tensor '{name}' is [{string.Join(", ", actual)}]; its policy spec implies [{string.Join(", ", shape)}]: no graph was written.");
        }

        _graph.Initializer(name, values, actual);
    }

    private (float[] Values, long[] Shape) Tensor(string name, string what) =>
        _tensors.TryGetValue(name, out var tensor)
            ? tensor
            : throw new NotSupportedException($"the model has no tensor '{name}' ({what} the exporter expects from its spec; it has {string.Join(", ", _tensors.Keys)}): no graph was written.");

    private static JsonArray Numbers(IEnumerable<int> values) => new(values.Select(v => (JsonNode)v).ToArray());

    private static JsonArray Numbers(IEnumerable<float> values) => new(values.Select(v => (JsonNode)(double)v).ToArray());
}
