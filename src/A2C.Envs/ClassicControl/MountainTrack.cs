using A2C.Envs.Rendering;
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

    public const int ScreenWidth = 600;
    public const int ScreenHeight = 400;
    public const int RenderFps = 30;

    /// <summary>Pixels per unit of position: the frame's width spans the track.</summary>
    public const double Scale = ScreenWidth / (MaxPosition - MinPosition);

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

    /// <summary>The track's height at <paramref name="position"/>, as Gymnasium draws it.</summary>
    public static double Height(double position) => (Math.Sin(3 * position) * 0.45) + 0.55;

    /// <summary>
    /// The frame Gymnasium draws for both cars: the track as 100 joined points, the car (40 x 20
    /// pixels, 10 above the track) tilted by cos(3 position) with two grey wheels, and the flag: a
    /// 50-pixel pole at the goal with a yellow pennant.
    /// </summary>
    public static Scene Render(double position, double goal)
    {
        var canvas = new PygameCanvas(ScreenWidth, ScreenHeight);
        var track = new (double X, double Y)[100];
        for (var i = 0; i < track.Length; i++)
        {
            // numpy.linspace: i / (n - 1) of the way, the last point exactly at the end.
            var x = i == track.Length - 1 ? MaxPosition : MinPosition + ((MaxPosition - MinPosition) * i / (track.Length - 1));
            track[i] = ((x - MinPosition) * Scale, Height(x) * Scale);
        }

        canvas.Line(Rgb.Black, track);

        const double clearance = 10;
        const double carWidth = 40;
        const double carHeight = 20;
        var tilt = Math.Cos(3 * position);
        var baseX = (position - MinPosition) * Scale;
        var baseY = clearance + (Height(position) * Scale);
        var (left, right, top, bottom) = (-carWidth / 2, carWidth / 2, carHeight, 0.0);
        var car = new[] { (left, bottom), (left, top), (right, top), (right, bottom) }
            .Select(c => PygameCanvas.Rotate(c.Item1, c.Item2, tilt))
            .Select(c => (c.X + baseX, c.Y + baseY))
            .ToArray();
        canvas.Polygon(Rgb.Black, car);
        foreach (var offset in new[] { carWidth / 4, -carWidth / 4 })
        {
            var (x, y) = PygameCanvas.Rotate(offset, 0, tilt);
            canvas.Circle(Rgb.Grey(128), PygameCanvas.Truncate(x + baseX), PygameCanvas.Truncate(y + baseY), PygameCanvas.Truncate(carHeight / 2.5));
        }

        var flagX = PygameCanvas.Truncate((goal - MinPosition) * Scale);
        var flagY1 = PygameCanvas.Truncate(Height(goal) * Scale);
        var flagY2 = flagY1 + 50;
        canvas.VerticalLine(Rgb.Black, flagX, flagY1, flagY2);
        canvas.Polygon(new Rgb(204, 204, 0), (flagX, flagY2), (flagX, flagY2 - 10), (flagX + 25, flagY2 - 5));
        return canvas.Scene;
    }
}
