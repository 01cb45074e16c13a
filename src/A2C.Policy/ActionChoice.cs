using A2C.Runtime.Format;

namespace A2C.Runtime;

/// <summary>
/// Turns distribution parameters into actions as docs/export.md's table and Stable-Baselines3's
/// <c>predict</c> do: argmax / softmax draws per block, <c>logit &gt; 0</c> / Bernoulli(sigmoid), and
/// the mean / mean + std * N(0, 1), clipped to the Box's bounds.
/// </summary>
internal static class ActionChoice
{
    public static PolicyAction Deterministic(DistributionModel distribution, PolicyOutputs outputs, int row)
    {
        switch (distribution.Kind)
        {
            case ActionKind.Box:
                var dims = distribution.Low.Length;
                return PolicyAction.OfFloats(Enumerable.Range(0, dims).Select(d => Clip(outputs.Mean[row * dims + d], distribution, d)).ToArray());
            case ActionKind.MultiBinary:
                var switches = distribution.Nvec.Length;
                return PolicyAction.OfIntegers(ActionKind.MultiBinary, Enumerable.Range(0, switches).Select(k => outputs.Logits[row * switches + k] > 0f ? 1 : 0).ToArray());
            default:
                return PolicyAction.OfIntegers(distribution.Kind, Blocks(distribution, outputs, row, (logits, _) => ArgMax(logits), null));
        }
    }

    public static PolicyAction Sample(DistributionModel distribution, PolicyOutputs outputs, int row, Random random)
    {
        switch (distribution.Kind)
        {
            case ActionKind.Box:
                var dims = distribution.Low.Length;
                return PolicyAction.OfFloats(Enumerable.Range(0, dims).Select(d => Clip(outputs.Mean[row * dims + d] + outputs.Std[row * dims + d] * StandardNormal(random), distribution, d)).ToArray());
            case ActionKind.MultiBinary:
                var switches = distribution.Nvec.Length;
                return PolicyAction.OfIntegers(ActionKind.MultiBinary, Enumerable.Range(0, switches).Select(k => random.NextDouble() < Sigmoid(outputs.Logits[row * switches + k]) ? 1 : 0).ToArray());
            default:
                return PolicyAction.OfIntegers(distribution.Kind, Blocks(distribution, outputs, row, SoftmaxDraw, random));
        }
    }

    private static int[] Blocks(DistributionModel distribution, PolicyOutputs outputs, int row, Func<ReadOnlyMemory<float>, Random?, int> choose, Random? random)
    {
        var width = distribution.Nvec.Sum();
        var actions = new int[distribution.Nvec.Length];
        var start = row * width;
        for (var k = 0; k < actions.Length; k++)
        {
            actions[k] = choose(outputs.Logits.AsMemory(start, distribution.Nvec[k]), random);
            start += distribution.Nvec[k];
        }

        return actions;
    }

    /// <summary>The first largest logit, as torch.argmax.</summary>
    private static int ArgMax(ReadOnlyMemory<float> logits)
    {
        var span = logits.Span;
        var best = 0;
        for (var i = 1; i < span.Length; i++)
        {
            if (span[i] > span[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>A draw from softmax(logits) by its cumulative sum, in double.</summary>
    private static int SoftmaxDraw(ReadOnlyMemory<float> logits, Random? random)
    {
        var span = logits.Span;
        var max = span[ArgMax(logits)];
        var weights = new double[span.Length];
        var total = 0.0;
        for (var i = 0; i < span.Length; i++)
        {
            weights[i] = Math.Exp(span[i] - max);
            total += weights[i];
        }

        var u = random!.NextDouble() * total;
        for (var i = 0; i < weights.Length; i++)
        {
            u -= weights[i];
            if (u < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }

    private static double Sigmoid(float logit) => 1.0 / (1.0 + Math.Exp(-logit));

    /// <summary>N(0, 1) by Box-Muller from two uniform draws.</summary>
    private static float StandardNormal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }

    private static float Clip(float value, DistributionModel distribution, int d) =>
        Math.Min(Math.Max(value, distribution.Low[d]), distribution.High[d]);
}
