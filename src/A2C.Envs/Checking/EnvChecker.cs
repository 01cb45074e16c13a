using System.Globalization;
using A2C.Envs.Spaces;

namespace A2C.Envs.Checking;

/// <summary>How much a finding matters.</summary>
public enum CheckSeverity
{
    /// <summary>The contract holds.</summary>
    Ok,

    /// <summary>Allowed, but likely to hurt learning (e.g. an unbounded action box).</summary>
    Warning,

    /// <summary>The contract is broken.</summary>
    Error,
}

/// <summary>One finding of the checker.</summary>
/// <param name="Name">What was checked.</param>
/// <param name="Severity">The outcome.</param>
/// <param name="Detail">What was seen.</param>
public sealed record CheckResult(string Name, CheckSeverity Severity, string Detail);

/// <summary>Everything the checker found about one environment.</summary>
/// <param name="Env">The environment's name.</param>
/// <param name="Results">The findings, in the order checked.</param>
public sealed record CheckReport(string Env, IReadOnlyList<CheckResult> Results)
{
    /// <summary>No finding is an error.</summary>
    public bool Passed => Results.All(r => r.Severity != CheckSeverity.Error);

    /// <summary>A readable report: one line per finding, then a verdict.</summary>
    /// <returns>The report text.</returns>
    public override string ToString()
    {
        var lines = Results.Select(r => $"  {Label(r.Severity),-5} {r.Name}: {r.Detail}");
        var errors = Results.Count(r => r.Severity == CheckSeverity.Error);
        var verdict = errors == 0 ? "passed" : $"FAILED ({errors} error{(errors == 1 ? string.Empty : "s")})";
        return $"{Env}: {Results.Count} checks, {verdict}{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
    }

    private static string Label(CheckSeverity s) => s switch
    {
        CheckSeverity.Ok => "ok",
        CheckSeverity.Warning => "warn",
        _ => "FAIL",
    };
}

/// <summary>
/// Checks that an environment keeps the contract the rest of A2C relies on, in the spirit of
/// Stable-Baselines3's <c>check_env</c>: consistent spaces, observations inside the observation
/// space and finite, finite rewards, the reset/step contract, action validation, determinism under
/// a seed, and (where the env exposes it) replay from a set physical state.
/// </summary>
public static class EnvChecker
{
    /// <summary>Checks a registered environment.</summary>
    /// <param name="id">Registered id.</param>
    /// <param name="steps">Random steps to take (episodes reset as they end).</param>
    /// <param name="seed">Seed for the environment and the random actions.</param>
    /// <returns>The report.</returns>
    public static CheckReport Check(string id, int steps = 1000, int seed = 0)
    {
        var spec = global::A2C.Envs.Registry.Spec(id);
        return Check(() => global::A2C.Envs.Registry.Make(spec.Id), steps, seed);
    }

    /// <summary>Checks the environments <paramref name="factory"/> makes (it is called several times).</summary>
    /// <param name="factory">Makes a fresh instance each call.</param>
    /// <param name="steps">Random steps to take (episodes reset as they end).</param>
    /// <param name="seed">Seed for the environment and the random actions.</param>
    /// <returns>The report.</returns>
    public static CheckReport Check(Func<IEnv> factory, int steps = 1000, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        var results = new List<CheckResult>();
        string name;
        using (var probe = factory())
        {
            name = probe.Name;
            Run(results, "spaces", () => CheckSpaces(probe));
        }

        Run(results, "step before reset is refused", () => StepBeforeReset(factory));
        Run(results, "reset observation", () => ResetObservation(factory, seed));
        Run(results, "random steps", () => RandomSteps(factory, steps, seed));
        Run(results, "stepping a finished episode is refused", () => StepAfterDone(factory, steps, seed));
        Run(results, "invalid actions are refused", () => InvalidActions(factory, seed));
        Run(results, "determinism under a seed", () => Determinism(factory, steps, seed));
        Run(results, "replay from a set physical state", () => Replay(factory, seed));
        return new CheckReport(name, results);
    }

    private static void Run(List<CheckResult> results, string name, Func<(CheckSeverity Severity, string Detail)> check)
    {
        try
        {
            var (severity, detail) = check();
            results.Add(new CheckResult(name, severity, detail));
        }
        catch (Exception e)
        {
            results.Add(new CheckResult(name, CheckSeverity.Error, $"threw {e.GetType().Name}: {e.Message}"));
        }
    }

    private static (CheckSeverity, string) CheckSpaces(IEnv env)
    {
        var obs = env.ObservationSpace;
        if (obs.FlatSize < 1)
        {
            return (CheckSeverity.Error, "the observation space is empty");
        }

        switch (env.ActionSpace)
        {
            case Discrete d:
                return (CheckSeverity.Ok, $"observation {obs}, action {d}");
            case Box b when !b.IsBounded:
                return (CheckSeverity.Warning, $"observation {obs}, action {b}: the action box is unbounded; Gaussian policies learn best in a bounded, symmetric box such as [-1, 1]");
            case Box b:
                return (CheckSeverity.Ok, $"observation {obs}, action {b}");
            case MultiDiscrete or MultiBinary:
                return (CheckSeverity.Ok, $"observation {obs}, action {env.ActionSpace}");
            default:
                return (CheckSeverity.Error, $"the action space must be Discrete, Box, MultiDiscrete or MultiBinary; got {env.ActionSpace}");
        }
    }

