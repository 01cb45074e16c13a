using A2C.Envs.Spaces;

namespace A2C.Training;

/// <summary>Which features extractor a policy puts in front of its networks, as Stable-Baselines3's policy names.</summary>
public enum PolicyKind
{
    /// <summary>Picked from the observation space: CnnPolicy for an image, MultiInputPolicy for a Dict, MlpPolicy otherwise.</summary>
    Auto,

    /// <summary>MlpPolicy: the observation flattened (Discrete parts one-hot, images scaled to [0, 1]).</summary>
    Mlp,

    /// <summary>CnnPolicy: NatureCNN over an image observation.</summary>
    Cnn,

    /// <summary>MultiInputPolicy: a Dict observation, NatureCNN for each image key and flattening for the rest, concatenated.</summary>
    MultiInput,
}

/// <summary>One slice of the flat observation and how it becomes features.</summary>
/// <param name="Key">The Dict key it comes from, or null for a whole observation.</param>
/// <param name="Offset">Where it starts in the flat observation.</param>
/// <param name="Size">How many floats it takes there.</param>
public abstract record FeaturePart(string? Key, int Offset, int Size)
{
    /// <summary>How many features it yields.</summary>
    public abstract int Width { get; }

    /// <summary>Names the part in messages: the key, or "the observation".</summary>
    public string Name => Key is null ? "the observation" : $"key '{Key}'";
}

/// <summary>Values as they are, times <paramref name="Scale"/> (1, or 1/255 for an image an MLP reads).</summary>
/// <param name="Key">The Dict key, or null.</param>
/// <param name="Offset">Start in the flat observation.</param>
/// <param name="Size">Floats taken, and features given.</param>
/// <param name="Scale">Factor applied to each value.</param>
/// <param name="Normalizable">Whether VecNormalize-style statistics apply (float Box values only, as Stable-Baselines3).</param>
public sealed record PassThroughPart(string? Key, int Offset, int Size, float Scale, bool Normalizable) : FeaturePart(Key, Offset, Size)
{
    /// <inheritdoc />
    public override int Width => Size;
}

/// <summary>Integers one-hot encoded, one block per component (a Discrete space has one, a MultiDiscrete K).</summary>
/// <param name="Key">The Dict key, or null.</param>
/// <param name="Offset">Start in the flat observation.</param>
/// <param name="Counts">Values per component.</param>
/// <param name="Start">The smallest value of a Discrete space (0 for MultiDiscrete).</param>
public sealed record OneHotPart(string? Key, int Offset, IReadOnlyList<int> Counts, int Start) : FeaturePart(Key, Offset, Counts.Count)
{
    /// <inheritdoc />
    public override int Width => Counts.Sum();
}

/// <summary>An [H, W, C] uint8 image read by NatureCNN (scaled to [0, 1], channels first inside).</summary>
/// <param name="Key">The Dict key, or null.</param>
/// <param name="Offset">Start in the flat observation.</param>
/// <param name="Height">Rows.</param>
/// <param name="Columns">Columns.</param>
/// <param name="Channels">Channels.</param>
/// <param name="Features">Width of the CNN's last linear layer.</param>
public sealed record ImagePart(string? Key, int Offset, int Height, int Columns, int Channels, int Features) : FeaturePart(Key, Offset, Height * Columns * Channels)
{
    /// <summary>The smallest side NatureCNN's three convolutions (8/4, 4/2, 3/1) accept.</summary>
    public const int MinimumSide = 36;

    /// <inheritdoc />
    public override int Width => Features;
}

/// <summary>
/// How a flat observation (see <see cref="Space"/>) becomes the networks' input, picked from its space
/// as Stable-Baselines3 does: values as they are for a Box, one-hot for Discrete and MultiDiscrete,
/// 0/1 for MultiBinary, NatureCNN for images under CnnPolicy and MultiInputPolicy (scaled to [0, 1] and
/// flattened under MlpPolicy), and each Dict key in key order, concatenated.
/// </summary>
public sealed class ObservationEncoding
{
    /// <summary>NatureCNN's default output width (Stable-Baselines3's features_dim).</summary>
    public const int NatureCnnFeatures = 512;

