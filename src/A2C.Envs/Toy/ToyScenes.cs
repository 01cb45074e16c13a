using A2C.Envs.Rendering;

namespace A2C.Envs.Toy;

/// <summary>
/// How the test environments draw themselves: plainly, what the agent sees and what it did. A
/// cell is a square whose darkness is the value it shows (0 light grey, 1 black); the last action
/// is marked in blue. They are for checking a recording, not for beauty.
/// </summary>
internal static class ToyScenes
{
    /// <summary>Frames a second of every test env's recording.</summary>
    public const int Fps = 10;

    /// <summary>Side of a cell, pixels, and the step from one cell to the next.</summary>
    public const double CellSide = 50;

    public const double CellPitch = 60;

    public const double Margin = 10;

    /// <summary>The colour that marks the last action.</summary>
    public static Rgb ActionColour => new(31, 119, 180);

    /// <summary>The colour of a cell showing <paramref name="value"/> in [0, 1]: light grey at 0, black at 1.</summary>
    public static Rgb Shade(double value) => Rgb.Grey((byte)Math.Round(230 * (1 - Math.Clamp(value, 0, 1))));

    /// <summary>A filled square with its top-left corner at (<paramref name="left"/>, <paramref name="top"/>).</summary>
    public static void Cell(Scene scene, double left, double top, double side, Rgb fill) =>
        scene.Polygon(fill, new Point(left, top), new Point(left + side, top), new Point(left + side, top + side), new Point(left, top + side));

    /// <summary>A blue triangle pointing up at the middle of a cell's bottom edge, below it.</summary>
    public static void ActionMark(Scene scene, double left, double below, double side)
    {
        var middle = left + (side / 2);
        scene.Polygon(ActionColour, new Point(middle, below + 4), new Point(middle + 10, below + 18), new Point(middle - 10, below + 18));
    }

    /// <summary>A row of cells showing <paramref name="values"/>, with the cells in <paramref name="acted"/> marked below.</summary>
    public static void Row(Scene scene, double top, ReadOnlySpan<double> values, Func<int, bool> acted)
    {
        for (var k = 0; k < values.Length; k++)
        {
            var left = Margin + (k * CellPitch);
            Cell(scene, left, top, CellSide, Shade(values[k]));
            if (acted(k))
            {
                ActionMark(scene, left, top + CellSide, CellSide);
            }
        }
    }

    /// <summary>A width that holds <paramref name="cells"/> cells and the margins.</summary>
    public static int WidthFor(int cells) => (int)((2 * Margin) + (cells * CellPitch) - (CellPitch - CellSide));

    /// <summary>A grey image (one byte-valued float a pixel, row-major) as an RGB frame.</summary>
    public static Frame GreyFrame(ReadOnlySpan<float> grey, int width, int height)
    {
        var pixels = new byte[width * height * 3];
        for (var i = 0; i < width * height; i++)
        {
            var level = (byte)Math.Clamp(grey[i], 0f, 255f);
            pixels[3 * i] = level;
            pixels[(3 * i) + 1] = level;
            pixels[(3 * i) + 2] = level;
        }

        return new Frame(width, height, pixels);
    }
}
