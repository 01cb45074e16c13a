namespace A2C.Training;

/// <summary>
/// The floating-point operations an A2C loop spends in the model's dense layers, counted as two per
/// multiply-add (the usual convention; biases, activations, the loss, clipping and the optimizer are
/// left out, so achieved GFLOP/s figures are slight underestimates).
/// </summary>
/// <param name="Act">One observation's forward pass through both heads, as acting computes actions and values.</param>
/// <param name="Update">One transition's share of an update: the forward pass through both heads, then the backward pass (every weight gradient, and the gradient of every layer's input except the observation's).</param>
/// <param name="Bootstrap">One value of a rollout's next observations (the critic's trunk and head), computed once per env per update.</param>
/// <param name="NSteps">Steps per env per update, over which a bootstrap value is shared.</param>
public sealed record ModelFlops(long Act, long Update, long Bootstrap, int NSteps)
{
    /// <summary>Per env step of training: act once, learn from the transition once, and a share of the bootstrap.</summary>
    public double PerEnvStep => Act + Update + ((double)Bootstrap / NSteps);

    /// <summary>One update over <paramref name="transitions"/> transitions, bootstrap values included.</summary>
    /// <param name="transitions">n_steps * n_envs.</param>
    /// <returns>Operations.</returns>
    public double PerUpdate(int transitions) => ((double)Update * transitions) + ((double)Bootstrap * transitions / NSteps);

    /// <summary>The count for <paramref name="spec"/>'s dense layers at <paramref name="nSteps"/> steps an update, or null for a CNN, which is not counted.</summary>
    /// <param name="spec">The policy's shape.</param>
    /// <param name="layout">Where its layers are (the model's <see cref="FlatParameters.Layout"/>).</param>
    /// <param name="nSteps">Steps per env per update.</param>
    /// <returns>The count, or null.</returns>
    public static ModelFlops? For(PolicySpec spec, ParameterLayout layout, int nSteps)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(layout);
        if (spec.Encoding?.HasImages == true)
        {
            return null;
        }

        static long Forward(IEnumerable<DenseSlot> layers) => layers.Sum(s => 2L * s.In * s.Out);

        // A layer's input gradient is wanted unless its input is the observation: the first of a trunk, or a head without one.
        static long InputGradients(IReadOnlyList<DenseSlot> trunk, DenseSlot head) =>
            Forward(trunk.Skip(1)) + (trunk.Count > 0 ? Forward([head]) : 0);

        var forward = Forward(layout.PolicyTrunk) + Forward([layout.ActorHead]) + Forward(layout.ValueTrunk) + Forward([layout.CriticHead]);
        var inputs = layout.Separate
            ? InputGradients(layout.PolicyTrunk, layout.ActorHead) + InputGradients(layout.ValueTrunk, layout.CriticHead)
            : InputGradients(layout.PolicyTrunk, layout.ActorHead) + (layout.PolicyTrunk.Count > 0 ? Forward([layout.CriticHead]) : 0);
        var bootstrap = Forward(layout.Separate ? layout.ValueTrunk : layout.PolicyTrunk) + Forward([layout.CriticHead]);
        return new ModelFlops(forward, forward + forward + inputs, bootstrap, Math.Max(1, nSteps));
    }
}
