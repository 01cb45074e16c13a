using A2C.Envs.Rendering;
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
public sealed class Pendulum : PhysicalEnv, IRenderable
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

    /// <summary>Side of the square frame, pixels (Gymnasium's screen_dim).</summary>
    public const int ScreenDim = 500;

    /// <summary>Pixels per metre: the frame spans 2.2 m on every side of the pivot.</summary>
    public const double Scale = ScreenDim / (2.2 * 2);

    private const double TwoPi = 2 * Math.PI;

    /// <summary>The torque of the last step, clipped (Gymnasium's last_u); null after a reset.</summary>
    private double? _lastTorque;

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

    /// <summary>The rod's colour.</summary>
    public static Rgb RodColour => new(204, 77, 77);

    /// <inheritdoc />
    public int RenderWidth => ScreenDim;

    /// <inheritdoc />
    public int RenderHeight => ScreenDim;

    /// <inheritdoc />
    public int RenderFps => 30;

    /// <inheritdoc />
    /// <remarks>
    /// As Gymnasium draws it: the rod (1 m by 0.2 m, turned by theta + pi/2 from the pivot, so
    /// theta = 0 points up) with discs at both ends, the torque of the last step, and the black axle.
    /// Gymnasium shows the torque by pasting an image of a clockwise arrow (mirrored for a positive
    /// torque) scaled to a square of scale |u| / 2 pixels; there is no image here, so an arrow of the
    /// same size, place and sense is drawn: three quarters of a circle ending in a head.
    /// </remarks>
    public Scene Render()
    {
        var canvas = new PygameCanvas(ScreenDim, ScreenDim);
        const double offset = ScreenDim / 2;
        const double rodLength = 1 * Scale;
        const double rodWidth = 0.2 * Scale;
        var angle = State[0] + (Math.PI / 2);
        var (left, right, top, bottom) = (0.0, rodLength, rodWidth / 2, -rodWidth / 2);
        var rod = new[] { (left, bottom), (left, top), (right, top), (right, bottom) }
            .Select(c => PygameCanvas.Rotate(c.Item1, c.Item2, angle))
            .Select(c => (c.X + offset, c.Y + offset))
            .ToArray();
        canvas.Polygon(RodColour, rod);
        canvas.Circle(RodColour, offset, offset, PygameCanvas.Truncate(rodWidth / 2));
        var (endX, endY) = PygameCanvas.Rotate(rodLength, 0, angle);
        canvas.Circle(RodColour, PygameCanvas.Truncate(endX + offset), PygameCanvas.Truncate(endY + offset), PygameCanvas.Truncate(rodWidth / 2));
        if (_lastTorque is { } u && u != 0)
        {
            TorqueArrow(canvas.Scene, canvas.Flip(offset, offset), Scale * Math.Abs(u) / 2, Math.Sign(u));
        }

        canvas.Circle(Rgb.Black, offset, offset, PygameCanvas.Truncate(0.05 * Scale));
        return canvas.Scene;
    }

    /// <inheritdoc />
    public override void Observe(Span<float> observation)
    {
        observation[0] = (float)Math.Cos(State[0]);
        observation[1] = (float)Math.Sin(State[0]);
        observation[2] = (float)State[1];
    }

    /// <inheritdoc />
    protected override bool SeedsAsGymnasium => true;

    /// <inheritdoc />
    protected override void OnReset(Span<float> observation)
    {
        State[0] = Random.Uniform(-ResetTheta, ResetTheta);
        State[1] = Random.Uniform(-ResetThetaDot, ResetThetaDot);
        _lastTorque = null;
        Observe(observation);
    }

    /// <inheritdoc />
    protected override StepResult OnStep(ReadOnlySpan<float> action, Span<float> observation)
    {
        var theta = State[0];
        var thetaDot = State[1];
        var u = Math.Clamp((double)action[0], -MaxTorque, MaxTorque);
        _lastTorque = u;

        var normalized = AngleNormalize(theta);
        var cost = normalized * normalized + 0.1 * (thetaDot * thetaDot) + 0.001 * (u * u);

        var newThetaDot = thetaDot + (3 * G / (2 * L) * Math.Sin(theta) + 3.0 / (M * L * L) * u) * Dt;
        newThetaDot = Math.Clamp(newThetaDot, -MaxSpeed, MaxSpeed);
        State[0] = theta + newThetaDot * Dt;
        State[1] = newThetaDot;
        Observe(observation);

        return new StepResult(-cost, false, false);
    }

    /// <summary>
    /// An arc of three quarters of a circle, inside a square of side <paramref name="side"/> about
    /// <paramref name="centre"/>, with a head at its end: counter-clockwise on screen for
    /// <paramref name="sense"/> +1 (a positive torque raises theta), clockwise for -1.
    /// </summary>
    private static void TorqueArrow(Scene scene, Point centre, double side, int sense)
    {
        var radius = side * 0.38;
        var width = Math.Max(1.0, side * 0.08);
        const int segments = 36;
        const double sweep = 1.5 * Math.PI;
        const double start = -0.25 * Math.PI;
        // On screen y grows downwards, so a counter-clockwise angle phi sits at (cos phi, -sin phi).
        Point At(double phi, double r) => new(centre.X + (r * Math.Cos(phi)), centre.Y - (r * Math.Sin(phi)));
        var arc = new Point[segments + 1];
        for (var i = 0; i <= segments; i++)
        {
            arc[i] = At(start + (sense * sweep * i / segments), radius);
        }

        scene.Line(Rgb.Black, width, arc);
        var end = start + (sense * sweep);
        var head = side * 0.16;
        // The head's tip lies ahead of the arc's end along its direction of travel.
        var tip = At(end + (sense * head / radius), radius);
        scene.Polygon(Rgb.Black, At(end, radius + head), tip, At(end, radius - head));
    }
}
