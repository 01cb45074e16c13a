using System.Buffers.Binary;

namespace A2C.Training;

/// <summary>
/// TensorBoard's event files as a resume needs them. A file is a sequence of TFRecords (uint64
/// length, uint32 masked CRC of it, the data, uint32 masked CRC of the data), each an
/// <c>Event</c> protocol buffer whose field 2 is the step. TorchSharp's SummaryWriter cannot write
/// the purge event TensorBoard honours (a SessionLog START at the resume's step), so the resume
/// removes the steps itself.
/// </summary>
internal static class TensorBoardEvents
{
    private const int Framing = sizeof(ulong) + sizeof(uint);
    private const int Footer = sizeof(uint);

    /// <summary>
    /// Cuts every event file in <paramref name="directory"/> before its first record past
    /// <paramref name="step"/>, or before a record cut short by a kill. A run appends its events in
    /// step order and every resume starts a new file, so what is cut is exactly what was logged
    /// after the checkpoint. The cut is one truncation flushed to disk: a kill leaves the file whole
    /// either way.
    /// </summary>
    /// <param name="directory">The run's tensorboard directory; nothing happens if it does not exist.</param>
    /// <param name="step">The checkpoint's step: records up to it are kept.</param>
    /// <exception cref="IOException">A file cannot be read or cut; the message names it.</exception>
    public static void DropAfter(string directory, long step)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var path in Directory.EnumerateFiles(directory, "events.out.tfevents.*"))
        {
            try
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                var bytes = new byte[file.Length];
                file.ReadExactly(bytes);
                var keep = KeptLength(bytes, step);
                if (keep < bytes.Length)
                {
                    file.SetLength(keep);
                    file.Flush(flushToDisk: true);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw FileErrors.CannotWrite(path, e);
            }
        }
    }

    /// <summary>The length of the whole records at the start of <paramref name="file"/> whose step is at most <paramref name="step"/>.</summary>
    internal static long KeptLength(ReadOnlySpan<byte> file, long step)
    {
        var offset = 0L;
        while (file.Length - offset >= Framing)
        {
            var length = BinaryPrimitives.ReadUInt64LittleEndian(file[(int)offset..]);
            if (length > (ulong)(file.Length - offset - Framing - Footer))
            {
                break;
            }

            var data = file.Slice((int)offset + Framing, (int)length);
            if (Step(data) > step)
            {
                break;
            }

            offset += Framing + (long)length + Footer;
        }

        return offset;
    }

    /// <summary>The step of an encoded <c>Event</c> (0, protobuf's default, when it has none).</summary>
    internal static long Step(ReadOnlySpan<byte> message)
    {
        var at = 0;
        var step = 0L;
        while (at < message.Length)
        {
            if (!Varint(message, ref at, out var key))
            {
                break;
            }

            switch (key & 7)
            {
                case 0:
                    if (!Varint(message, ref at, out var value))
                    {
                        return step;
                    }

                    if (key >> 3 == 2)
                    {
                        step = (long)value;
                    }

                    break;
                case 1:
                    at += 8;
                    break;
                case 2:
                    if (!Varint(message, ref at, out var size) || size > (ulong)(message.Length - at))
                    {
                        return step;
                    }

                    at += (int)size;
                    break;
                case 5:
                    at += 4;
                    break;
                default:
                    // Groups are not used by Event; stop rather than guess.
                    return step;
            }
        }

        return step;
    }

    private static bool Varint(ReadOnlySpan<byte> bytes, ref int at, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && at < bytes.Length; shift += 7)
        {
            var b = bytes[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }
}
