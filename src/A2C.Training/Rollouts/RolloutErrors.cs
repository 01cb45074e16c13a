using A2C.Envs.Simulators;
using A2C.Envs.Vector;

namespace A2C.Training;

/// <summary>An environment failed while the rollout stream stepped it.</summary>
public sealed class RolloutException : Exception
{
    /// <summary>Creates the error for env <paramref name="env"/> at vector step <paramref name="step"/>.</summary>
    /// <param name="env">Index of the sub-environment.</param>
    /// <param name="step">Vector step at which it failed.</param>
    /// <param name="inner">The failure.</param>
    public RolloutException(int env, long step, Exception inner)
        : base(Describe(env, step, inner), inner)
    {
        Env = env;
        Step = step;
    }

    /// <summary>Index of the failing sub-environment.</summary>
    public int Env { get; }

    /// <summary>Vector step at which it failed.</summary>
    public long Step { get; }

    // A sub-environment's wrapper only adds its index, which this message has; any other
    // failure (a simulator or a remote server, which its message names) is kept whole.
    private static string? Cause(Exception? inner) =>
        inner is SubEnvironmentException sub ? sub.InnerException?.Message ?? sub.Message : inner?.Message;

    // Errors that already name the env and the step are told as they are.
    private static string Describe(int env, long step, Exception? inner) => inner is NonFiniteEnvironmentException
        ? inner.Message
        : $"{(env >= 0 ? $"environment {env}" : "the environments")} failed at step {step}: {Cause(inner)}";
}

/// <summary>What the rollout stream does when an env returns a NaN or infinite observation or reward.</summary>
public enum NonFinitePolicy
{
    /// <summary>End the stream with an error naming the env, the value and the step (the default).</summary>
    Fail,

    /// <summary>Drop the rollout in progress, reset the envs and collect a new one (counted; 100 in a row still fail).</summary>
    Skip,
}

/// <summary>An env returned a NaN or infinite observation or reward.</summary>
public sealed class NonFiniteEnvironmentException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="env">Index of the env.</param>
    /// <param name="step">Vector step since the stream started.</param>
    /// <param name="field">What was not finite, e.g. "observation[2]" or "reward".</param>
    /// <param name="value">The value.</param>
    public NonFiniteEnvironmentException(int env, long step, string field, float value)
        : base(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"environment {env} returned {field} = {value} at step {step}; observations and rewards must be finite."))
    {
        Env = env;
        Step = step;
        Field = field;
    }

    /// <summary>Index of the env.</summary>
    public int Env { get; }

    /// <summary>Vector step since the stream started.</summary>
    public long Step { get; }

    /// <summary>What was not finite.</summary>
    public string Field { get; }
}
