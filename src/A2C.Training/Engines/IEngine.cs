using A2C.Core;

namespace A2C.Training;

/// <summary>
/// Who computes an <see cref="ActorCritic"/>'s passes: the one seam between the algorithm (acting in
/// <see cref="Agent"/>, learning in <see cref="Learner"/>) and the engine, chosen once by
/// <see cref="EngineChoice.Create"/>. Sampling, GAE, clipping and the optimizer stay outside it,
/// so both engines take the same actions and steps from the same outputs and gradients.
/// One instance per agent, called on one thread at a time; disposing it stops any thread it started.
/// </summary>
internal interface IEngine : IDisposable
{
    /// <summary>Which engine this is (never <see cref="Engine.Auto"/>).</summary>
    Engine Kind { get; }

    /// <summary>
    /// Inference without autograd: actor outputs (count x ActionCount: logits or Gaussian means)
    /// and values V(s) (count) of <paramref name="count"/> observations. <paramref name="actor"/>
    /// may be empty when only values are wanted (bootstrapping).
    /// </summary>
    /// <param name="observations">count x ObservationSize floats, row-major.</param>
    /// <param name="count">Number of observations.</param>
    /// <param name="actor">Receives the actor's outputs, or empty.</param>
    /// <param name="values">Receives the values.</param>
    void Forward(ReadOnlySpan<float> observations, int count, Span<float> actor, Span<float> values);

    /// <summary>
    /// One batched forward pass over the rollout's Steps x Envs observations, the A2C loss of the
    /// actions taken given <paramref name="advantages"/> and <paramref name="returns"/>, and its
    /// gradient written over the model's <see cref="FlatParameters.Gradients"/>.
    /// </summary>
    /// <param name="rollout">The rollout to learn from.</param>
    /// <param name="options">The loss's coefficients.</param>
    /// <param name="advantages">Per transition, time-major (Steps x Envs).</param>
    /// <param name="returns">Per transition, time-major (Steps x Envs).</param>
    /// <param name="mask">With a Discrete action space, the env's action mask: the logits it forbids are set to <see cref="Agent.MaskedLogit"/> before the loss; null: none.</param>
    /// <returns>The loss, term by term.</returns>
    /// <exception cref="NonFiniteUpdateException">The loss is not finite; the gradients were not touched.</exception>
    LossBreakdown Gradient(RolloutBuffer rollout, LossOptions options, float[] advantages, float[] returns, Envs.ActionMaskFunction? mask = null);
}
