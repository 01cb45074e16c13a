using System.Globalization;
using System.Text;
using A2C.Training;

namespace A2C.Cli;

/// <summary>A study's outcome: its trials ranked, and the best one's hyperparameters as an RL Zoo entry.</summary>
internal static class TuneReport
{
    /// <summary>
    /// The finished trials, best first: by objective, then (CartPole's 500 is a ceiling many
    /// reach) by the mean of all their evaluations, which favours the one that got there sooner,
    /// then by number. Pruned trials follow the complete ones; failed ones are left out.
    /// </summary>
    public static List<TrialRecord> Ranked(IEnumerable<TrialRecord> trials) =>
        [.. trials
            .Where(t => t.State is TrialState.Complete or TrialState.Pruned && t.Objective is not null)
            .OrderBy(t => t.State == TrialState.Complete ? 0 : 1)
            .ThenByDescending(t => t.Objective)
            .ThenByDescending(t => t.Reports.Average(r => r.Value))
            .ThenBy(t => t.Number)];

    /// <summary>The table printed at the end: rank, trial, state, objective, evaluations and the sample.</summary>
    public static void WriteTable(IReadOnlyList<TrialRecord> ranked, IReadOnlyList<TrialRecord> all, TextWriter stdout, int rows = 10)
    {
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{all.Count(t => t.State == TrialState.Complete)} complete, {all.Count(t => t.State == TrialState.Pruned)} pruned, {all.Count(t => t.State == TrialState.Failed)} failed, {all.Count(t => t.State == TrialState.Running)} running"));
        stdout.WriteLine("| rank | trial | state | objective | mean of evaluations | evaluations | hyperparameters |");
        stdout.WriteLine("| ---: | ---: | --- | ---: | ---: | ---: | --- |");
        foreach (var (trial, rank) in ranked.Take(rows).Select((t, i) => (t, i + 1)))
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {rank} | {trial.Number} | {trial.State.ToString().ToLowerInvariant()} | {trial.Objective:F2} | {trial.Reports.Average(r => r.Value):F2} | {trial.Reports.Count} | {Sample(trial)} |"));
        }
    }

    /// <summary>"gamma 0.98, n_steps 32, ...": a trial's sample as read.</summary>
    public static string Sample(TrialRecord trial) =>
        string.Join(", ", A2CSearchSpace.Parameters.Select((p, i) => $"{p.Name} {p.Display(trial.Values[i])}"));

    /// <summary>
    /// The best trial as an entry of an RL Zoo hyperparameter file for the study's env, which
    /// <c>a2c train --hyperparams</c> reads: the sample, and from the trial's resolved config the
    /// env's shape (n_envs, policy, normalize, env_kwargs) and the budget it was tuned with.
    /// </summary>
    public static string ZooEntry(TrialRecord best, TuneSettings settings, string studyPath, A2COptions resolved)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# a2c tune: the best trial ({best.Number}) of the study {studyPath}; objective {best.Objective:F2} ({(settings.Objective == "mean" ? "the mean return over its evaluations" : "the mean return of its last evaluation")}, {settings.EvalEpisodes} episodes each).");
        text.AppendLine(CultureInfo.InvariantCulture, $"# Train it: a2c train --env {settings.Env} --hyperparams THIS_FILE");
        text.AppendLine(CultureInfo.InvariantCulture, $"{settings.Env}:");
        text.AppendLine(CultureInfo.InvariantCulture, $"  n_envs: {resolved.NEnvs}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  n_timesteps: {settings.Budget}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  policy: {Hyperparameters.Policy.Format(resolved)}");
        if (resolved.Normalize)
        {
            text.AppendLine("  normalize: true");
        }

        if (!string.IsNullOrEmpty(resolved.EnvKwargs) && resolved.EnvKwargs != "{}")
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  env_kwargs: {resolved.EnvKwargs}");
        }

        foreach (var line in A2CSearchSpace.ZooLines(best.Values))
        {
            text.AppendLine("  " + line);
        }

        return text.ToString();
    }
}
