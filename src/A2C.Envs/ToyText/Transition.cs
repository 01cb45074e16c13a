namespace A2C.Envs.ToyText;

/// <summary>One outcome of an action in a toy_text env's table: an entry of Gymnasium's <c>env.P[s][a]</c>, <c>(p, next, reward, terminated)</c>.</summary>
/// <param name="Probability">The chance of this outcome.</param>
/// <param name="Next">The state it leads to.</param>
/// <param name="Reward">The reward it pays.</param>
/// <param name="Terminated">Whether it ends the episode.</param>
public readonly record struct Transition(double Probability, int Next, double Reward, bool Terminated)
{
    /// <summary>
    /// Gymnasium's <c>categorical_sample</c>: the first outcome whose running sum of probabilities
    /// exceeds one <c>random()</c> draw (the first outcome when none does, as numpy's argmax of an
    /// all-false array). It draws even for a single outcome, as Gymnasium does.
    /// </summary>
    internal static Transition Sample(Transition[] outcomes, Rng random)
    {
        var u = random.NextDouble();
        var sum = 0.0;
        foreach (var outcome in outcomes)
        {
            sum += outcome.Probability;
            if (sum > u)
            {
                return outcome;
            }
        }

        return outcomes[0];
    }
}
