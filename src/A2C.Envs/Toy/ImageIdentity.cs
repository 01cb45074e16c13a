using A2C.Envs.Rendering;
using A2C.Envs.Spaces;

namespace A2C.Envs.Toy;

/// <summary>Draws the quadrant pictures the image test environments show.</summary>
internal static class Quadrants
{
    /// <summary>Side of the square grey image: NatureCNN's smallest input.</summary>
    public const int Side = 36;

    /// <summary>Paints quadrant <paramref name="quadrant"/> (0 top left, 1 top right, 2 bottom left, 3 bottom right) white on black, with faint noise elsewhere so that the picture is not a constant.</summary>
    public static void Paint(Span<float> image, int quadrant, Rng rng)
    {
        var half = Side / 2;
        for (var row = 0; row < Side; row++)
        {
            for (var column = 0; column < Side; column++)
            {
                var inside = (row >= half ? 2 : 0) + (column >= half ? 1 : 0) == quadrant;
                image[(row * Side) + column] = inside ? 255f : rng.NextInt(32);
            }
        }
    }
}

/// <summary>
/// ImageIdentity-v0 (after Stable-Baselines3's image test envs): each step shows a 36x36 grey uint8 image
/// (<c>Box(0, 255, (36, 36, 1), uint8)</c>) with one of its four quadrants lit; the action that names the
/// lit quadrant (0 top left, 1 top right, 2 bottom left, 3 bottom right) pays 1, any other 0. Learnable
/// by CnnPolicy in a few thousand steps.
/// </summary>
public sealed class ImageIdentity : Env, IRenderable
{
    private const int Zoom = 8;
    private readonly float[] _image = new float[Quadrants.Side * Quadrants.Side];
    private int _state;
    private int? _lastAction;

    /// <summary>Creates the environment.</summary>
    public ImageIdentity()
        : base("ImageIdentity-v0", Box.Image(Quadrants.Side, Quadrants.Side, 1), new Discrete(4))
    {
    }

    /// <inheritdoc />
    public int RenderWidth => Quadrants.Side * Zoom;

    /// <inheritdoc />
    public int RenderHeight => Quadrants.Side * Zoom;

    /// <inheritdoc />
    public int RenderFps => ToyScenes.Fps;

    /// <inheritdoc />
    /// <remarks>The image shown, eight screen pixels to one, with the quadrant the last action named outlined in blue.</remarks>
    public Scene Render()
    {
        var scene = new Scene(RenderWidth, RenderHeight, Rgb.Black);
        scene.Pixels(ToyScenes.GreyFrame(_image, Quadrants.Side, Quadrants.Side), -0.5, -0.5, RenderWidth, RenderHeight);
        if (_lastAction is { } a)
        {
            var half = RenderWidth / 2.0;
            var (left, top) = (a % 2 * half, a / 2 * half);
            var (l, t, r, b) = (left + 2, top + 2, left + half - 3, top + half - 3);
            scene.Line(ToyScenes.ActionColour, 4, new Point(l, t), new Point(r, t), new Point(r, b), new Point(l, b), new Point(l, t - 2));
        }

        return scene;
    }

    /// <inheritdoc />
    protected override void OnReset(Span<float> observation)
    {
        _lastAction = null;
        Draw(observation);
    }

    /// <inheritdoc />
    protected override StepResult OnStep(int action, Span<float> observation)
    {
        _lastAction = action;
        var reward = action == _state ? 1.0 : 0.0;
        Draw(observation);
        return new StepResult(reward, false, false);
    }

    /// <inheritdoc />
    protected override long[] SaveExtraState() => [_state];

    /// <inheritdoc />
    protected override void LoadExtraState(ReadOnlySpan<long> state)
    {
        if (state.Length != 1 || state[0] is < 0 or >= 4)
        {
            throw new ArgumentException($"{Name}: not a snapshot of this environment.", nameof(state));
        }

        _state = (int)state[0];
    }

    private void Draw(Span<float> observation)
    {
        _state = Random.NextInt(4);
        Quadrants.Paint(observation, _state, Random);
        observation[.._image.Length].CopyTo(_image);
    }
}

