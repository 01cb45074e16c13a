namespace A2C.Training;

/// <summary>Chooses actions for a batch of observations and reports V(s); implemented by <see cref="Agent"/> and by test policies.</summary>
public interface IPolicy
{
    /// <summary>Fills actions and values for <paramref name="count"/> observations.</summary>
    /// <param name="observations">count x observation size.</param>
    /// <param name="count">Number of observations.</param>
    /// <param name="discreteActions">Receives discrete actions.</param>
    /// <param name="continuousActions">Receives continuous actions (count x dims).</param>
    /// <param name="values">Receives V(s).</param>
    void Act(float[] observations, int count, int[] discreteActions, float[] continuousActions, float[] values);

    /// <summary>V(s) of <paramref name="count"/> observations.</summary>
    /// <param name="observations">count x observation size.</param>
    /// <param name="count">Number of observations.</param>
    /// <param name="values">Receives the values.</param>
    void Values(ReadOnlySpan<float> observations, int count, Span<float> values);

    /// <summary>
    /// Told before the actions of step <paramref name="step"/> of a rollout are asked for (0 at
    /// the start of each rollout), so that a policy with exploration state can renew it: gSDE
    /// draws new exploration matrices at 0 and every sde_sample_freq steps. Nothing by default.
    /// </summary>
    /// <param name="step">The step within the rollout, from 0.</param>
    void BeginStep(int step)
    {
    }
}
