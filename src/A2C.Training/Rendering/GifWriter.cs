using System.Buffers.Binary;
using A2C.Envs.Rendering;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing.Processors.Quantization;

namespace A2C.Training;

/// <summary>
/// Writes an animated GIF (GIF89a, looping) one frame at a time, so a long episode is never held in
/// memory whole. SixLabors.ImageSharp 2.1.13 quantizes and LZW-compresses each frame as a GIF of
/// its own; this class keeps that frame's image block, gives it its own colour table and delay,
/// and joins the blocks under one header. ImageSharp's reported flaws are in its decoders, which
/// crafted files can abuse: a2c only encodes frames it drew itself, so they do not apply.
/// </summary>
internal sealed class GifWriter : IFrameWriter
{
    private static readonly GifEncoder _encoder = new()
    {
        ColorTableMode = GifColorTableMode.Local,
        // Scenes are flat colours with anti-aliased edges: a palette of them, without dithering noise.
        Quantizer = new OctreeQuantizer(new QuantizerOptions { Dither = null }),
    };

    private readonly Stream _output;
    private readonly int _width;
    private readonly int _height;
    private readonly ushort _delay;

    /// <summary>Starts a GIF of <paramref name="width"/> x <paramref name="height"/> at <paramref name="fps"/> frames a second.</summary>
    public GifWriter(Stream output, int width, int height, int fps)
    {
        _output = output;
        (_width, _height) = (width, height);
        _delay = DelayFor(fps);
        Span<byte> header = stackalloc byte[13];
        "GIF89a"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], (ushort)height);
        // No global colour table (each frame brings its own), background 0, square pixels.
        header[10] = 0;
        header[11] = 0;
        header[12] = 0;
        _output.Write(header);
        // The NETSCAPE2.0 application extension: loop forever.
        _output.Write([0x21, 0xFF, 0x0B, .. "NETSCAPE2.0"u8, 0x03, 0x01, 0x00, 0x00, 0x00]);
    }

    /// <summary>Frames a second to a GIF delay in hundredths of a second; viewers treat less than 2 as 10, so 2 at least.</summary>
    /// <param name="fps">Frames a second, at least 1.</param>
    /// <returns>The delay.</returns>
    public static ushort DelayFor(int fps) => (ushort)Math.Max(2, (int)Math.Round(100.0 / fps));

    /// <inheritdoc />
    public void Add(Frame frame)
    {
        if (frame.Width != _width || frame.Height != _height)
        {
            throw new ArgumentException($"the GIF's frames are {_width}x{_height}; got one of {frame.Width}x{frame.Height}.", nameof(frame));
        }

        using var single = new MemoryStream();
        using (var image = Image.LoadPixelData<Rgb24>(frame.Pixels, frame.Width, frame.Height))
        {
            image.SaveAsGif(single, _encoder);
        }

        // Graphic control extension: no disposal (each frame covers the whole picture), our delay, no transparency.
        Span<byte> control = [0x21, 0xF9, 0x04, 0x04, 0, 0, 0x00, 0x00];
        BinaryPrimitives.WriteUInt16LittleEndian(control[4..], _delay);
        _output.Write(control);
        CopyImageBlock(single.GetBuffer().AsSpan(0, (int)single.Length), _output);
    }

    /// <inheritdoc />
    public void Complete()
    {
        _output.WriteByte(0x3B);
        _output.Flush();
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    /// <summary>
    /// Copies the first image of a one-frame GIF (descriptor, colour table, LZW data) to
    /// <paramref name="output"/>, skipping its header and extensions; a global colour table becomes
    /// the image's local one.
    /// </summary>
    private static void CopyImageBlock(ReadOnlySpan<byte> gif, Stream output)
    {
        var at = 13;
        var screenFlags = gif[10];
        var global = ReadOnlySpan<byte>.Empty;
        if ((screenFlags & 0x80) != 0)
        {
            var size = 3 << ((screenFlags & 0x07) + 1);
            global = gif.Slice(at, size);
            at += size;
        }

        while (gif[at] == 0x21)
        {
            // Extension: introducer, label, then sub-blocks up to a zero-length one.
            at += 2;
            at = SkipSubBlocks(gif, at);
        }

        if (gif[at] != 0x2C)
        {
            throw new InvalidOperationException($"ImageSharp's GIF has no image where one was expected (byte 0x{gif[at]:X2} at {at}).");
        }

        Span<byte> descriptor = stackalloc byte[10];
        gif.Slice(at, 10).CopyTo(descriptor);
        at += 10;
        var flags = descriptor[9];
        var local = ReadOnlySpan<byte>.Empty;
        if ((flags & 0x80) != 0)
        {
            var size = 3 << ((flags & 0x07) + 1);
            local = gif.Slice(at, size);
            at += size;
        }
        else if (!global.IsEmpty)
        {
            descriptor[9] = (byte)((flags & 0x78) | 0x80 | (screenFlags & 0x07));
            local = global;
        }
        else
        {
            throw new InvalidOperationException("ImageSharp's GIF frame has no colour table.");
        }

        var start = at;
        // LZW minimum code size, then the data's sub-blocks.
        at = SkipSubBlocks(gif, at + 1);
        output.Write(descriptor);
        output.Write(local);
        output.Write(gif[start..at]);
    }

    private static int SkipSubBlocks(ReadOnlySpan<byte> gif, int at)
    {
        while (gif[at] != 0)
        {
            at += gif[at] + 1;
        }

        return at + 1;
    }
}
