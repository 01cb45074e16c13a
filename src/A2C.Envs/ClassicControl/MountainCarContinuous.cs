using A2C.Envs.Rendering;
using A2C.Envs.Spaces;

namespace A2C.Envs.ClassicControl;

/// <summary>
/// MountainCarContinuous-v0 as in Gymnasium 1.x: the mountain car with a continuous push in
/// [-1, 1] (larger actions act as +-1) scaled by <see cref="Power"/>. The velocity gains
/// force * power - 0.0025 cos(3 position), is clipped to +-<see cref="MaxSpeed"/>, and moves the
/// position, which is clipped to the track; hitting the left wall stops the car. Terminated once
/// position &gt;= 0.45 with velocity &gt;= 0. Reward: 100 on the terminating step, minus
/// 0.1 action^2 every step, where (as in Gymnasium) the penalty squares the action as given,
/// before clipping. State: position, velocity, computed in float64 within a step and rounded to
/// float32 at its end, as Gymnasium stores it (the reset state stays float64 until the first step);
/// the observation is the state in float32.
/// </summary>
public sealed class MountainCarContinuous : PhysicalEnv, IRenderable
{
    /// <summary>Smallest effective action; lower actions act as this.</summary>
    public const double MinAction = -1.0;

    /// <summary>Largest effective action; higher actions act as this.</summary>
    public const double MaxAction = 1.0;

    /// <summary>Left end of the track (a wall).</summary>
    public const double MinPosition = MountainTrack.MinPosition;

    /// <summary>Right end of the track.</summary>
    public const double MaxPosition = MountainTrack.MaxPosition;

    /// <summary>Largest speed in either direction.</summary>
    public const double MaxSpeed = MountainTrack.MaxSpeed;

    /// <summary>Position at (or beyond) which the car has reached the flag.</summary>
    public const double GoalPosition = 0.45;

    /// <summary>Least velocity the car must have at the goal for the episode to terminate.</summary>
    public const double GoalVelocity = 0.0;

    /// <summary>Velocity change per step per unit of (clipped) action.</summary>
    public const double Power = 0.0015;

    /// <summary>Scale of gravity's pull along the slope, per step.</summary>
    public const double Gravity = MountainTrack.Gravity;

    /// <summary>Reward added on the step that reaches the goal.</summary>
    public const double GoalReward = 100.0;

    /// <summary>Coefficient of the squared (unclipped) action in the per-step penalty.</summary>
    public const double ActionCost = 0.1;

    /// <summary>Lower bound of the uniform starting position.</summary>
    public const double ResetLow = MountainTrack.ResetLow;

    /// <summary>Upper bound of the uniform starting position.</summary>
    public const double ResetHigh = MountainTrack.ResetHigh;

    /// <summary>Creates the environment; call Reset before stepping.</summary>
    public MountainCarContinuous()
        : base(
            "MountainCarContinuous-v0",
            MountainTrack.ObservationSpace(),
            new Box((float)MinAction, (float)MaxAction, 1),
            MountainTrack.StateNames)
    {
    }

    /// <inheritdoc />
    public int RenderWidth => MountainTrack.ScreenWidth;

    /// <inheritdoc />
    public int RenderHeight => MountainTrack.ScreenHeight;

    /// <inheritdoc />
    public int RenderFps => MountainTrack.RenderFps;

    /// <inheritdoc />
    public Scene Render() => MountainTrack.Render(State[0], GoalPosition);

    /// <inheritdoc />
    public override void Observe(Span<float> observation) => MountainTrack.Observe(State, observation);

    /// <inheritdoc />
    protected override bool SeedsAsGymnasium => true;

    /// <inheritdoc />
    protected override void OnReset(Span<float> observation)
    {
        MountainTrack.Reset(Random, State);
        Observe(observation);
    }

    /// <inheritdoc />
    protected override StepResult OnStep(ReadOnlySpan<float> action, Span<float> observation)
    {
        double raw = action[0];
        var force = Math.Min(Math.Max(raw, MinAction), MaxAction);
        MountainTrack.Drive(State, force * Power - Gravity * Math.Cos(3 * State[0]));

        var (position, velocity) = (State[0], State[1]);
        var terminated = position >= GoalPosition && velocity >= GoalVelocity;

        // Gymnasium keeps this car's state as float32 between steps (self.state = np.array(..., dtype=np.float32)),
        // after testing the goal on the float64 values; the next step starts from the rounded ones.
        State[0] = (float)position;
        State[1] = (float)velocity;
        Observe(observation);
        var reward = (terminated ? GoalReward : 0.0) - raw * raw * ActionCost;
        return new StepResult(reward, terminated, false);
    }
}
