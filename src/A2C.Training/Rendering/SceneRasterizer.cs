using System.Globalization;
using A2C.Envs.Rendering;
using A2C.Training.Reporting;
using SkiaSharp;

namespace A2C.Training;

/// <summary>
/// Paints an env's <see cref="Scene"/> into an RGB <see cref="Frame"/> with SkiaSharp, anti-aliased
/// as pygame's aapolygon and aacircle draw Gymnasium's frames, with an optional caption in the
/// top-left corner (the recordings' step and return).
/// </summary>
public static class SceneRasterizer
{
    /// <summary>The caption of a recorded frame: the step within the episode and the return so far.</summary>
    /// <param name="step">Steps taken since the reset (0 on the reset's frame).</param>
    /// <param name="episodeReturn">The sum of the episode's rewards so far.</param>
    /// <returns>For example <c>step 12  return 12.00</c>.</returns>
    public static string Caption(int step, double episodeReturn) =>
        string.Create(CultureInfo.InvariantCulture, $"step {step}  return {episodeReturn:F2}");

    /// <summary>Rasterizes <paramref name="scene"/>, then draws <paramref name="caption"/> over its top-left corner.</summary>
    /// <param name="scene">What to paint.</param>
    /// <param name="caption">Text for the corner, or null for none.</param>
    /// <returns>A new frame of the scene's size.</returns>
    public static Frame Rasterize(Scene scene, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(scene);
        var info = new SKImageInfo(scene.Width, scene.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(Colour(scene.Background));
            // Scene coordinates name pixel centres, as pygame's do; Skia's name pixel corners.
            canvas.Translate(0.5f, 0.5f);
            foreach (var shape in scene.Shapes)
            {
                Paint(canvas, shape);
            }

            canvas.ResetMatrix();
            if (!string.IsNullOrEmpty(caption))
            {
                DrawCaption(canvas, caption, scene.Width);
            }
        }

        return ToFrame(bitmap);
    }

    /// <summary>
    /// Draws <paramref name="caption"/> over the top-left corner of a picture that arrived as pixels
    /// (a served env's frame), as <see cref="Rasterize(Scene, string?)"/> draws it over a scene, so
    /// a frame rasterized by the server and captioned here equals one rasterized and captioned here.
    /// </summary>
    /// <param name="frame">The picture; not changed.</param>
    /// <param name="caption">Text for the corner.</param>
    /// <returns>A new frame of the same size.</returns>
    public static Frame WithCaption(Frame frame, string caption)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(caption);
        using var bitmap = new SKBitmap(new SKImageInfo(frame.Width, frame.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        System.Runtime.InteropServices.Marshal.Copy(ToRgba(frame), 0, bitmap.GetPixels(), frame.Width * frame.Height * 4);
        using (var canvas = new SKCanvas(bitmap))
        {
            DrawCaption(canvas, caption, frame.Width);
        }

        return ToFrame(bitmap);
    }

    /// <summary>An opaque bitmap's pixels as RGB (opaque, so premultiplied values are the colours).</summary>
    private static Frame ToFrame(SKBitmap bitmap)
    {
        var rgba = bitmap.GetPixelSpan();
        var rgb = new byte[bitmap.Width * bitmap.Height * 3];
        for (int i = 0, j = 0; j < rgb.Length; i += 4, j += 3)
        {
            rgb[j] = rgba[i];
            rgb[j + 1] = rgba[i + 1];
            rgb[j + 2] = rgba[i + 2];
        }

        return new Frame(bitmap.Width, bitmap.Height, rgb);
    }

    private static byte[] ToRgba(Frame image)
    {
        var rgba = new byte[image.Width * image.Height * 4];
        for (int i = 0, j = 0; j < image.Pixels.Length; i += 4, j += 3)
        {
            rgba[i] = image.Pixels[j];
            rgba[i + 1] = image.Pixels[j + 1];
            rgba[i + 2] = image.Pixels[j + 2];
            rgba[i + 3] = 255;
        }

        return rgba;
    }

    private static SKColor Colour(Rgb c) => new(c.R, c.G, c.B);

    private static void Paint(SKCanvas canvas, Shape shape)
    {
        using var paint = new SKPaint { IsAntialias = true };
        switch (shape)
        {
            case PolygonShape polygon:
                paint.Color = Colour(polygon.Fill);
                paint.Style = SKPaintStyle.Fill;
                using (var path = Path(polygon.Points, close: true))
                {
                    canvas.DrawPath(path, paint);
                }

                break;
            case CircleShape circle:
                paint.Color = Colour(circle.Fill);
                paint.Style = SKPaintStyle.Fill;
                canvas.DrawCircle((float)circle.Centre.X, (float)circle.Centre.Y, (float)circle.Radius, paint);
                break;
            case LineShape line:
                paint.Color = Colour(line.Colour);
                paint.Style = SKPaintStyle.Stroke;
                paint.StrokeWidth = (float)line.Width;
                paint.StrokeCap = SKStrokeCap.Butt;
                paint.StrokeJoin = SKStrokeJoin.Round;
                using (var path = Path(line.Points, close: false))
                {
                    canvas.DrawPath(path, paint);
                }

                break;
            case PixelBlockShape block:
                DrawPixels(canvas, block);
                break;
            default:
                throw new NotSupportedException($"the rasterizer does not know the shape {shape.GetType().Name}.");
        }
    }

    private static SKPath Path(IReadOnlyList<Point> points, bool close)
    {
        var path = new SKPath();
        path.MoveTo((float)points[0].X, (float)points[0].Y);
        for (var i = 1; i < points.Count; i++)
        {
            path.LineTo((float)points[i].X, (float)points[i].Y);
        }

        if (close)
        {
            path.Close();
        }

        return path;
    }

    private static void DrawPixels(SKCanvas canvas, PixelBlockShape block)
    {
        var image = block.Image;
        var info = new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var source = new SKBitmap(info);
        var rgba = ToRgba(image);
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, source.GetPixels(), rgba.Length);
        using var skImage = SKImage.FromBitmap(source);
        var target = SKRect.Create((float)block.Left, (float)block.Top, (float)block.Width, (float)block.Height);
        // Nearest neighbour: an observation's pixels stay sharp blocks, as the agent saw them.
        canvas.DrawImage(skImage, target, new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None));
    }

    private static void DrawCaption(SKCanvas canvas, string caption, int width)
    {
        var size = Math.Clamp(width / 40f, 9f, 16f);
        using var font = new SKFont(PlotFonts.Regular, size);
        using var text = new SKPaint { IsAntialias = true, Color = SKColors.Black };
        using var box = new SKPaint { IsAntialias = false, Color = new SKColor(255, 255, 255, 200) };
        var advance = font.MeasureText(caption);
        var pad = size / 3;
        canvas.DrawRect(SKRect.Create(0, 0, advance + (2 * pad), size * 1.3f + pad), box);
        canvas.DrawText(caption, pad, pad + size, SKTextAlign.Left, font, text);
    }
}