    /// <summary>The combined extractor's default width per image key (Stable-Baselines3's cnn_output_dim).</summary>
    public const int CombinedCnnFeatures = 256;

    private ObservationEncoding(IReadOnlyList<FeaturePart> parts, int inputSize, PolicyKind policy)
    {
        Parts = parts;
        InputSize = inputSize;
        Policy = policy;
        FeatureSize = parts.Sum(p => p.Width);
        IsIdentity = parts is [PassThroughPart { Scale: 1f, Offset: 0 } only] && only.Size == inputSize;
        HasImages = parts.Any(p => p is ImagePart);
    }

    /// <summary>The parts, in order.</summary>
    public IReadOnlyList<FeaturePart> Parts { get; }

    /// <summary>Floats per flat observation.</summary>
    public int InputSize { get; }

    /// <summary>Features per observation, what the networks' first layer reads.</summary>
    public int FeatureSize { get; }

    /// <summary>The resolved policy (never <see cref="PolicyKind.Auto"/>).</summary>
    public PolicyKind Policy { get; }

    /// <summary>Whether features are the observation itself (a float Box under MlpPolicy): nothing to encode.</summary>
    public bool IsIdentity { get; }

    /// <summary>Whether a part is read by a CNN (which only the torch engine runs).</summary>
    public bool HasImages { get; }

    /// <summary>The encoding of a plain vector of <paramref name="size"/> floats.</summary>
    /// <param name="size">Floats per observation.</param>
    /// <returns>The identity encoding.</returns>
    public static ObservationEncoding Flat(int size) => new([new PassThroughPart(null, 0, size, 1f, true)], size, PolicyKind.Mlp);

    /// <summary>The policy <paramref name="policy"/> means for <paramref name="space"/>.</summary>
    /// <param name="space">The observation space.</param>
    /// <param name="policy">The asked-for policy; Auto picks from the space.</param>
    /// <returns>The resolved policy.</returns>
    /// <exception cref="ArgumentException">The policy does not fit the space (CnnPolicy without an image, MultiInputPolicy without a Dict, a Dict without MultiInputPolicy).</exception>
    public static PolicyKind Resolve(Space space, PolicyKind policy)
    {
        ArgumentNullException.ThrowIfNull(space);
        var resolved = policy != PolicyKind.Auto ? policy : space switch
        {
            Dict => PolicyKind.MultiInput,
            Box { IsImage: true } => PolicyKind.Cnn,
            _ => PolicyKind.Mlp,
        };
        return (resolved, space) switch
        {
            (PolicyKind.MultiInput, not Dict) => throw new ArgumentException($"MultiInputPolicy reads a Dict observation space; this env observes {space}. Use MlpPolicy{(space is Box { IsImage: true } ? " or CnnPolicy" : string.Empty)}."),
            (not PolicyKind.MultiInput, Dict) => throw new ArgumentException($"a Dict observation space ({space}) needs MultiInputPolicy, as in Stable-Baselines3."),
            (PolicyKind.Cnn, Box { IsImage: false } or not Box) => throw new ArgumentException($"CnnPolicy reads images (a uint8 Box of shape [H, W, C] with bounds 0 and 255); this env observes {space}. Use MlpPolicy."),
            _ => resolved,
        };
    }

    /// <summary>The encoding of <paramref name="space"/> under <paramref name="policy"/>.</summary>
    /// <param name="space">The observation space.</param>
    /// <param name="policy">The policy; Auto picks from the space.</param>
    /// <param name="featuresDim">Width of each CNN's output; 0 for Stable-Baselines3's default (512 for CnnPolicy, 256 per image key for MultiInputPolicy).</param>
    /// <returns>The encoding.</returns>
    /// <exception cref="ArgumentException">The policy does not fit the space, or an image is too small for NatureCNN.</exception>
    public static ObservationEncoding For(Space space, PolicyKind policy, int featuresDim = 0)
    {
        var resolved = Resolve(space, policy);
        ArgumentOutOfRangeException.ThrowIfNegative(featuresDim);
        var cnn = featuresDim > 0 ? featuresDim : resolved == PolicyKind.MultiInput ? CombinedCnnFeatures : NatureCnnFeatures;
        var parts = space is Dict dict
            ? dict.Entries.Select(e => Part(e.Key, e.Offset, e.Space, resolved, cnn)).ToList()
            : [Part(null, 0, space, resolved, cnn)];
        return new ObservationEncoding(parts, space.FlatSize, resolved);
    }

