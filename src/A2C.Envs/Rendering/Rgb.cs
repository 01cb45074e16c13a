namespace A2C.Envs.Rendering;

/// <summary>An opaque colour, 8 bits a channel.</summary>
/// <param name="R">Red, 0 to 255.</param>
/// <param name="G">Green, 0 to 255.</param>
/// <param name="B">Blue, 0 to 255.</param>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    /// <summary>255, 255, 255.</summary>
    public static Rgb White => new(255, 255, 255);

    /// <summary>0, 0, 0.</summary>
    public static Rgb Black => new(0, 0, 0);

    /// <summary>A grey of <paramref name="level"/> on every channel.</summary>
    /// <param name="level">0 (black) to 255 (white).</param>
    /// <returns>The grey.</returns>
    public static Rgb Grey(byte level) => new(level, level, level);

    /// <inheritdoc />
    public override string ToString() => $"({R}, {G}, {B})";
}
