using A2C.Envs.Spaces;

namespace A2C.Envs.Toy;

/// <summary>
/// Identity-v0, a test environment with a known optimal policy (after Stable-Baselines3's
/// <c>IdentityEnv</c>): each step shows one of <see cref="Size"/> states as a one-hot vector;
/// the action that names the state pays 1, any other 0; the next state is drawn uniformly.
/// The optimal policy is <c>argmax(observation)</c>, worth 1 per step. Never terminates; the
/// registry's time limit ends episodes.
/// </summary>
public sealed class Identity : Env
{
    private int _state;

    /// <summary>Creates the environment with <paramref name="size"/> states and actions.</summary>
    /// <param name="size">Number of states, at least 2.</param>
    public Identity(int size = 4)
        : base("Identity-v0", new Box(0f, 1f, ValidSize(size)), new Discrete(size)) => Size = size;

    /// <summary>Number of states and actions.</summary>
    public int Size { get; }

    /// <inheritdoc />
    protected override void OnReset(Span<float> observation) => Draw(observation);

    /// <inheritdoc />
    protected override StepResult OnStep(int action, Span<float> observation)
    {
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
public sealed class IdentityContinuous : Env
{
    /// <summary>How close the action must be to the observation to be paid.</summary>
    public const double Tolerance = 0.05;

    private float _state;

    /// <summary>Creates the environment.</summary>
    public IdentityContinuous()
        : base("IdentityContinuous-v0", new Box(-1f, 1f, 1), new Box(-1f, 1f, 1))
    {
    }

    /// <inheritdoc />
    protected override void OnReset(Span<float> observation) => Draw(observation);

    /// <inheritdoc />
    protected override StepResult OnStep(ReadOnlySpan<float> action, Span<float> observation)
    {
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
