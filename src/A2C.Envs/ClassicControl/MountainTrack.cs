using A2C.Envs.Spaces;

namespace A2C.Envs.ClassicControl;

/// <summary>
/// The track both mountain cars drive on, as Gymnasium's two implementations share it: bounds,
/// gravity, the reset distribution, and the order of the update after the push (clip the velocity,
/// move, clip the position, stop at the left wall). State: position, velocity.
/// </summary>
internal static class MountainTrack
{
    public const double MinPosition = -1.2;
    public const double MaxPosition = 0.6;
    public const double MaxSpeed = 0.07;
    public const double Gravity = 0.0025;
    public const double ResetLow = -0.6;
    public const double ResetHigh = -0.4;

    public static readonly string[] StateNames = ["position", "velocity"];

    public static Box ObservationSpace() =>
        new([(float)MinPosition, (float)-MaxSpeed], [(float)MaxPosition, (float)MaxSpeed]);

    public static void Reset(Rng rng, double[] state)
    {
        state[0] = rng.Uniform(ResetLow, ResetHigh);
        state[1] = 0.0;
    }

    public static void Observe(double[] state, Span<float> observation)
    {
        observation[0] = (float)state[0];
        observation[1] = (float)state[1];
    }

    /// <summary>Adds <paramref name="velocityChange"/> (push and slope) and moves the car one step.</summary>
    public static void Drive(double[] state, double velocityChange)
    {
        var velocity = Math.Clamp(state[1] + velocityChange, -MaxSpeed, MaxSpeed);
        var position = Math.Clamp(state[0] + velocity, MinPosition, MaxPosition);
        if (position == MinPosition && velocity < 0)
        {
            velocity = 0.0;
        }

        state[0] = position;
        state[1] = velocity;
    }
}
