using A2C.Kernels;
using A2C.Runtime.Format;

namespace A2C.Runtime.Network;

/// <summary>
/// NatureCNN over one HWC image part, sample by sample: scale (1/255), CHW, three convolutions with
/// no padding each followed by ReLU, flatten in CHW order, then the linear layer and ReLU over the
/// whole batch with the dense kernel. Plain loops: a 36x36 image is about 0.2 M multiply-adds.
/// </summary>
internal sealed class NatureCnn
{
    private readonly ImagePart _part;
    private readonly float[] _first;
    private readonly float[] _second;
    private readonly int _flatSize;
    private float[] _flat = Array.Empty<float>();

    public NatureCnn(ImagePart part)
    {
        _part = part;
        var largest = part.Size;
        var (channels, height, width) = (part.Channels, part.Height, part.ImageWidth);
        foreach (var convolution in part.Convolutions)
        {
            (channels, height, width) = (convolution.Outputs, (height - convolution.KernelHeight) / convolution.Stride + 1, (width - convolution.KernelWidth) / convolution.Stride + 1);
            largest = Math.Max(largest, channels * height * width);
        }

        _flatSize = channels * height * width;
        _first = new float[largest];
        _second = new float[largest];
    }

    /// <summary>Buffers for batches padded to <paramref name="padded"/> columns.</summary>
    public void Grow(int padded) => _flat = new float[_flatSize * padded];

    /// <summary>The part's features for <paramref name="batch"/> observations, feature-major into <paramref name="rows"/> ([linear outputs, p]).</summary>
    public void Forward(ReadOnlySpan<float> observations, int observationSize, int batch, Span<float> rows, int p)
    {
        var (height, width, channels) = (_part.Height, _part.ImageWidth, _part.Channels);
        for (var i = 0; i < batch; i++)
        {
            var pixels = observations.Slice(i * observationSize + _part.Offset, _part.Size);
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    for (var c = 0; c < channels; c++)
                    {
                        _first[(c * height + y) * width + x] = pixels[(y * width + x) * channels + c] * _part.Scale;
                    }
                }
            }

            var (input, output) = (_first, _second);
            var (h, w) = (height, width);
            foreach (var convolution in _part.Convolutions)
            {
                (h, w) = Convolve(convolution, input, h, w, output);
                (input, output) = (output, input);
            }

            for (var k = 0; k < _flatSize; k++)
            {
                _flat[k * p + i] = input[k];
            }
        }

        var linear = _part.Linear;
        var features = rows.Slice(0, linear.Outputs * p);
        DenseLoops.Combine(linear.Weight, linear.Inputs, 1, linear.Bias, _flat.AsSpan(0, _flatSize * p), features, linear.Outputs, linear.Inputs, p);
        DenseLoops.Relu(features);
    }

    /// <summary>ReLU(conv(input)) for one CHW sample; returns the output's height and width.</summary>
    private static (int Height, int Width) Convolve(ConvolutionLayer layer, float[] input, int height, int width, float[] output)
    {
        var (kh, kw, stride) = (layer.KernelHeight, layer.KernelWidth, layer.Stride);
        var outHeight = (height - kh) / stride + 1;
        var outWidth = (width - kw) / stride + 1;
        for (var o = 0; o < layer.Outputs; o++)
        {
            for (var oy = 0; oy < outHeight; oy++)
            {
                for (var ox = 0; ox < outWidth; ox++)
                {
                    var sum = layer.Bias[o];
                    for (var c = 0; c < layer.Inputs; c++)
                    {
                        var kernel = ((o * layer.Inputs) + c) * kh * kw;
                        for (var ky = 0; ky < kh; ky++)
                        {
                            var row = (c * height + oy * stride + ky) * width + ox * stride;
                            for (var kx = 0; kx < kw; kx++)
                            {
                                sum += layer.Weight[kernel + ky * kw + kx] * input[row + kx];
                            }
                        }
                    }

                    output[(o * outHeight + oy) * outWidth + ox] = sum > 0f ? sum : 0f;
                }
            }
        }

        return (outHeight, outWidth);
    }
}
