using A2C.Envs.Rendering;
using A2C.Envs.Spaces;

namespace A2C.Envs.ClassicControl;

/// <summary>
/// Acrobot-v1 as in Gymnasium 1.x (Sutton's two-link underactuated pendulum, with the dynamics of
/// Sutton and Barto's book): a torque of -1, 0 or +1 (actions 0, 1, 2) at the joint between the links
/// must swing the tip above the target height. One classic fourth-order Runge-Kutta step over
/// dt = 0.2 s with the torque held constant; afterwards the angles are wrapped into [-pi, pi] and the
/// angular velocities bounded to +-4 pi and +-9 pi. Reward -1 for every step that does not reach the
/// target and 0 for the one that does; terminated when -cos(theta1) - cos(theta1 + theta2) &gt; 1.
/// State (float64): theta1 (0 is hanging straight down), theta2 (relative to the first link),
/// dtheta1, dtheta2; the observation is cos theta1, sin theta1, cos theta2, sin theta2, dtheta1,
/// dtheta2 in float32.
/// </summary>
public sealed class Acrobot : PhysicalEnv, IRenderable
{
    /// <summary>Gravity, m/s^2.</summary>
    public const double Gravity = 9.8;

    /// <summary>Length of the first (fixed-end) link, m.</summary>
    public const double LinkLength1 = 1.0;

    /// <summary>Length of the second link, m. The dynamics do not use it; it only sets the tip's reach.</summary>
    public const double LinkLength2 = 1.0;

    /// <summary>Mass of the first link, kg.</summary>
    public const double LinkMass1 = 1.0;

    /// <summary>Mass of the second link, kg.</summary>
    public const double LinkMass2 = 1.0;

    /// <summary>Distance from the fixed joint to the first link's centre of mass, m.</summary>
    public const double LinkComPosition1 = 0.5;

    /// <summary>Distance from the middle joint to the second link's centre of mass, m.</summary>
    public const double LinkComPosition2 = 0.5;

    /// <summary>Moment of inertia of each link, kg m^2.</summary>
    public const double LinkMomentOfInertia = 1.0;

    /// <summary>Bound on |dtheta1|: 4 pi rad/s.</summary>
    public const double MaxVelocity1 = 4 * Math.PI;

    /// <summary>Bound on |dtheta2|: 9 pi rad/s.</summary>
    public const double MaxVelocity2 = 9 * Math.PI;

    /// <summary>Seconds integrated per step.</summary>
    public const double Dt = 0.2;

    /// <summary>Half-width of the uniform reset distribution of every state component.</summary>
    public const double ResetBound = 0.1;

    /// <summary>Height of the tip above the fixed joint, in link lengths, beyond which the episode terminates.</summary>
    public const double TargetHeight = 1.0;

    /// <summary>Side of the square frame, pixels (Gymnasium's SCREEN_DIM).</summary>
    public const int ScreenDim = 500;

    /// <summary>Pixels per metre: the frame spans the links' reach plus 0.2 m on every side of the pivot.</summary>
    public const double Scale = ScreenDim / ((LinkLength1 + LinkLength2 + 0.2) * 2);

    // Shorthands in the notation of the equations of motion.
    private const double M1 = LinkMass1;
    private const double M2 = LinkMass2;
    private const double L1 = LinkLength1;
    private const double Lc1 = LinkComPosition1;
    private const double Lc2 = LinkComPosition2;
    private const double I1 = LinkMomentOfInertia;
    private const double I2 = LinkMomentOfInertia;
    private const double HalfPi = Math.PI / 2.0;

    /// <summary>Creates the environment; call Reset before stepping.</summary>
    public Acrobot()
        : base(
            "Acrobot-v1",
            new Box(
                [-1f, -1f, -1f, -1f, -(float)MaxVelocity1, -(float)MaxVelocity2],
                [1f, 1f, 1f, 1f, (float)MaxVelocity1, (float)MaxVelocity2]),
            new Discrete(3),
            "theta1",
            "theta2",
            "dtheta1",
            "dtheta2")
    {
    }

    /// <summary>The links' colour.</summary>
    public static Rgb LinkColour => new(0, 204, 204);

