using A2C.Envs.Rendering;
using A2C.Envs.Spaces;

namespace A2C.Envs.Toy;

/// <summary>
/// Identity-v0, a test environment with a known optimal policy (after Stable-Baselines3's
/// <c>IdentityEnv</c>): each step shows one of <see cref="Size"/> states as a one-hot vector;
/// the action that names the state pays 1, any other 0; the next state is drawn uniformly.
/// The optimal policy is <c>argmax(observation)</c>, worth 1 per step. Never terminates; the
/// registry's time limit ends episodes.
/// </summary>
public sealed class Identity : Env, IRenderable
{
    private int _state;
    private int? _lastAction;

    /// <summary>Creates the environment with <paramref name="size"/> states and actions.</summary>
    /// <param name="size">Number of states, at least 2.</param>
    public Identity(int size = 4)
        : base("Identity-v0", new Box(0f, 1f, ValidSize(size)), new Discrete(size)) => Size = size;

    /// <summary>Number of states and actions.</summary>
    public int Size { get; }

    /// <inheritdoc />
    public int RenderWidth => ToyScenes.WidthFor(Size);

    /// <inheritdoc />
    public int RenderHeight => 90;

    /// <inheritdoc />
    public int RenderFps => ToyScenes.Fps;

    /// <inheritdoc />
    /// <remarks>The one-hot observation as a row of cells (the shown state black), the last action marked below its cell.</remarks>
    public Scene Render()
    {
        var scene = new Scene(RenderWidth, RenderHeight, Rgb.White);
        var values = new double[Size];
        values[_state] = 1;
        ToyScenes.Row(scene, ToyScenes.Margin, values, k => k == _lastAction);
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
        if (state.Length != 1 || state[0] < 0 || state[0] >= Size)
        {
            throw new ArgumentException($"{Name}: not a snapshot of this environment.", nameof(state));
        }

        _state = (int)state[0];
    }

    private static int ValidSize(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 2);
        return size;
    }

    private void Draw(Span<float> observation)
    {
        _state = Random.NextInt(Size);
        observation.Clear();
        observation[_state] = 1f;
    }
}

/// <summary>
/// IdentityContinuous-v0 (after Stable-Baselines3's <c>IdentityEnvBox</c>): the observation is a
/// number in [-1, 1]; an action within <see cref="Tolerance"/> of it pays 1, any other 0; the next
/// number is drawn uniformly. The optimal policy is <c>action = observation</c>.
/// </summary>
public sealed class IdentityContinuous : Env, IRenderable
{
    /// <summary>How close the action must be to the observation to be paid.</summary>
    public const double Tolerance = 0.05;

    private float _state;
    private float? _lastAction;

    /// <summary>Creates the environment.</summary>
    public IdentityContinuous()
        : base("IdentityContinuous-v0", new Box(-1f, 1f, 1), new Box(-1f, 1f, 1))
    {
    }

    /// <inheritdoc />
    public int RenderWidth => 400;

    /// <inheritdoc />
    public int RenderHeight => 100;

    /// <inheritdoc />
    public int RenderFps => ToyScenes.Fps;

    /// <inheritdoc />
    /// <remarks>The line from -1 to 1, the number shown as a black disc with its tolerance as a grey
    /// band, and the last action as a blue tick.</remarks>
    public Scene Render()
    {
        var scene = new Scene(RenderWidth, RenderHeight, Rgb.White);
        static double X(double v) => 200 + (Math.Clamp(v, -1.2, 1.2) * 170);
        scene.Line(Rgb.Grey(160), 2, new Point(X(-1), 50), new Point(X(1), 50));
        scene.Line(Rgb.Grey(200), 10, new Point(X(_state - Tolerance), 50), new Point(X(_state + Tolerance), 50));
        scene.Circle(Rgb.Black, new Point(X(_state), 50), 6);
        if (_lastAction is { } a)
        {
            scene.Line(ToyScenes.ActionColour, 3, new Point(X(a), 25), new Point(X(a), 75));
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
    protected override StepResult OnStep(ReadOnlySpan<float> action, Span<float> observation)
    {
        _lastAction = action[0];
        var reward = Math.Abs(action[0] - (double)_state) <= Tolerance ? 1.0 : 0.0;
        Draw(observation);
        return new StepResult(reward, false, false);
    }

    /// <inheritdoc />
    protected override long[] SaveExtraState() => [BitConverter.SingleToInt32Bits(_state)];

    /// <inheritdoc />
    protected override void LoadExtraState(ReadOnlySpan<long> state)
    {
        if (state.Length != 1)
        {
            throw new ArgumentException($"{Name}: not a snapshot of this environment.", nameof(state));
        }

        _state = BitConverter.Int32BitsToSingle((int)state[0]);
    }

    private void Draw(Span<float> observation)
    {
        _state = (float)Random.Uniform(-1, 1);
        observation[0] = _state;
    }
}
