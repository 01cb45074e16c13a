using A2C.Envs.Rendering;
using A2C.Envs.Spaces;

namespace A2C.Envs.Toy;

/// <summary>
/// IdentityMultiDiscrete-v0 (after Stable-Baselines3's <c>IdentityEnvMultiDiscrete</c>): the observation
/// is a state of <c>MultiDiscrete([3, 4])</c>; an action that repeats every choice pays 1, any other 0;
/// the next state is drawn uniformly. Optimal: action = observation, 1 per step (a random policy
/// earns 1/12).
/// </summary>
public sealed class IdentityMultiDiscrete : Env, IRenderable
{
    private readonly int[] _state = new int[2];
    private int[]? _lastAction;

    /// <summary>Creates the environment.</summary>
    public IdentityMultiDiscrete()
        : base("IdentityMultiDiscrete-v0", new MultiDiscrete(3, 4), new MultiDiscrete(3, 4))
    {
    }

    /// <inheritdoc />
    public int RenderWidth => ToyScenes.WidthFor(4);

    /// <inheritdoc />
    public int RenderHeight => 170;

    /// <inheritdoc />
    public int RenderFps => ToyScenes.Fps;

    /// <inheritdoc />
    /// <remarks>One row of cells a choice (3, then 4), the chosen cell black, the last action's choice marked below it.</remarks>
    public Scene Render()
    {
        var scene = new Scene(RenderWidth, RenderHeight, Rgb.White);
        int[] sizes = [3, 4];
        for (var row = 0; row < 2; row++)
        {
            var values = new double[sizes[row]];
            values[_state[row]] = 1;
            var chosen = _lastAction?[row];
            ToyScenes.Row(scene, ToyScenes.Margin + (row * 80), values, k => k == chosen);
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
    protected override StepResult OnStep(ReadOnlySpan<int> action, Span<float> observation)
    {
        _lastAction = action.ToArray();
        var reward = action.SequenceEqual(_state) ? 1.0 : 0.0;
        Draw(observation);
        return new StepResult(reward, false, false);
    }

    /// <inheritdoc />
    protected override long[] SaveExtraState() => [_state[0], _state[1]];

    /// <inheritdoc />
    protected override void LoadExtraState(ReadOnlySpan<long> state)
    {
        if (state.Length != 2 || state[0] is < 0 or >= 3 || state[1] is < 0 or >= 4)
        {
            throw new ArgumentException($"{Name}: not a snapshot of this environment.", nameof(state));
        }

        (_state[0], _state[1]) = ((int)state[0], (int)state[1]);
    }

    private void Draw(Span<float> observation)
    {
        ObservationSpace.Sample(Random, observation);
        _state[0] = (int)observation[0];
        _state[1] = (int)observation[1];
    }
}

/// <summary>
/// IdentityMultiBinary-v0 (after Stable-Baselines3's <c>IdentityEnvMultiBinary</c>): the observation is
/// four switches of <c>MultiBinary(4)</c>; an action that sets every switch as shown pays 1, any other 0.
/// Optimal: action = observation (a random policy earns 1/16).
/// </summary>
public sealed class IdentityMultiBinary : Env, IRenderable
{
    private const int Switches = 4;
    private readonly int[] _state = new int[Switches];
    private int[]? _lastAction;

    /// <summary>Creates the environment.</summary>
    public IdentityMultiBinary()
        : base("IdentityMultiBinary-v0", new MultiBinary(Switches), new MultiBinary(Switches))
    {
    }

    /// <inheritdoc />
    public int RenderWidth => ToyScenes.WidthFor(Switches);

    /// <inheritdoc />
    public int RenderHeight => 90;

    /// <inheritdoc />
    public int RenderFps => ToyScenes.Fps;

    /// <inheritdoc />
    /// <remarks>The four switches as cells (on black), each switch the last action set on marked below it.</remarks>
    public Scene Render()
    {
        var scene = new Scene(RenderWidth, RenderHeight, Rgb.White);
        var values = _state.Select(b => (double)b).ToArray();
        var last = _lastAction;
        ToyScenes.Row(scene, ToyScenes.Margin, values, k => last is not null && last[k] == 1);
        return scene;
    }

    /// <inheritdoc />
    protected override void OnReset(Span<float> observation)
    {
        _lastAction = null;
        Draw(observation);
    }

    /// <inheritdoc />
    protected override StepResult OnStep(ReadOnlySpan<int> action, Span<float> observation)
    {
        _lastAction = action.ToArray();
        var reward = action.SequenceEqual(_state) ? 1.0 : 0.0;
        Draw(observation);
        return new StepResult(reward, false, false);
    }

    /// <inheritdoc />
    protected override long[] SaveExtraState() => _state.Select(b => (long)b).ToArray();

    /// <inheritdoc />
    protected override void LoadExtraState(ReadOnlySpan<long> state)
    {
        if (state.Length != Switches || state.ToArray().Any(b => b is not (0 or 1)))
        {
            throw new ArgumentException($"{Name}: not a snapshot of this environment.", nameof(state));
        }

        for (var k = 0; k < Switches; k++)
        {
            _state[k] = (int)state[k];
        }
    }

    private void Draw(Span<float> observation)
    {
        ObservationSpace.Sample(Random, observation);
        for (var k = 0; k < Switches; k++)
        {
            _state[k] = (int)observation[k];
        }
    }
}