    /// <summary>The joints' colour.</summary>
    public static Rgb JointColour => new(204, 204, 0);

    /// <inheritdoc />
    public int RenderWidth => ScreenDim;

    /// <inheritdoc />
    public int RenderHeight => ScreenDim;

    /// <inheritdoc />
    public int RenderFps => 15;

    /// <summary>The pixel positions (Gymnasium's y-up numbers, before the flip) of the pivot, the middle joint and the tip.</summary>
    /// <returns>Three points.</returns>
    internal (double X, double Y)[] Joints()
    {
        const double offset = ScreenDim / 2.0;
        var (t1, t2) = (State[0], State[1]);
        // Gymnasium computes (vertical, horizontal) pairs and swaps them: theta1 = 0 hangs down.
        var (v1, h1) = (-LinkLength1 * Math.Cos(t1) * Scale, LinkLength1 * Math.Sin(t1) * Scale);
        var (v2, h2) = (v1 - (LinkLength2 * Math.Cos(t1 + t2) * Scale), h1 + (LinkLength2 * Math.Sin(t1 + t2) * Scale));
        return [(offset, offset), (h1 + offset, v1 + offset), (h2 + offset, v2 + offset)];
    }

    /// <inheritdoc />
    /// <remarks>As Gymnasium draws it: the target line one link length above the pivot, then each
    /// link as a bar 0.2 m wide from its joint, turned by its angle, with a disc of radius 0.1 m on
    /// the joint.</remarks>
    public Scene Render()
    {
        var canvas = new PygameCanvas(ScreenDim, ScreenDim);
        const double offset = ScreenDim / 2.0;
        canvas.Line(Rgb.Black, ((-2.2 * Scale) + offset, Scale + offset), ((2.2 * Scale) + offset, Scale + offset));
        var joints = Joints();
        double[] angles = [State[0] - HalfPi, State[0] + State[1] - HalfPi];
        double[] lengths = [LinkLength1 * Scale, LinkLength2 * Scale];
        for (var k = 0; k < 2; k++)
        {
            var (x, y) = joints[k];
            var (left, right, top, bottom) = (0.0, lengths[k], 0.1 * Scale, -0.1 * Scale);
            var bar = new[] { (left, bottom), (left, top), (right, top), (right, bottom) }
                .Select(c => PygameCanvas.Rotate(c.Item1, c.Item2, angles[k]))
                .Select(c => (c.X + x, c.Y + y))
                .ToArray();
            canvas.Polygon(LinkColour, bar);
            canvas.Circle(JointColour, PygameCanvas.Truncate(x), PygameCanvas.Truncate(y), PygameCanvas.Truncate(0.1 * Scale));
        }

        return canvas.Scene;
    }

    /// <summary>The torque applied at the middle joint for an action: -1, 0 or +1 for actions 0, 1 and 2.</summary>
    /// <param name="action">0, 1 or 2.</param>
    /// <returns>The torque, N m.</returns>
    public static double Torque(int action) => action switch
    {
        0 => -1.0,
        1 => 0.0,
        2 => 1.0,
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Acrobot actions are 0, 1 and 2."),
    };

    /// <inheritdoc />
    public override void Observe(Span<float> observation)
    {
        observation[0] = (float)Math.Cos(State[0]);
        observation[1] = (float)Math.Sin(State[0]);
        observation[2] = (float)Math.Cos(State[1]);
        observation[3] = (float)Math.Sin(State[1]);
        observation[4] = (float)State[2];
        observation[5] = (float)State[3];
    }

    /// <inheritdoc />
    protected override bool SeedsAsGymnasium => true;

    /// <inheritdoc />
    /// <remarks>Gymnasium stores the freshly drawn state as float32, so each draw is rounded to float32 here too.</remarks>
    protected override void OnReset(Span<float> observation)
    {
        for (var i = 0; i < 4; i++)
        {
            State[i] = (float)Random.Uniform(-ResetBound, ResetBound);
        }

        Observe(observation);
    }

