using A2C.Core;

namespace A2C.Training;

/// <summary>A loss or gradient was NaN or infinite: the update was refused and the model left as it was.</summary>
public sealed class NonFiniteUpdateException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="message">What was not finite.</param>
    public NonFiniteUpdateException(string message)
        : base(message)
    {
    }

    /// <summary>Refuses a loss that is not finite, before an engine writes its gradient.</summary>
    internal static void ThrowIfNotFinite(LossBreakdown loss)
    {
        // The .NET engine sums in double: a loss beyond float32's range is as broken as an infinite one.
        if (!double.IsFinite(loss.Total) || Math.Abs(loss.Total) > float.MaxValue)
        {
            throw new NonFiniteUpdateException($"the loss is {loss.Total} (policy {loss.Policy}, value {loss.Value}); the update was refused.");
        }
    }
}
