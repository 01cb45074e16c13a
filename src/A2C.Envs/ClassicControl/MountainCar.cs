using A2C.Envs.Rendering;
using A2C.Envs.Spaces;

namespace A2C.Envs.ClassicControl;

/// <summary>
/// MountainCar-v0 as in Gymnasium 1.x (Moore, 1990): an under-powered car in a valley must rock
/// back and forth to climb the right hill. Actions: 0 push left, 1 no push, 2 push right.
/// Each step the velocity changes by the push and by gravity along the slope (-cos(3 position)),
/// is clipped to +-<see cref="MaxSpeed"/>, and is added to the position, which is clipped to
/// [<see cref="MinPosition"/>, <see cref="MaxPosition"/>]; hitting the left wall stops the car.
/// Reward -1 every step; terminated once position &gt;= 0.5 with velocity &gt;= 0.
/// State (float64): position, velocity; the observation is the state in float32.
/// </summary>
public sealed class MountainCar : PhysicalEnv, IRenderable
{
    /// <summary>Left end of the track (a wall).</summary>
    public const double MinPosition = MountainTrack.MinPosition;

    /// <summary>Right end of the track.</summary>
    public const double MaxPosition = MountainTrack.MaxPosition;

    /// <summary>Largest speed in either direction.</summary>
    public const double MaxSpeed = MountainTrack.MaxSpeed;

    /// <summary>Position at (or beyond) which the car has reached the flag.</summary>
    public const double GoalPosition = 0.5;

    /// <summary>Least velocity the car must have at the goal for the episode to terminate.</summary>
    public const double GoalVelocity = 0.0;

    /// <summary>Velocity change per step from pushing left or right.</summary>
    public const double Force = 0.001;

    /// <summary>Scale of gravity's pull along the slope, per step.</summary>
    public const double Gravity = MountainTrack.Gravity;

    /// <summary>Lower bound of the uniform starting position.</summary>
    public const double ResetLow = MountainTrack.ResetLow;

    /// <summary>Upper bound of the uniform starting position.</summary>
    public const double ResetHigh = MountainTrack.ResetHigh;

    /// <summary>Creates the environment; call Reset before stepping.</summary>
    public MountainCar()
        : base(
            "MountainCar-v0",
            MountainTrack.ObservationSpace(),
            new Discrete(3),
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
    protected override StepResult OnStep(int action, Span<float> observation)
    {
        // The push and the slope term are summed first, then added to the velocity.
        MountainTrack.Drive(State, (action - 1) * Force + Math.Cos(3 * State[0]) * -Gravity);
        Observe(observation);

        var (position, velocity) = (State[0], State[1]);
        var terminated = position >= GoalPosition && velocity >= GoalVelocity;
        return new StepResult(-1.0, terminated, false);
    }
}