    /// <inheritdoc />
    protected override StepResult OnStep(int action, Span<float> observation)
    {
        var torque = Torque(action);
        var (t1, t2, w1, w2) = (State[0], State[1], State[2], State[3]);

        // One step of classic RK4 from 0 to Dt; the torque is a fifth state component with zero derivative.
        const double half = Dt / 2.0;
        Derivative(t1, t2, w1, w2, torque, out var a1, out var a2, out var a3, out var a4);
        Derivative(t1 + half * a1, t2 + half * a2, w1 + half * a3, w2 + half * a4, torque, out var b1, out var b2, out var b3, out var b4);
        Derivative(t1 + half * b1, t2 + half * b2, w1 + half * b3, w2 + half * b4, torque, out var c1, out var c2, out var c3, out var c4);
        Derivative(t1 + Dt * c1, t2 + Dt * c2, w1 + Dt * c3, w2 + Dt * c4, torque, out var d1, out var d2, out var d3, out var d4);

        const double sixth = Dt / 6.0;
        State[0] = Wrap(t1 + sixth * (a1 + 2 * b1 + 2 * c1 + d1));
        State[1] = Wrap(t2 + sixth * (a2 + 2 * b2 + 2 * c2 + d2));
        State[2] = Math.Clamp(w1 + sixth * (a3 + 2 * b3 + 2 * c3 + d3), -MaxVelocity1, MaxVelocity1);
        State[3] = Math.Clamp(w2 + sixth * (a4 + 2 * b4 + 2 * c4 + d4), -MaxVelocity2, MaxVelocity2);
        Observe(observation);

        var terminated = -Math.Cos(State[0]) - Math.Cos(State[1] + State[0]) > TargetHeight;
        return new StepResult(terminated ? 0.0 : -1.0, terminated, false);
    }

    /// <summary>
    /// The book's equations of motion: time derivatives of (theta1, theta2, dtheta1, dtheta2) under
    /// <paramref name="torque"/>. Operations follow Gymnasium's order so float64 results agree closely.
    /// </summary>
    private static void Derivative(
        double theta1,
        double theta2,
        double dtheta1,
        double dtheta2,
        double torque,
        out double dTheta1,
        out double dTheta2,
        out double ddTheta1,
        out double ddTheta2)
    {
        var cos2 = Math.Cos(theta2);
        var sin2 = Math.Sin(theta2);
        var inertia1 = M1 * (Lc1 * Lc1) + M2 * (L1 * L1 + Lc2 * Lc2 + 2 * L1 * Lc2 * cos2) + I1 + I2;
        var inertia2 = M2 * (Lc2 * Lc2 + L1 * Lc2 * cos2) + I2;
        var gravity2 = M2 * Lc2 * Gravity * Math.Cos(theta1 + theta2 - HalfPi);
        var gravity1 = -M2 * L1 * Lc2 * (dtheta2 * dtheta2) * sin2
            - 2 * M2 * L1 * Lc2 * dtheta2 * dtheta1 * sin2
            + (M1 * Lc1 + M2 * L1) * Gravity * Math.Cos(theta1 - HalfPi)
            + gravity2;
        var accel2 = (torque + inertia2 / inertia1 * gravity1 - M2 * L1 * Lc2 * (dtheta1 * dtheta1) * sin2 - gravity2)
            / (M2 * (Lc2 * Lc2) + I2 - inertia2 * inertia2 / inertia1);
        dTheta1 = dtheta1;
        dTheta2 = dtheta2;
        ddTheta1 = -(inertia2 * accel2 + gravity1) / inertia1;
        ddTheta2 = accel2;
    }

    /// <summary>
    /// Brings an angle into [-pi, pi] by repeatedly adding or subtracting 2 pi, as Gymnasium does.
    /// Angles so large that the loop would take long (only reachable through SetState) are first
    /// reduced with a remainder.
    /// </summary>
    private static double Wrap(double x)
    {
        const double low = -Math.PI;
        const double high = Math.PI;
        const double period = high - low;
        if (Math.Abs(x) > 1024 * period)
        {
            x = Math.IEEERemainder(x, period);
        }

        while (x > high)
        {
            x -= period;
        }

        while (x < low)
        {
            x += period;
        }

        return x;
    }
}
