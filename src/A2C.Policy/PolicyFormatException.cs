namespace A2C.Runtime;

/// <summary>
/// A file that A2C.Policy cannot run: not an ONNX model, truncated, not written by <c>a2c export</c>,
/// a description of another format version, or a description that names a weight the file lacks.
/// The message names the file (its path, or the name given to <see cref="Policy.Load(byte[], string)"/>)
/// and what is wrong with it.
/// </summary>
public sealed class PolicyFormatException : Exception
{
    /// <summary>Creates the exception with a message that names the file and the fault.</summary>
    /// <param name="message">The file and what is wrong with it.</param>
    public PolicyFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that revealed the fault.</summary>
    /// <param name="message">The file and what is wrong with it.</param>
    /// <param name="innerException">The error that revealed it.</param>
    public PolicyFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
