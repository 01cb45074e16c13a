using A2C.Envs.Spaces;

namespace A2C.Envs.ClassicControl;

/// <summary>
/// Pendulum-v1 as in Gymnasium 1.x: swing a pendulum up and hold it upright (theta = 0) with a
/// torque in [-2, 2] (larger torques act as +-2). Each step costs
/// normalized(theta)^2 + 0.1 theta_dot^2 + 0.001 torque^2, taken before the update, and the reward
/// is minus that cost. Semi-implicit Euler over <see cref="Dt"/>: the angular velocity is updated
/// and clipped to +-<see cref="MaxSpeed"/> first, then moves the angle. Never terminates.
/// State (float64): theta (not wrapped), theta_dot; the observation is
/// [cos theta, sin theta, theta_dot] in float32.
/// </summary>
public sealed class Pendulum : PhysicalEnv
{
    /// <summary>Largest angular speed, rad/s.</summary>
    public const double MaxSpeed = 8.0;

    /// <summary>Largest torque magnitude, N m; larger actions act as this.</summary>
    public const double MaxTorque = 2.0;

    /// <summary>Seconds between state updates.</summary>
    public const double Dt = 0.05;

    /// <summary>Gravity, m/s^2.</summary>
    public const double G = 10.0;

    /// <summary>Mass of the pendulum, kg.</summary>
    public const double M = 1.0;

    /// <summary>Length of the pendulum, m.</summary>
    public const double L = 1.0;

    /// <summary>Starting angles are uniform in [-ResetTheta, ResetTheta].</summary>
    public const double ResetTheta = Math.PI;

    /// <summary>Starting angular velocities are uniform in [-ResetThetaDot, ResetThetaDot].</summary>
    public const double ResetThetaDot = 1.0;

    private const double TwoPi = 2 * Math.PI;

    /// <summary>Creates the environment; call Reset before stepping.</summary>
    public Pendulum()
        : base(
            "Pendulum-v1",
            new Box([-1f, -1f, (float)-MaxSpeed], [1f, 1f, (float)MaxSpeed]),
            new Box((float)-MaxTorque, (float)MaxTorque, 1),
            "theta",
            "theta_dot")
    {
    }

    /// <summary>
    /// Wraps an angle as ((x + pi) mod 2 pi) - pi with a floored modulo (the result's sign follows
    /// the divisor, as Python's and NumPy's %), so the result lies in [-pi, pi) for negative x too.
    /// </summary>
    /// <param name="x">Angle in radians.</param>
    /// <returns>The equivalent angle in [-pi, pi) (pi itself only through rounding).</returns>
    public static double AngleNormalize(double x)
    {
        // C#'s % is truncated (fmod); shift a negative remainder up by the divisor to floor it.
        var r = (x + Math.PI) % TwoPi;
        if (r < 0)
        {
            r += TwoPi;
        }

        return r - Math.PI;
    }

    /// <inheritdoc />
    public override void Observe(Span<float> observation)
    {
        observation[0] = (float)Math.Cos(State[0]);
        observation[1] = (float)Math.Sin(State[0]);
        observation[2] = (float)State[1];
    }

    /// <inheritdoc />
    protected override void OnReset(Span<float> observation)
    {
        State[0] = Random.Uniform(-ResetTheta, ResetTheta);
        State[1] = Random.Uniform(-ResetThetaDot, ResetThetaDot);
        Observe(observation);
    }

    /// <inheritdoc />
    protected override StepResult OnStep(ReadOnlySpan<float> action, Span<float> observation)
    {
        var theta = State[0];
        var thetaDot = State[1];
        var u = Math.Clamp((double)action[0], -MaxTorque, MaxTorque);

        var normalized = AngleNormalize(theta);
        var cost = normalized * normalized + 0.1 * (thetaDot * thetaDot) + 0.001 * (u * u);

        var newThetaDot = thetaDot + (3 * G / (2 * L) * Math.Sin(theta) + 3.0 / (M * L * L) * u) * Dt;
        newThetaDot = Math.Clamp(newThetaDot, -MaxSpeed, MaxSpeed);
        State[0] = theta + newThetaDot * Dt;
        State[1] = newThetaDot;
        Observe(observation);

        return new StepResult(-cost, false, false);
    }
}