    /// <summary>
    /// Writes the features of <paramref name="count"/> observations (what the .NET engine's first layer
    /// reads). Images are the CNN's, which this does not compute.
    /// </summary>
    /// <param name="observations">count x <see cref="InputSize"/> floats.</param>
    /// <param name="count">Number of observations.</param>
    /// <param name="features">Receives count x <see cref="FeatureSize"/> floats.</param>
    /// <exception cref="InvalidOperationException">A part is an image.</exception>
    public void Encode(ReadOnlySpan<float> observations, int count, Span<float> features)
    {
        for (var i = 0; i < count; i++)
        {
            var source = observations.Slice(i * InputSize, InputSize);
            var target = features.Slice(i * FeatureSize, FeatureSize);
            var at = 0;
            foreach (var part in Parts)
            {
                var values = source.Slice(part.Offset, part.Size);
                switch (part)
                {
                    case PassThroughPart p:
                        for (var j = 0; j < p.Size; j++)
                        {
                            target[at + j] = values[j] * p.Scale;
                        }

                        break;
                    case OneHotPart h:
                        var block = target.Slice(at, h.Width);
                        block.Clear();
                        var first = 0;
                        for (var k = 0; k < h.Counts.Count; k++)
                        {
                            block[first + Math.Clamp((int)values[k] - h.Start, 0, h.Counts[k] - 1)] = 1f;
                            first += h.Counts[k];
                        }

                        break;
                    default:
                        throw new InvalidOperationException($"{part.Name} is an image: its features come from NatureCNN, which the torch engine computes.");
                }

                at += part.Width;
            }
        }
    }

    /// <summary>Per flat component, whether VecNormalize-style statistics apply: float Box values only, as Stable-Baselines3 normalizes.</summary>
    /// <returns>A mask of <see cref="InputSize"/> flags.</returns>
    public bool[] NormalizableMask()
    {
        var mask = new bool[InputSize];
        foreach (var part in Parts.OfType<PassThroughPart>().Where(p => p.Normalizable))
        {
            Array.Fill(mask, true, part.Offset, part.Size);
        }

        return mask;
    }

    private static FeaturePart Part(string? key, int offset, Space space, PolicyKind policy, int cnnFeatures)
    {
        switch (space)
        {
            case Box { IsImage: true } image when policy != PolicyKind.Mlp:
                var (h, w, c) = (image.Shape[0], image.Shape[1], image.Shape[2]);
                if (h < ImagePart.MinimumSide || w < ImagePart.MinimumSide)
                {
                    var where = key is null ? "the observation" : $"key '{key}'";
                    throw new ArgumentException($"{where} is a {h}x{w} image; NatureCNN needs at least {ImagePart.MinimumSide}x{ImagePart.MinimumSide}. Use MlpPolicy for smaller images.");
                }

                return new ImagePart(key, offset, h, w, c, cnnFeatures);
            case Box box:
                return new PassThroughPart(key, offset, box.FlatSize, box.IsImage ? 1f / 255f : 1f, box.DType == BoxDType.Float32);
            case Discrete d:
                return new OneHotPart(key, offset, [d.N], d.Start);
            case MultiDiscrete m:
                return new OneHotPart(key, offset, m.Nvec, 0);
            case MultiBinary b:
                return new PassThroughPart(key, offset, b.N, 1f, false);
            default:
                throw new ArgumentException($"{space} observations are not supported; use Box, Discrete, MultiDiscrete, MultiBinary or a Dict of those.");
        }
    }
}
