namespace A2C.Training;

/// <summary>
/// Options that are each in range but do not fit the environment they are used with, found once
/// it is built: use_sde with a discrete action space. The message names the option and the env.
/// </summary>
public sealed class IncompatibleOptionsException : ArgumentException
{
    /// <summary>An error saying what does not fit.</summary>
    /// <param name="message">Names the option, the env and why.</param>
    public IncompatibleOptionsException(string message)
        : base(message)
    {
    }

    /// <summary>An error with no message of its own.</summary>
    public IncompatibleOptionsException()
    {
    }

    /// <summary>An error saying what does not fit, caused by <paramref name="inner"/>.</summary>
    /// <param name="message">Names the option, the env and why.</param>
    /// <param name="inner">The cause.</param>
    public IncompatibleOptionsException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
