using A2C.Kernels;
using A2C.Runtime.Format;

namespace A2C.Runtime.Network;

/// <summary>
/// The exported network's forward pass, as ActorCritic.EvaluateWithLatent computes it: normalize,
/// features (pass, one-hot, NatureCNN), trunks, heads, and the Gaussian's std (exp(log_std), or gSDE's
/// sqrt((z*z) @ (W*W) + 1e-6)). Activations are feature-major ([width, batch padded to
/// <see cref="DenseLoops.Lanes"/>]) like the .NET engine's, so the dense layers run through the
/// engine's own <see cref="DenseLoops.Combine"/>. Buffers grow to the largest batch seen; one
/// instance is not safe to use from two threads at once.
/// </summary>
internal sealed class PolicyNetwork
{
    private const float SdeEpsilon = 1e-6f;
    private readonly PolicyModel _model;
    private readonly NatureCnn?[] _cnns;
    private int _capacity;
    private float[] _normalized = Array.Empty<float>();
    private float[] _features = Array.Empty<float>();
    private float[][] _policyActivations = Array.Empty<float[]>();
    private float[][] _valueActivations = Array.Empty<float[]>();
    private float[] _head = Array.Empty<float>();

    public PolicyNetwork(PolicyModel model)
    {
        _model = model;
        _cnns = model.Features.Select(f => f is ImagePart image ? new NatureCnn(image) : null).ToArray();
    }

    /// <summary>
    /// Row-major outputs for <paramref name="batch"/> raw observations (batch x observation size):
    /// actor (batch x actor outputs: logits or mean), std (batch x dims, Box only; empty to skip)
    /// and values (batch; empty to skip).
    /// </summary>
    public void Forward(ReadOnlySpan<float> observations, int batch, Span<float> actor, Span<float> std, Span<float> values)
    {
        if (batch > _capacity)
        {
            Grow(batch);
        }

        var p = Pad(batch);
        var x = Normalize(observations, batch);
        var features = _features.AsSpan(0, _model.FeatureSize * p);
        features.Clear();
        var column = 0;
        for (var f = 0; f < _model.Features.Length; f++)
        {
            var part = _model.Features[f];
            var rows = features.Slice(column * p, part.Width * p);
            switch (part)
            {
                case PassPart pass:
                    for (var i = 0; i < batch; i++)
                    {
                        for (var k = 0; k < pass.Width; k++)
                        {
                            rows[k * p + i] = x[i * _model.ObservationSize + pass.Offset + k] * pass.Scale;
                        }
                    }

                    break;
                case OneHotPart hot:
                    OneHot(hot, x, batch, rows, p);
                    break;
                default:
                    _cnns[f]!.Forward(x, _model.ObservationSize, batch, rows, p);
                    break;
            }

            column += part.Width;
        }

        ReadOnlySpan<float> input = features;
        var latent = Trunk(_model.PolicyTrunk, _policyActivations, input, p);
        var valueLatent = _model.Shared ? latent : Trunk(_model.ValueTrunk, _valueActivations, input, p);
        Head(_model.Actor, latent, batch, p, actor);
        if (!values.IsEmpty)
        {
            Head(_model.Critic, valueLatent, batch, p, values);
        }

        if (!std.IsEmpty && _model.Distribution.Kind == ActionKind.Box)
        {
            Std(latent, batch, p, std);
        }
    }

    private static int Pad(int batch) => (batch + DenseLoops.Lanes - 1) / DenseLoops.Lanes * DenseLoops.Lanes;

    /// <summary>clip((x - mean) / std, ±clip) on the normalized components, row-major; the raw span when there is no normalization.</summary>
    private ReadOnlySpan<float> Normalize(ReadOnlySpan<float> observations, int batch)
    {
        var normalization = _model.Normalization;
        if (normalization is null)
        {
            return observations;
        }

        var size = _model.ObservationSize;
        var normalized = _normalized.AsSpan(0, batch * size);
        for (var i = 0; i < batch; i++)
        {
            for (var j = 0; j < size; j++)
            {
                var value = observations[i * size + j];
                if (normalization.Normalized[j])
                {
                    var z = (value - normalization.Mean[j]) / normalization.Std[j];
                    value = z < -normalization.Clip ? -normalization.Clip : z > normalization.Clip ? normalization.Clip : z;
                }

                normalized[i * size + j] = value;
            }
        }

        return normalized;
    }

