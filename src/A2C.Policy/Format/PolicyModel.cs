namespace A2C.Runtime.Format;

/// <summary>A linear layer: PyTorch's row-major [out, in] weight and its bias.</summary>
internal sealed class DenseLayer
{
    public DenseLayer(float[] weight, float[] bias, int inputs, int outputs)
    {
        Weight = weight;
        Bias = bias;
        Inputs = inputs;
        Outputs = outputs;
    }

    public float[] Weight { get; }

    public float[] Bias { get; }

    public int Inputs { get; }

    public int Outputs { get; }
}

/// <summary>A convolution with no padding: weight [out, in, kh, kw], bias [out], one stride for both axes.</summary>
internal sealed class ConvolutionLayer
{
    public ConvolutionLayer(float[] weight, float[] bias, int outputs, int inputs, int kernelHeight, int kernelWidth, int stride)
    {
        Weight = weight;
        Bias = bias;
        Outputs = outputs;
        Inputs = inputs;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        Stride = stride;
    }

    public float[] Weight { get; }

    public float[] Bias { get; }

    public int Outputs { get; }

    public int Inputs { get; }

    public int KernelHeight { get; }

    public int KernelWidth { get; }

    public int Stride { get; }
}

/// <summary>One part of the features: a slice of the (normalized) observation and what becomes of it.</summary>
internal abstract class FeaturePart
{
    protected FeaturePart(int offset, int width)
    {
        Offset = offset;
        Width = width;
    }

    /// <summary>Where the part starts in the flat observation.</summary>
    public int Offset { get; }

    /// <summary>How many features it gives.</summary>
    public int Width { get; }
}

/// <summary>Observation components as they are, times a scale (1/255 for an image an MLP reads).</summary>
internal sealed class PassPart : FeaturePart
{
    public PassPart(int offset, int size, float scale)
        : base(offset, size) => Scale = scale;

    public float Scale { get; }
}

/// <summary>Integer components, each a one-hot of width counts[k] at value - start (truncated, clamped).</summary>
internal sealed class OneHotPart : FeaturePart
{
    public OneHotPart(int offset, int[] counts, int start)
        : base(offset, counts.Sum())
    {
        Counts = counts;
        Start = start;
    }

    public int[] Counts { get; }

    public int Start { get; }
}

/// <summary>An HWC image through NatureCNN: scale, three convolutions with ReLU, flatten (CHW), linear, ReLU.</summary>
internal sealed class ImagePart : FeaturePart
{
    public ImagePart(int offset, int height, int width, int channels, float scale, ConvolutionLayer[] convolutions, DenseLayer linear)
        : base(offset, linear.Outputs)
    {
        Height = height;
        ImageWidth = width;
        Channels = channels;
        Scale = scale;
        Convolutions = convolutions;
        Linear = linear;
    }

    public int Height { get; }

    public int ImageWidth { get; }

    public int Channels { get; }

    public float Scale { get; }

    public ConvolutionLayer[] Convolutions { get; }

    public DenseLayer Linear { get; }

    /// <summary>Pixels the part reads from the observation.</summary>
    public int Size => Height * ImageWidth * Channels;
}

/// <summary>clip((x - mean) / std, ±clip) on the components marked normalized; the others pass.</summary>
internal sealed class Normalization
{
    public Normalization(float[] mean, float[] std, float clip, bool[] normalized)
    {
        Mean = mean;
        Std = std;
        Clip = clip;
        Normalized = normalized;
    }

    public float[] Mean { get; }

    public float[] Std { get; }

    public float Clip { get; }

    public bool[] Normalized { get; }
}

/// <summary>The action distribution: what the actor head's outputs mean.</summary>
internal sealed class DistributionModel
{
    public DistributionModel(ActionKind kind, int[] nvec, float[] logStd, bool sde, bool fullStd, float[] low, float[] high)
    {
        Kind = kind;
        Nvec = nvec;
        LogStd = logStd;
        Sde = sde;
        FullStd = fullStd;
        Low = low;
        High = high;
    }

    public ActionKind Kind { get; }

    /// <summary>Discrete: [n]; MultiDiscrete: nvec; MultiBinary: one 2 per switch; Box: empty.</summary>
    public int[] Nvec { get; }

    /// <summary>Box: [dims], or with gSDE [latent, dims] (full std) or [latent, 1], row-major.</summary>
    public float[] LogStd { get; }

    public bool Sde { get; }

    public bool FullStd { get; }

    public float[] Low { get; }

    public float[] High { get; }
}

/// <summary>Everything the description says, with the weights it names resolved and checked.</summary>
internal sealed class PolicyModel
{
    public string Env { get; set; } = string.Empty;

    public int[] ObservationShape { get; set; } = System.Array.Empty<int>();

    public int ObservationSize { get; set; }

    public Normalization? Normalization { get; set; }

    public FeaturePart[] Features { get; set; } = System.Array.Empty<FeaturePart>();

    public int FeatureSize { get; set; }

    public bool Shared { get; set; }

    public bool Tanh { get; set; }

    public DenseLayer[] PolicyTrunk { get; set; } = System.Array.Empty<DenseLayer>();

    public DenseLayer[] ValueTrunk { get; set; } = System.Array.Empty<DenseLayer>();

    public DenseLayer Actor { get; set; } = null!;

    public DenseLayer Critic { get; set; } = null!;

    public DistributionModel Distribution { get; set; } = null!;

    /// <summary>The policy trunk's output width (gSDE's latent).</summary>
    public int LatentSize => PolicyTrunk.Length > 0 ? PolicyTrunk[PolicyTrunk.Length - 1].Outputs : FeatureSize;
}
