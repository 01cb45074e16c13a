namespace A2C.Envs.Rendering;

/// <summary>
/// An RGB image as Gymnasium's <c>rgb_array</c> render mode returns it: <see cref="Height"/> rows of
/// <see cref="Width"/> pixels of three bytes (red, green, blue), row-major from the top-left pixel,
/// so <see cref="Pixels"/> is the array of shape (H, W, 3) flattened.
/// </summary>
public sealed class Frame
{
    /// <summary>Wraps <paramref name="pixels"/> (not copied) as a frame.</summary>
    /// <param name="width">Pixels a row, at least 1.</param>
    /// <param name="height">Rows, at least 1.</param>
    /// <param name="pixels">Exactly width x height x 3 bytes.</param>
    /// <exception cref="ArgumentException">The sizes do not fit the bytes.</exception>
    public Frame(int width, int height, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if ((long)width * height * 3 != pixels.Length)
        {
            throw new ArgumentException($"a {width}x{height} RGB frame holds {(long)width * height * 3} bytes; got {pixels.Length}.", nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>Pixels a row.</summary>
    public int Width { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>H x W x 3 bytes, row-major: pixel (x, y)'s red is at 3 (y W + x).</summary>
    public byte[] Pixels { get; }

    /// <summary>The colour of the pixel in column <paramref name="x"/> of row <paramref name="y"/> (row 0 at the top).</summary>
    /// <param name="x">Column, 0 to Width - 1.</param>
    /// <param name="y">Row, 0 to Height - 1.</param>
    /// <returns>The colour.</returns>
    public Rgb this[int x, int y]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(x);
            ArgumentOutOfRangeException.ThrowIfNegative(y);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(x, Width);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, Height);
            var i = 3 * ((y * Width) + x);
            return new Rgb(Pixels[i], Pixels[i + 1], Pixels[i + 2]);
        }
    }
}
