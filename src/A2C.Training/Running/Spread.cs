namespace A2C.Training;

/// <summary>Mean and population standard deviation (divisor n, numpy's default): how every summary here states a spread.</summary>
internal static class Spread
{
    /// <summary>The mean and population standard deviation of <paramref name="values"/> (at least one).</summary>
    public static (double Mean, double Std) Of(IReadOnlyCollection<double> values)
    {
        var mean = values.Average();
        return (mean, Math.Sqrt(values.Average(v => (v - mean) * (v - mean))));
    }
}