    /// <summary>Each component truncated to an integer and clamped to its values, then one-hot (the torch extractor's int64 cast and clamp).</summary>
    private void OneHot(OneHotPart hot, ReadOnlySpan<float> x, int batch, Span<float> rows, int p)
    {
        for (var i = 0; i < batch; i++)
        {
            var start = 0;
            for (var k = 0; k < hot.Counts.Length; k++)
            {
                var value = x[i * _model.ObservationSize + hot.Offset + k];
                var integer = float.IsNaN(value) ? hot.Start : (long)Math.Truncate((double)value);
                var index = (int)Math.Min(Math.Max(integer - hot.Start, 0L), hot.Counts[k] - 1L);
                rows[(start + index) * p + i] = 1f;
                start += hot.Counts[k];
            }
        }
    }

    private ReadOnlySpan<float> Trunk(DenseLayer[] layers, float[][] activations, ReadOnlySpan<float> input, int p)
    {
        for (var l = 0; l < layers.Length; l++)
        {
            var layer = layers[l];
            var output = activations[l].AsSpan(0, layer.Outputs * p);
            DenseLoops.Combine(layer.Weight, layer.Inputs, 1, layer.Bias, input, output, layer.Outputs, layer.Inputs, p);
            if (_model.Tanh)
            {
                DenseLoops.Tanh(output);
            }
            else
            {
                DenseLoops.Relu(output);
            }

            input = output;
        }

        return input;
    }

    private void Head(DenseLayer head, ReadOnlySpan<float> latent, int batch, int p, Span<float> output)
    {
        var rows = _head.AsSpan(0, head.Outputs * p);
        DenseLoops.Combine(head.Weight, head.Inputs, 1, head.Bias, latent, rows, head.Outputs, head.Inputs, p);
        for (var i = 0; i < batch; i++)
        {
            for (var j = 0; j < head.Outputs; j++)
            {
                output[i * head.Outputs + j] = rows[j * p + i];
            }
        }
    }

    private void Std(ReadOnlySpan<float> latent, int batch, int p, Span<float> std)
    {
        var distribution = _model.Distribution;
        var dims = distribution.Low.Length;
        if (!distribution.Sde)
        {
            for (var i = 0; i < batch; i++)
            {
                for (var d = 0; d < dims; d++)
                {
                    std[i * dims + d] = MathF.Exp(distribution.LogStd[d]);
                }
            }

            return;
        }

        // gSDE: sqrt((z * z) @ (W * W) + eps), W = exp(log_std) widened to [latent, dims].
        var columns = distribution.FullStd ? dims : 1;
        for (var i = 0; i < batch; i++)
        {
            for (var d = 0; d < dims; d++)
            {
                var variance = 0f;
                for (var j = 0; j < _model.LatentSize; j++)
                {
                    var z = latent[j * p + i];
                    var w = MathF.Exp(distribution.LogStd[j * columns + (distribution.FullStd ? d : 0)]);
                    variance += z * z * (w * w);
                }

                std[i * dims + d] = MathF.Sqrt(variance + SdeEpsilon);
            }
        }
    }

    private void Grow(int capacity)
    {
        _capacity = capacity;
        var p = Pad(capacity);
        _normalized = new float[capacity * _model.ObservationSize];
        _features = new float[_model.FeatureSize * p];
        _policyActivations = _model.PolicyTrunk.Select(l => new float[l.Outputs * p]).ToArray();
        _valueActivations = _model.ValueTrunk.Select(l => new float[l.Outputs * p]).ToArray();
        _head = new float[Math.Max(_model.Actor.Outputs, 1) * p];
        foreach (var cnn in _cnns)
        {
            cnn?.Grow(p);
        }
    }
}
