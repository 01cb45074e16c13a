using A2C.Envs.Rendering;
using A2C.Envs.Spaces;

namespace A2C.Envs.ClassicControl;

/// <summary>
/// CartPole-v1 as in Gymnasium 1.x (Barto, Sutton and Anderson's cart-pole): push the cart left
/// (action 0) or right (1) to keep the pole upright. Explicit Euler over tau = 0.02 s; reward 1
/// for every step, the terminating one included; terminated when |x| &gt; 2.4 or |theta| &gt; 12 degrees.
/// State (float64): x, x_dot, theta, theta_dot; the observation is the state in float32.
/// </summary>
public sealed class CartPole : PhysicalEnv, IRenderable
{
    /// <summary>Gravity, m/s^2.</summary>
    public const double Gravity = 9.8;

    /// <summary>Mass of the cart, kg.</summary>
    public const double MassCart = 1.0;

    /// <summary>Mass of the pole, kg.</summary>
    public const double MassPole = 0.1;

    /// <summary>Half the pole's length, m.</summary>
    public const double Length = 0.5;

    /// <summary>Magnitude of the push, N.</summary>
    public const double ForceMag = 10.0;

    /// <summary>Seconds between state updates.</summary>
    public const double Tau = 0.02;

    /// <summary>Pole angle beyond which the episode terminates: 12 degrees, in radians.</summary>
    public const double ThetaThreshold = 12 * 2 * Math.PI / 360;

    /// <summary>Cart position beyond which the episode terminates, m.</summary>
    public const double XThreshold = 2.4;

    /// <summary>Frame width, pixels (Gymnasium's screen_width).</summary>
    public const int ScreenWidth = 600;

    /// <summary>Frame height, pixels (Gymnasium's screen_height).</summary>
    public const int ScreenHeight = 400;

    /// <summary>Pixels per metre: the frame's width spans the track from -4.8 to 4.8.</summary>
    public const double Scale = ScreenWidth / (XThreshold * 2);

    /// <summary>Height of the track and of the cart's top, in Gymnasium's y-up pixels.</summary>
    public const double CartY = 100;

    /// <summary>Drawn width of the cart, pixels.</summary>
    public const double CartWidth = 50;

    /// <summary>Drawn height of the cart, pixels.</summary>
    public const double CartHeight = 30;

    /// <summary>Drawn width of the pole, pixels.</summary>
    public const double PoleWidth = 10;

    /// <summary>The cart's colour (black).</summary>
    public static Rgb CartColour => Rgb.Black;

    /// <summary>The pole's colour.</summary>
    public static Rgb PoleColour => new(202, 152, 101);

    /// <summary>The axle's colour.</summary>
    public static Rgb AxleColour => new(129, 132, 203);

    private const double TotalMass = MassCart + MassPole;
    private const double PoleMassLength = MassPole * Length;

    /// <summary>Creates the environment; call Reset before stepping.</summary>
    public CartPole()
        : base(
            "CartPole-v1",
            new Box(
                [(float)(-XThreshold * 2), -float.MaxValue, (float)(-ThetaThreshold * 2), -float.MaxValue],
                [(float)(XThreshold * 2), float.MaxValue, (float)(ThetaThreshold * 2), float.MaxValue]),
            new Discrete(2),
            "x",
            "x_dot",
            "theta",
            "theta_dot")
    {
    }

    /// <inheritdoc />
    public int RenderWidth => ScreenWidth;

    /// <inheritdoc />
    public int RenderHeight => ScreenHeight;

    /// <inheritdoc />
    public int RenderFps => 50;

    /// <inheritdoc />
    /// <remarks>As Gymnasium draws it: the cart's middle at x * scale + 300, the pole (a 10-pixel
    /// bar, 2 * length * scale long) from the axle a quarter of the cart's height above its middle,
    /// turned by theta clockwise, the axle, and the track's line at the cart's bottom.</remarks>
    public Scene Render()
    {
        var canvas = new PygameCanvas(ScreenWidth, ScreenHeight);
        var cartX = (State[0] * Scale) + (ScreenWidth / 2.0);
        var (left, right, top, bottom) = (-CartWidth / 2, CartWidth / 2, CartHeight / 2, -CartHeight / 2);
        canvas.Polygon(CartColour, (cartX + left, CartY + bottom), (cartX + left, CartY + top), (cartX + right, CartY + top), (cartX + right, CartY + bottom));

        var axleY = CartY + (CartHeight / 4.0);
        var poleLength = Scale * (2 * Length);
        (left, right, top, bottom) = (-PoleWidth / 2, PoleWidth / 2, poleLength - (PoleWidth / 2), -PoleWidth / 2);
        var pole = new[] { (left, bottom), (left, top), (right, top), (right, bottom) }
            .Select(c => PygameCanvas.Rotate(c.Item1, c.Item2, -State[2]))
            .Select(c => (c.X + cartX, c.Y + axleY))
            .ToArray();
        canvas.Polygon(PoleColour, pole);
        canvas.Circle(AxleColour, PygameCanvas.Truncate(cartX), PygameCanvas.Truncate(axleY), PygameCanvas.Truncate(PoleWidth / 2));
        canvas.HorizontalLine(Rgb.Black, 0, ScreenWidth, CartY);
        return canvas.Scene;
    }

    /// <inheritdoc />
    public override void Observe(Span<float> observation)
    {
        for (var i = 0; i < 4; i++)
        {
            observation[i] = (float)State[i];
        }
    }

    /// <inheritdoc />
    protected override bool SeedsAsGymnasium => true;

    /// <inheritdoc />
    protected override void OnReset(Span<float> observation)
    {
        for (var i = 0; i < 4; i++)
        {
            State[i] = Random.Uniform(-0.05, 0.05);
        }

        Observe(observation);
    }

    /// <inheritdoc />
    protected override StepResult OnStep(int action, Span<float> observation)
    {
        var (x, xDot, theta, thetaDot) = (State[0], State[1], State[2], State[3]);
        var force = action == 1 ? ForceMag : -ForceMag;
        var cos = Math.Cos(theta);
        var sin = Math.Sin(theta);
        var temp = (force + PoleMassLength * thetaDot * thetaDot * sin) / TotalMass;
        var thetaAcc = (Gravity * sin - cos * temp) / (Length * (4.0 / 3.0 - MassPole * cos * cos / TotalMass));
        var xAcc = temp - PoleMassLength * thetaAcc * cos / TotalMass;

        State[0] = x + Tau * xDot;
        State[1] = xDot + Tau * xAcc;
        State[2] = theta + Tau * thetaDot;
        State[3] = thetaDot + Tau * thetaAcc;
        Observe(observation);

        var terminated = State[0] < -XThreshold || State[0] > XThreshold ||
            State[2] < -ThetaThreshold || State[2] > ThetaThreshold;
        return new StepResult(1.0, terminated, false);
    }
}
