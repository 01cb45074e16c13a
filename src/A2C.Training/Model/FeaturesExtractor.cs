using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace A2C.Training;

/// <summary>
/// The torch side of an <see cref="ObservationEncoding"/>: turns flat observations [batch, InputSize]
/// into features [batch, FeatureSize], part by part, with one NatureCNN per image part
/// (Stable-Baselines3's layout: 32 8x8 stride 4, 64 4x4 stride 2, 64 3x3 stride 1, each ReLU, then a
/// linear layer to the features and ReLU; pixels scaled to [0, 1], channels first inside). Shared by
/// the actor and the critic, as Stable-Baselines3's A2C shares its extractor.
/// </summary>
internal sealed class FeaturesExtractor : nn.Module<Tensor, Tensor>
{
    private readonly ObservationEncoding _encoding;
    private readonly ModuleList<Sequential> _cnns = new();

    public FeaturesExtractor(ObservationEncoding encoding)
        : base(nameof(FeaturesExtractor))
    {
        _encoding = encoding;
        foreach (var image in encoding.Parts.OfType<ImagePart>())
        {
            _cnns.Add(NatureCnn(image));
        }

        RegisterComponents();
    }

    /// <summary>Every convolution and linear layer, in parameter order, for binding into the flat vector and for initialization.</summary>
    public IEnumerable<nn.Module> Layers() => _cnns.SelectMany(c => c.children()).Where(m => m is Conv2d or Linear);

    public override Tensor forward(Tensor observations)
    {
        var features = new List<Tensor>();
        var cnn = 0;
        foreach (var part in _encoding.Parts)
        {
            var values = observations.narrow(1, part.Offset, part.Size);
            switch (part)
            {
                case ImagePart image:
                    var pixels = values.view(-1, image.Height, image.Columns, image.Channels).permute(0, 3, 1, 2).div(255f);
                    features.Add(_cnns[cnn++].forward(pixels));
                    break;
                case PassThroughPart pass:
                    features.Add(pass.Scale == 1f ? values : values.mul(pass.Scale));
                    break;
                case OneHotPart hot:
                    for (var k = 0; k < hot.Counts.Count; k++)
                    {
                        var index = values.select(1, k).to(ScalarType.Int64).sub(hot.Start).clamp(0, hot.Counts[k] - 1);
                        features.Add(nn.functional.one_hot(index, hot.Counts[k]).to(ScalarType.Float32));
                    }

                    break;
            }
        }

        return features.Count == 1 ? features[0] : cat(features, 1);
    }

    private static Sequential NatureCnn(ImagePart image)
    {
        static int Out(int size, int kernel, int stride) => ((size - kernel) / stride) + 1;
        var h = Out(Out(Out(image.Height, 8, 4), 4, 2), 3, 1);
        var w = Out(Out(Out(image.Columns, 8, 4), 4, 2), 3, 1);
        return nn.Sequential(
            ("conv0", nn.Conv2d(image.Channels, 32, 8, stride: 4)),
            ("relu0", nn.ReLU()),
            ("conv1", nn.Conv2d(32, 64, 4, stride: 2)),
            ("relu1", nn.ReLU()),
            ("conv2", nn.Conv2d(64, 64, 3, stride: 1)),
            ("relu2", nn.ReLU()),
            ("flatten", nn.Flatten()),
            ("linear", nn.Linear(64L * h * w, image.Features)),
            ("relu3", nn.ReLU()));
    }
}