/// <summary>
/// SimpleMultiObs-v0 (after Stable-Baselines3's <c>SimpleMultiObsEnv</c>, which tests MultiInputPolicy):
/// a Dict observation of an image and a vector, <c>{'image': Box(0, 255, (36, 36, 1), uint8),
/// 'vec': Box(0, 1, (2,), float32)}</c>. The image is white or black all over (a bit b), the
/// vector is the one-hot of a bit v; of the four actions, v + 2b pays 1 and any other 0, so a
/// policy must read both keys (one alone is worth at most 1/2 per step; a random policy 1/4).
/// ImageIdentity-v0 tests the CNN's sight; this tests that both keys reach the policy.
/// </summary>
public sealed class SimpleMultiObs : Env, IRenderable
{
    private static readonly Dict _observations = new(("image", Box.Image(Quadrants.Side, Quadrants.Side, 1)), ("vec", new Box(0f, 1f, 2)));
    private int _number;
    private int _bit;
    private int? _lastAction;

    /// <summary>Creates the environment.</summary>
    public SimpleMultiObs()
        : base("SimpleMultiObs-v0", _observations, new Discrete(4))
    {
    }

    /// <summary>The action that pays in the current state.</summary>
    public int Answer => _number + (2 * _bit);

    /// <inheritdoc />
    public int RenderWidth => 300;

    /// <inheritdoc />
    public int RenderHeight => 170;

    /// <inheritdoc />
    public int RenderFps => ToyScenes.Fps;

    /// <inheritdoc />
    /// <remarks>The image (white or black all over) as a framed square, the vector as two cells,
    /// and the four actions as small cells with the last one blue.</remarks>
    public Scene Render()
    {
        var scene = new Scene(RenderWidth, RenderHeight, Rgb.White);
        const double side = Quadrants.Side * 4;
        ToyScenes.Cell(scene, ToyScenes.Margin - 2, ToyScenes.Margin - 2, side + 4, Rgb.Grey(160));
        ToyScenes.Cell(scene, ToyScenes.Margin, ToyScenes.Margin, side, _bit == 1 ? Rgb.White : Rgb.Black);
        const double right = (2 * ToyScenes.Margin) + side + 4;
        for (var k = 0; k < 2; k++)
        {
            ToyScenes.Cell(scene, right + (k * ToyScenes.CellPitch), ToyScenes.Margin, ToyScenes.CellSide, ToyScenes.Shade(k == _number ? 1 : 0));
        }

        for (var a = 0; a < 4; a++)
        {
            ToyScenes.Cell(scene, right + (a * 30), 110, 25, a == _lastAction ? ToyScenes.ActionColour : Rgb.Grey(230));
        }

        return scene;
    }

    /// <inheritdoc />
    protected override void OnReset(Span<float> observation)
    {
        _lastAction = null;
        Draw(observation);
    }

    /// <inheritdoc />
    protected override StepResult OnStep(int action, Span<float> observation)
    {
        _lastAction = action;
        var reward = action == Answer ? 1.0 : 0.0;
        Draw(observation);
        return new StepResult(reward, false, false);
    }

    /// <inheritdoc />
    protected override long[] SaveExtraState() => [_number, _bit];

    /// <inheritdoc />
    protected override void LoadExtraState(ReadOnlySpan<long> state)
    {
        if (state.Length != 2 || state[0] is < 0 or >= 2 || state[1] is < 0 or >= 2)
        {
            throw new ArgumentException($"{Name}: not a snapshot of this environment.", nameof(state));
        }

        (_number, _bit) = ((int)state[0], (int)state[1]);
    }

    private void Draw(Span<float> observation)
    {
        _number = Random.NextInt(2);
        _bit = Random.NextInt(2);
        var image = _observations.Entry("image");
        var pixels = observation.Slice(image.Offset, image.Space.FlatSize);
        pixels.Fill(_bit == 1 ? 255f : 0f);

        var vec = observation.Slice(_observations.Entry("vec").Offset, 2);
        vec.Clear();
        vec[_number] = 1f;
    }
}
