namespace A2C.Envs.Wrappers;

/// <summary>
/// Ends episodes after a number of steps by setting <c>truncated</c>, as Gymnasium's
/// <c>TimeLimit</c>: the step that reaches the limit is truncated (and may also be terminated).
/// The count restarts at every reset.
/// </summary>
public sealed class TimeLimit : Wrapper
{
    /// <summary>Wraps <paramref name="inner"/> with a limit of <paramref name="maxEpisodeSteps"/> steps.</summary>
    /// <param name="inner">The environment.</param>
    /// <param name="maxEpisodeSteps">Steps per episode, at least 1.</param>
    public TimeLimit(IEnv inner, int maxEpisodeSteps)
        : base(inner)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEpisodeSteps, 1);
        MaxEpisodeSteps = maxEpisodeSteps;
    }

    /// <summary>The limit.</summary>
    public int MaxEpisodeSteps { get; }

    /// <summary>Steps taken since the last reset.</summary>
    public int ElapsedSteps { get; private set; }

    /// <inheritdoc />
    public override void Reset(Span<float> observation, int? seed = null)
    {
        Inner.Reset(observation, seed);
        ElapsedSteps = 0;
    }

    /// <inheritdoc />
    public override StepResult Step(int action, Span<float> observation)
    {
        RequireWithinLimit();
        return Count(Inner.Step(action, observation));
    }

    /// <inheritdoc />
    public override StepResult Step(ReadOnlySpan<float> action, Span<float> observation)
    {
        RequireWithinLimit();
        return Count(Inner.Step(action, observation));
    }

    /// <inheritdoc />
    public override StepResult Step(ReadOnlySpan<int> action, Span<float> observation)
    {
        RequireWithinLimit();
        return Count(Inner.Step(action, observation));
    }

    /// <inheritdoc />
    protected override long[] SaveWrapperState() => [ElapsedSteps];

    /// <inheritdoc />
    protected override void LoadWrapperState(ReadOnlySpan<long> state)
    {
        if (state.Length != 1 || state[0] < 0 || state[0] > MaxEpisodeSteps)
        {
            throw new ArgumentException($"{Name}: not a snapshot of a {MaxEpisodeSteps}-step time limit.", nameof(state));
        }

        ElapsedSteps = (int)state[0];
    }

    // The inner environment does not know its episode was truncated; the wrapper holds that line.
    private void RequireWithinLimit()
    {
        if (ElapsedSteps >= MaxEpisodeSteps)
        {
            throw new InvalidOperationException($"{Name}: Step was called after the episode was truncated at {MaxEpisodeSteps} steps; call Reset first.");
        }
    }

    private StepResult Count(StepResult result)
    {
        ElapsedSteps++;
        return ElapsedSteps >= MaxEpisodeSteps ? result with { Truncated = true } : result;
    }
}
