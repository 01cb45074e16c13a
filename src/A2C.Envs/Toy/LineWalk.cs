using A2C.Envs.Rendering;
using A2C.Envs.Spaces;

namespace A2C.Envs.Toy;

/// <summary>
/// LineWalk-v0, the seed preset's one-dimensional corridor: x starts at 0; action 0 moves it by
/// -0.1 and action 1 by +0.1. Walking past +1 ends the episode with reward +1, past -1 with -1;
/// every other step pays 0.01. The observation is [x, 0, 0, 0] (shaped like CartPole's so the
/// same networks apply). The best return, eleven steps right, is 10 * 0.01 + 1 = 1.1.
/// </summary>
public sealed class LineWalk : PhysicalEnv, IRenderable
{
    /// <summary>How far one action moves x.</summary>
    public const double StepSize = 0.1;

    /// <summary>|x| beyond which the episode ends.</summary>
    public const double Edge = 1.0;

    /// <summary>Reward for a step that does not reach an edge.</summary>
    public const double LivingReward = 0.01;

    private int? _lastAction;

    /// <summary>Creates the corridor; call Reset before stepping.</summary>
    public LineWalk()
        : base("LineWalk-v0", new Box([-1.5f, 0f, 0f, 0f], [1.5f, 0f, 0f, 0f]), new Discrete(2), "x")
    {
    }

    /// <inheritdoc />
    public int RenderWidth => 400;

    /// <inheritdoc />
    public int RenderHeight => 100;

    /// <inheritdoc />
    public int RenderFps => ToyScenes.Fps;

    /// <inheritdoc />
    /// <remarks>The corridor from -1.5 to 1.5 with its edges at -1 and +1, the walker as a black
    /// disc, and the last action as a blue arrowhead above it pointing the way it moved.</remarks>
    public Scene Render()
    {
        var scene = new Scene(RenderWidth, RenderHeight, Rgb.White);
        static double X(double x) => 200 + (Math.Clamp(x, -1.5, 1.5) * 120);
        scene.Line(Rgb.Grey(160), 2, new Point(X(-1.5), 60), new Point(X(1.5), 60));
        scene.Line(Rgb.Black, 2, new Point(X(-Edge), 40), new Point(X(-Edge), 80));
        scene.Line(Rgb.Black, 2, new Point(X(Edge), 40), new Point(X(Edge), 80));
        var x = X(State[0]);
        scene.Circle(Rgb.Black, new Point(x, 60), 8);
        if (_lastAction is { } a)
        {
            var sense = a == 1 ? 1 : -1;
            scene.Polygon(ToyScenes.ActionColour, new Point(x + (sense * 12), 30), new Point(x - (sense * 6), 22), new Point(x - (sense * 6), 38));
        }

        return scene;
    }

    /// <inheritdoc />
    public override void Observe(Span<float> observation)
    {
        observation[0] = (float)State[0];
        observation[1] = 0f;
        observation[2] = 0f;
        observation[3] = 0f;
    }

    /// <inheritdoc />
    protected override void OnReset(Span<float> observation)
    {
        State[0] = 0.0;
        _lastAction = null;
        Observe(observation);
    }

    /// <inheritdoc />
    protected override StepResult OnStep(int action, Span<float> observation)
    {
        _lastAction = action;
        State[0] += action == 1 ? StepSize : -StepSize;
        Observe(observation);
        return State[0] switch
        {
            > Edge => new StepResult(1.0, true, false),
            < -Edge => new StepResult(-1.0, true, false),
            _ => new StepResult(LivingReward, false, false),
        };
    }
}
