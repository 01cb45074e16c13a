namespace A2C.Envs.Rendering;

/// <summary>A point of a scene, in pixels: x to the right, y down.</summary>
/// <param name="X">Column coordinate.</param>
/// <param name="Y">Row coordinate.</param>
public readonly record struct Point(double X, double Y);

/// <summary>One drawing primitive of a <see cref="Scene"/>.</summary>
public abstract record Shape;

/// <summary>A filled polygon, anti-aliased at its edges.</summary>
/// <param name="Points">Its corners in order, at least three.</param>
/// <param name="Fill">Its colour.</param>
public sealed record PolygonShape(IReadOnlyList<Point> Points, Rgb Fill) : Shape;

/// <summary>A filled disc.</summary>
/// <param name="Centre">Its centre.</param>
/// <param name="Radius">Its radius in pixels.</param>
/// <param name="Fill">Its colour.</param>
public sealed record CircleShape(Point Centre, double Radius, Rgb Fill) : Shape;

/// <summary>An open line through two or more points, of a width in pixels, with butt ends.</summary>
/// <param name="Points">The points it joins, in order.</param>
/// <param name="Width">Its width in pixels.</param>
/// <param name="Colour">Its colour.</param>
public sealed record LineShape(IReadOnlyList<Point> Points, double Width, Rgb Colour) : Shape;

/// <summary>An RGB image (a frame that arrived as pixels) stretched over a rectangle, each source pixel a sharp block.</summary>
/// <param name="Left">Column of the rectangle's left edge.</param>
/// <param name="Top">Row of its top edge.</param>
/// <param name="Width">Its width in pixels.</param>
/// <param name="Height">Its height in pixels.</param>
/// <param name="Image">The pixels.</param>
public sealed record PixelBlockShape(double Left, double Top, double Width, double Height, Frame Image) : Shape;

/// <summary>
/// What an environment draws: a background and primitives painted in order, in pixel coordinates
/// with y down. Coordinates name pixels as pygame's do: (0, 0) is the centre of the top-left pixel,
/// so a one-pixel line at y = 5 covers exactly row 5. A scene knows no drawing library: A2C.Training
/// rasterizes it (with SkiaSharp), a test can read its geometry.
/// </summary>
public sealed class Scene
{
    private readonly List<Shape> _shapes = [];

    /// <summary>An empty scene of the given size and background.</summary>
    /// <param name="width">Frame width in pixels, at least 1.</param>
    /// <param name="height">Frame height in pixels, at least 1.</param>
    /// <param name="background">The colour every pixel starts with.</param>
    public Scene(int width, int height, Rgb background)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        Width = width;
        Height = height;
        Background = background;
    }

    /// <summary>Frame width in pixels.</summary>
    public int Width { get; }

    /// <summary>Frame height in pixels.</summary>
    public int Height { get; }

    /// <summary>The colour every pixel starts with.</summary>
    public Rgb Background { get; }

    /// <summary>The primitives, in painting order (later ones cover earlier ones).</summary>
    public IReadOnlyList<Shape> Shapes => _shapes;

    /// <summary>Adds a filled polygon.</summary>
    /// <param name="fill">Its colour.</param>
    /// <param name="points">Its corners, at least three, all finite.</param>
    /// <returns>This scene.</returns>
    public Scene Polygon(Rgb fill, params Point[] points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Length < 3)
        {
            throw new ArgumentException($"a polygon needs at least 3 points; got {points.Length}.", nameof(points));
        }

        RequireFinite(points);
        _shapes.Add(new PolygonShape((Point[])points.Clone(), fill));
        return this;
    }

    /// <summary>Adds a filled disc.</summary>
    /// <param name="fill">Its colour.</param>
    /// <param name="centre">Its centre.</param>
    /// <param name="radius">Its radius, zero or more.</param>
    /// <returns>This scene.</returns>
    public Scene Circle(Rgb fill, Point centre, double radius)
    {
        RequireFinite([centre]);
        if (!double.IsFinite(radius) || radius < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(radius), radius, "a circle's radius is a finite number of pixels, zero or more.");
        }

        _shapes.Add(new CircleShape(centre, radius, fill));
        return this;
    }

    /// <summary>Adds an open line through <paramref name="points"/>.</summary>
    /// <param name="colour">Its colour.</param>
    /// <param name="width">Its width in pixels, more than zero.</param>
    /// <param name="points">At least two points.</param>
    /// <returns>This scene.</returns>
    public Scene Line(Rgb colour, double width, params Point[] points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Length < 2)
        {
            throw new ArgumentException($"a line needs at least 2 points; got {points.Length}.", nameof(points));
        }

        if (!double.IsFinite(width) || width <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, "a line's width is a finite number of pixels, more than zero.");
        }

        RequireFinite(points);
        _shapes.Add(new LineShape((Point[])points.Clone(), width, colour));
        return this;
    }

    /// <summary>Adds an image stretched over a rectangle.</summary>
    /// <param name="image">The pixels.</param>
    /// <param name="left">Column of the left edge.</param>
    /// <param name="top">Row of the top edge.</param>
    /// <param name="width">Width in pixels, more than zero.</param>
    /// <param name="height">Height in pixels, more than zero.</param>
    /// <returns>This scene.</returns>
    public Scene Pixels(Frame image, double left, double top, double width, double height)
    {
        ArgumentNullException.ThrowIfNull(image);
        RequireFinite([new Point(left, top), new Point(width, height)]);
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentException($"a pixel block needs a positive size; got {width}x{height}.", nameof(width));
        }

        _shapes.Add(new PixelBlockShape(left, top, width, height, image));
        return this;
    }

    private static void RequireFinite(ReadOnlySpan<Point> points)
    {
        foreach (var p in points)
        {
            if (!double.IsFinite(p.X) || !double.IsFinite(p.Y))
            {
                throw new ArgumentException($"scene coordinates must be finite; got ({p.X}, {p.Y}).", nameof(points));
            }
        }
    }
}
