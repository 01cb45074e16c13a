using static TorchSharp.torch;

namespace A2C.Training;

/// <summary>
/// What a policy says about a batch of observations: the distribution's parameters and the critic's
/// values, the numbers an exported ONNX graph outputs (docs/export.md) and <c>a2c predict</c> prints.
/// </summary>
/// <param name="Actor">Logits (integer actions) or Gaussian means (Box actions), batch x the actor's width, row-major.</param>
/// <param name="Std">The Gaussian's standard deviations, batch x dims (gSDE's state-dependent ones), or null for integer actions.</param>
/// <param name="Values">V(s), one per observation.</param>
public sealed record PolicyOutputs(float[] Actor, float[]? Std, float[] Values)
{
    /// <summary>
    /// Runs <paramref name="model"/>'s forward pass on <paramref name="count"/> raw observations,
    /// normalized first with <paramref name="normalizer"/>'s statistics (read, not updated) when
    /// the run normalized.
    /// </summary>
    /// <param name="model">The actor-critic.</param>
    /// <param name="normalizer">The run's frozen statistics, or null.</param>
    /// <param name="observations">count x ObservationSize raw floats, row-major.</param>
    /// <param name="count">Number of observations.</param>
    public static PolicyOutputs Of(ActorCritic model, Normalizer? normalizer, float[] observations, int count)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(observations);
        var spec = model.Spec;
        if (observations.Length != count * spec.ObservationSize)
        {
            throw new ArgumentException($"{count} observations of {spec.ObservationSize} floats are {count * spec.ObservationSize} floats; got {observations.Length}.", nameof(observations));
        }

        var input = normalizer is null ? observations : normalizer.Observations(observations);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var x = tensor(input).reshape(count, spec.ObservationSize);
        var (actor, values, latent) = model.EvaluateWithLatent(x);
        float[]? std = null;
        if (spec.Continuous)
        {
            var logStd = model.LogStd!;
            std = Data(spec.UseSde
                ? A2C.Core.Distributions.SdeStd(latent, logStd, spec.ActionCount, false)
                : logStd.exp().expand(count, spec.ActionCount));
        }

        return new PolicyOutputs(Data(actor), std, Data(values));
    }

    private static float[] Data(Tensor t) => t.contiguous().data<float>().ToArray();
}
