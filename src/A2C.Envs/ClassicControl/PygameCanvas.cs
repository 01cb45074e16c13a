using A2C.Envs.Rendering;

namespace A2C.Envs.ClassicControl;

/// <summary>
/// Gymnasium's classic-control envs draw with pygame on a surface in y-up numbers and flip it
/// upside down at the end; this canvas takes those numbers and adds the flipped shapes to a scene,
/// so each env's drawing reads as Gymnasium's formulas. Pygame's row y becomes row H - 1 - y.
/// Its circle calls take whole-pixel centres and radii, as gfxdraw's do (the caller truncates with
/// <see cref="Truncate"/> where Gymnasium calls int()).
/// </summary>
internal sealed class PygameCanvas(int width, int height)
{
    public Scene Scene { get; } = new(width, height, Rgb.White);

    /// <summary>Python's int() of a float: towards zero.</summary>
    public static double Truncate(double value) => Math.Truncate(value);

    /// <summary>Rotates (x, y) by <paramref name="radians"/> counter-clockwise (pygame's Vector2.rotate_rad).</summary>
    public static (double X, double Y) Rotate(double x, double y, double radians)
    {
        var (sin, cos) = Math.SinCos(radians);
        return ((x * cos) - (y * sin), (x * sin) + (y * cos));
    }

    public Point Flip(double x, double y) => new(x, Scene.Height - 1 - y);

    /// <summary>gfxdraw.aapolygon + filled_polygon: a filled, anti-aliased polygon.</summary>
    public void Polygon(Rgb fill, params (double X, double Y)[] corners) =>
        Scene.Polygon(fill, corners.Select(c => Flip(c.X, c.Y)).ToArray());

    /// <summary>gfxdraw.aacircle + filled_circle at a whole-pixel centre.</summary>
    public void Circle(Rgb fill, double x, double y, double radius) => Scene.Circle(fill, Flip(x, y), radius);

    /// <summary>gfxdraw.hline: row y from pixel x1 to pixel x2, both included.</summary>
    public void HorizontalLine(Rgb colour, double x1, double x2, double y) =>
        Scene.Line(colour, 1.0, Flip(Math.Min(x1, x2) - 0.5, y), Flip(Math.Max(x1, x2) + 0.5, y));

    /// <summary>gfxdraw.vline: column x from pixel y1 to pixel y2, both included.</summary>
    public void VerticalLine(Rgb colour, double x, double y1, double y2) =>
        Scene.Line(colour, 1.0, Flip(x, Math.Min(y1, y2) - 0.5), Flip(x, Math.Max(y1, y2) + 0.5));

    /// <summary>pygame.draw.line and aalines: one pixel wide, through the points.</summary>
    public void Line(Rgb colour, params (double X, double Y)[] points) =>
        Scene.Line(colour, 1.0, points.Select(c => Flip(c.X, c.Y)).ToArray());
}