    private static (CheckSeverity, string) StepBeforeReset(Func<IEnv> factory)
    {
        using var env = factory();
        var observation = new float[env.ObservationSpace.FlatSize];
        try
        {
            StepRandom(env, new Rng(1), observation);
        }
        catch (InvalidOperationException)
        {
            return (CheckSeverity.Ok, "InvalidOperationException");
        }

        return (CheckSeverity.Error, "Step before Reset was accepted");
    }

    private static (CheckSeverity, string) ResetObservation(Func<IEnv> factory, int seed)
    {
        using var env = factory();
        var observation = new float[env.ObservationSpace.FlatSize];
        env.Reset(observation, seed);
        return ObservationProblem(env, observation, "after reset") is { } problem
            ? (CheckSeverity.Error, problem)
            : (CheckSeverity.Ok, $"inside {env.ObservationSpace}");
    }

    private static (CheckSeverity, string) RandomSteps(Func<IEnv> factory, int steps, int seed)
    {
        using var env = factory();
        var rng = new Rng(seed);
        var observation = new float[env.ObservationSpace.FlatSize];
        env.Reset(observation, seed);
        var episodes = 0;
        for (var t = 0; t < steps; t++)
        {
            var r = StepRandom(env, rng, observation);
            if (ObservationProblem(env, observation, $"at step {t}") is { } problem)
            {
                return (CheckSeverity.Error, problem);
            }

            if (!double.IsFinite(r.Reward))
            {
                return (CheckSeverity.Error, $"reward {r.Reward} at step {t} is not finite");
            }

            if (r.Done)
            {
                episodes++;
                env.Reset(observation);
                if (ObservationProblem(env, observation, $"after the reset at step {t}") is { } resetProblem)
                {
                    return (CheckSeverity.Error, resetProblem);
                }
            }
        }

        return (CheckSeverity.Ok, $"{steps} steps, {episodes} episodes ended; observations in space, rewards finite");
    }

    private static (CheckSeverity, string) StepAfterDone(Func<IEnv> factory, int steps, int seed)
    {
        using var env = factory();
        var rng = new Rng(seed);
        var observation = new float[env.ObservationSpace.FlatSize];
        env.Reset(observation, seed);
        for (var t = 0; t < steps; t++)
        {
            if (StepRandom(env, rng, observation).Done)
            {
                try
                {
                    StepRandom(env, rng, observation);
                }
                catch (InvalidOperationException)
                {
                    return (CheckSeverity.Ok, $"InvalidOperationException after the episode ended at step {t}");
                }

                return (CheckSeverity.Error, $"a step after the episode ended at step {t} was accepted");
            }
        }

        return (CheckSeverity.Warning, $"no episode ended within {steps} steps; not checked");
    }

    private static (CheckSeverity, string) InvalidActions(Func<IEnv> factory, int seed)
    {
        using var env = factory();
        var observation = new float[env.ObservationSpace.FlatSize];
        env.Reset(observation, seed);
        var refused = new List<string>();
        switch (env.ActionSpace)
        {
            case Discrete d:
                if (!Throws<ArgumentOutOfRangeException>(() => env.Step(d.Start + d.N, observation)))
                {
                    return (CheckSeverity.Error, $"the out-of-space action {d.Start + d.N} was accepted");
                }

                refused.Add($"action {d.Start + d.N}");
                if (!Throws<ArgumentException>(() => env.Step(new float[1].AsSpan(), observation)))
                {
                    return (CheckSeverity.Error, "a continuous action was accepted by a discrete action space");
                }

                refused.Add("a float vector");
                break;
            case Box b:
                if (!Throws<ArgumentException>(() => env.Step(new float[b.FlatSize + 1].AsSpan(), observation)))
                {
                    return (CheckSeverity.Error, $"an action of {b.FlatSize + 1} components was accepted");
                }

                refused.Add($"{b.FlatSize + 1} components");
                if (!Throws<ArgumentException>(() => env.Step(0, observation)))
                {
                    return (CheckSeverity.Error, "an integer action was accepted by a box action space");
                }

                refused.Add("an integer");
                break;
            case MultiDiscrete m:
                var beyond = m.Nvec.ToArray();
                if (!Throws<ArgumentException>(() => env.Step(beyond.AsSpan(), observation)))
                {
                    return (CheckSeverity.Error, $"the out-of-space action [{string.Join(", ", beyond)}] was accepted");
                }

                refused.Add($"action [{string.Join(", ", beyond)}]");
                break;
            case MultiBinary mb:
                var two = Enumerable.Repeat(2, mb.N).ToArray();
                if (!Throws<ArgumentException>(() => env.Step(two.AsSpan(), observation)))
                {
                    return (CheckSeverity.Error, "an action of 2s was accepted by a MultiBinary space");
                }

                refused.Add("switches set to 2");
                break;
        }

        if (!Throws<ArgumentException>(() => env.Reset(new float[env.ObservationSpace.FlatSize + 1], seed)))
        {
            return (CheckSeverity.Error, "an observation buffer of the wrong length was accepted");
        }

        refused.Add("a wrong-size observation buffer");
        return (CheckSeverity.Ok, "refused " + string.Join(", ", refused));
    }

