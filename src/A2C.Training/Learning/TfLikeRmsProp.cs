using static TorchSharp.torch;

namespace A2C.Training;

/// <summary>
/// RMSprop as TensorFlow defines it, which Stable-Baselines3 ships as <c>RMSpropTFLike</c> and RL Zoo uses
/// for A2C with CNN policies: the running average of squared gradients starts at one rather than zero, and
/// epsilon goes inside the square root. The first updates are then about <c>lr * g</c> rather than PyTorch's
/// <c>lr * g / |g| * 10</c>, which keeps a CNN's ReLUs alive early in training. It steps the model's one flat
/// parameter vector, so its whole state is one tensor of the same length.
/// </summary>
internal sealed class TfLikeRmsProp : IDisposable
{
    private const double Alpha = 0.99;
    private readonly Tensor _parameters;
    private readonly Tensor _squareAverage;
    private readonly double _epsilon;

    public TfLikeRmsProp(Tensor parameters, double epsilon)
    {
        _parameters = parameters;
        _epsilon = epsilon;
        _squareAverage = ones_like(parameters);
    }

    /// <summary>One step of <paramref name="learningRate"/> along the parameters' gradient.</summary>
    public void Step(Tensor gradient, double learningRate)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        _squareAverage.mul_(Alpha).addcmul_(gradient, gradient, 1 - Alpha);
        _parameters.addcdiv_(gradient, _squareAverage.add(_epsilon).sqrt_(), -learningRate);
    }

    /// <summary>Writes the running average, as float32 values after their count.</summary>
    public void Save(BinaryWriter writer)
    {
        var values = _squareAverage.cpu().data<float>().ToArray();
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
        if (count != _squareAverage.numel())
        {
            throw new InvalidDataException($"the optimizer state holds {count} squared-gradient averages; the model has {_squareAverage.numel()} parameters.");
        }

        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = reader.ReadSingle();
        }

        using var loaded = tensor(values);
        _squareAverage.copy_(loaded);
    }

    public void Dispose() => _squareAverage.Dispose();
}
