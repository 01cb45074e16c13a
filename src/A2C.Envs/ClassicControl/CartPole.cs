using A2C.Envs.Spaces;

namespace A2C.Envs.ClassicControl;

/// <summary>
/// CartPole-v1 as in Gymnasium 1.x (Barto, Sutton and Anderson's cart-pole): push the cart left
/// (action 0) or right (1) to keep the pole upright. Explicit Euler over tau = 0.02 s; reward 1
/// for every step, the terminating one included; terminated when |x| &gt; 2.4 or |theta| &gt; 12 degrees.
/// State (float64): x, x_dot, theta, theta_dot; the observation is the state in float32.
/// </summary>
public sealed class CartPole : PhysicalEnv
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
    public override void Observe(Span<float> observation)
    {
        for (var i = 0; i < 4; i++)
        {
            observation[i] = (float)State[i];
        }
    }

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