    private static (CheckSeverity, string) Determinism(Func<IEnv> factory, int steps, int seed)
    {
        using var a = factory();
        using var b = factory();
        var size = a.ObservationSpace.FlatSize;
        var (obsA, obsB) = (new float[size], new float[size]);
        var (rngA, rngB) = (new Rng(seed), new Rng(seed));
        a.Reset(obsA, seed);
        b.Reset(obsB, seed);
        if (!obsA.AsSpan().SequenceEqual(obsB))
        {
            return (CheckSeverity.Error, $"two resets with seed {seed} gave different observations: {Format(obsA)} vs {Format(obsB)}");
        }

        a.Reset(obsA, seed);
        if (!obsA.AsSpan().SequenceEqual(obsB))
        {
            return (CheckSeverity.Error, $"resetting again with seed {seed} gave a different observation: {Format(obsA)} vs {Format(obsB)}");
        }

        for (var t = 0; t < steps; t++)
        {
            var ra = StepRandom(a, rngA, obsA);
            var rb = StepRandom(b, rngB, obsB);
            if (ra != rb || !obsA.AsSpan().SequenceEqual(obsB))
            {
                return (CheckSeverity.Error, $"step {t} differs under the same seed and actions: {ra} {Format(obsA)} vs {rb} {Format(obsB)}");
            }

            if (ra.Done)
            {
                a.Reset(obsA);
                b.Reset(obsB);
                if (!obsA.AsSpan().SequenceEqual(obsB))
                {
                    return (CheckSeverity.Error, $"the unseeded reset after step {t} differs between two equally seeded instances");
                }
            }
        }

        return (CheckSeverity.Ok, $"{steps} steps identical for seed {seed}, across resets");
    }

    private static (CheckSeverity, string) Replay(Func<IEnv> factory, int seed)
    {
        using var a = factory();
        using var b = factory();
        if (a.PhysicalState() is not { } stateA || b.PhysicalState() is not { } stateB)
        {
            return (CheckSeverity.Ok, "the env exposes no physical state; nothing to replay");
        }

        var size = a.ObservationSpace.FlatSize;
        var (obsA, obsB) = (new float[size], new float[size]);
        var rng = new Rng(seed);
        a.Reset(obsA, seed);
        b.Reset(obsB, seed + 1);
        var steps = 0;
        for (; steps < 10; steps++)
        {
            if (StepRandom(a, rng, obsA).Done)
            {
                a.Reset(obsA);
            }
        }

        stateB.SetState(stateA.GetState());
        stateB.Observe(obsB);
        stateA.Observe(obsA);
        if (!obsA.AsSpan().SequenceEqual(obsB))
        {
            return (CheckSeverity.Error, $"the same state observes differently: {Format(obsA)} vs {Format(obsB)}");
        }

        var actionSeed = new Rng(seed + 7);
        var copy = new Rng(seed + 7);
        var ra = StepRandom(a, actionSeed, obsA);
        var rb = StepRandom(b, copy, obsB);
        if (ra != rb || !obsA.AsSpan().SequenceEqual(obsB))
        {
            return (CheckSeverity.Error, $"stepping from a copied state differs: {ra} {Format(obsA)} vs {rb} {Format(obsB)}");
        }

        return (CheckSeverity.Ok, $"state ({string.Join(", ", stateA.StateNames)}) copied after {steps} steps replays identically");
    }

    private static string? ObservationProblem(IEnv env, float[] observation, string when)
    {
        for (var i = 0; i < observation.Length; i++)
        {
            if (!float.IsFinite(observation[i]))
            {
                return $"observation component {i} is {observation[i]} {when}";
            }
        }

        return env.ObservationSpace.Violation(observation) is { } why ? $"the observation {why} {when}" : null;
    }

    private static StepResult StepRandom(IEnv env, Rng rng, float[] observation)
    {
        switch (env.ActionSpace)
        {
            case Discrete d:
                return env.Step(d.Sample(rng), observation);
            case Box b:
                Span<float> action = stackalloc float[b.FlatSize];
                b.Sample(rng, action);
                return env.Step(action, observation);
            case MultiDiscrete or MultiBinary:
                Span<float> drawn = stackalloc float[env.ActionSpace.FlatSize];
                env.ActionSpace.Sample(rng, drawn);
                Span<int> integers = stackalloc int[drawn.Length];
                for (var k = 0; k < drawn.Length; k++)
                {
                    integers[k] = (int)drawn[k];
                }

                return env.Step(integers, observation);
            default:
                throw new InvalidOperationException($"unsupported action space {env.ActionSpace}");
        }
    }

    private static bool Throws<T>(Action action)
        where T : Exception
    {
        try
        {
            action();
            return false;
        }
        catch (T)
        {
            return true;
        }
    }

    private static string Format(float[] values) => "[" + string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]";
}
