using static TorchSharp.torch;

namespace A2C.Training;

/// <summary>
/// RMSprop as TensorFlow defines it, which Stable-Baselines3 ships as <c>RMSpropTFLike</c> and RL Zoo uses
/// for A2C with CNN policies: the running average of squared gradients starts at one rather than zero, and
/// epsilon goes inside the square root. The first updates are then about <c>lr * g</c> rather than PyTorch's
/// <c>lr * g / |g| * 10</c>, which keeps a CNN's ReLUs alive early in training. It steps the model's one flat
/// parameter vector, so its whole state is one vector of the same length.
/// </summary>
/// <remarks>
/// On the CPU the step runs over the parameters' .NET arrays: libtorch's element-wise kernels over a
/// .NET array round differently in their last bit depending on where the array lies (vector body or
/// scalar tail), which made two runs of one seed differ. Elsewhere it runs as tensor operations.
/// </remarks>
internal sealed class TfLikeRmsProp : IDisposable
{
    private const float Alpha = 0.99f;
    private readonly FlatParameters _flat;
    private readonly float _epsilon;
    private readonly float[]? _hostAverage;
    private readonly Tensor? _deviceAverage;

    public TfLikeRmsProp(FlatParameters flat, float epsilon)
    {
        _flat = flat;
        _epsilon = epsilon;
        if (flat.Host is not null)
        {
            _hostAverage = new float[flat.Host.Length];
            Array.Fill(_hostAverage, 1f);
        }
        else
        {
            _deviceAverage = ones_like(flat.All);
        }
    }

    /// <summary>One step of <paramref name="learningRate"/> along the parameters' gradient.</summary>
    public void Step(double learningRate)
    {
        if (_hostAverage is { } average)
        {
            var (parameters, gradients, rate) = (_flat.Host!, _flat.HostGradients!, (float)learningRate);
            for (var i = 0; i < parameters.Length; i++)
            {
                var g = gradients[i];
                average[i] = (Alpha * average[i]) + ((1 - Alpha) * g * g);
                parameters[i] -= rate * g / MathF.Sqrt(average[i] + _epsilon);
            }

            return;
        }

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var squares = _deviceAverage!;
        squares.mul_(Alpha).addcmul_(_flat.Gradients, _flat.Gradients, 1 - Alpha);
        _flat.All.detach().addcdiv_(_flat.Gradients, squares.add(_epsilon).sqrt_(), -learningRate);
    }

    /// <summary>Writes the running average, as float32 values after their count.</summary>
    public void Save(BinaryWriter writer)
    {
        var values = _hostAverage ?? _deviceAverage!.cpu().data<float>().ToArray();
        writer.Write(values.Length);
        foreach (var v in values)
        {
            writer.Write(v);
        }
    }

    /// <summary>Reads what <see cref="Save"/> wrote.</summary>
    /// <exception cref="InvalidDataException">The state is for another number of parameters.</exception>
    public void Load(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        var size = _hostAverage?.Length ?? (int)_deviceAverage!.numel();
        if (count != size)
        {
            throw new InvalidDataException($"the optimizer state holds {count} squared-gradient averages; the model has {size} parameters.");
        }

        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = reader.ReadSingle();
        }

        if (_hostAverage is not null)
        {
            values.CopyTo(_hostAverage, 0);
            return;
        }

        using var loaded = tensor(values);
        _deviceAverage!.copy_(loaded);
    }

    public void Dispose() => _deviceAverage?.Dispose();
}
