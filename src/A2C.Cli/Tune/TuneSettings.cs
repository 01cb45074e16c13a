using System.Globalization;
using System.Text.Json;
using A2C.Core;
using A2C.Training;

namespace A2C.Cli;

/// <summary>
/// What a study tunes and how: the env, each trial's budget and evaluations, the sampler and the
/// pruner, the seed, and the options passed to every trial's <c>a2c train</c>. Stored in the
/// study when it is created; a resumed study keeps them.
/// </summary>
internal sealed record TuneSettings(string Env, long Budget, int Evaluations, int EvalEpisodes, string Sampler, string Pruner, string Objective, int Seed, int SeedsPerTrial, IReadOnlyList<string> TrainArgs)
{
    /// <summary>The search space every study of this a2c samples.</summary>
    public const string Space = "rl-zoo-a2c";

    public static IReadOnlyList<string> Samplers { get; } = ["tpe", "random"];

    public static IReadOnlyList<string> Pruners { get; } = ["median", "halving", "none"];

    /// <summary>last: the last evaluation's mean return (RL Zoo's); mean: the mean over all of a trial's evaluations, the area under its evaluation curve, which favours trials that learn sooner.</summary>
    public static IReadOnlyList<string> Objectives { get; } = ["last", "mean"];

    /// <summary>A trial's objective from its evaluations so far.</summary>
    public double ObjectiveOf(IReadOnlyList<(long Step, double Value)> reports) =>
        Objective == "mean" ? reports.Average(r => r.Value) : reports[^1].Value;

    /// <summary>RL Zoo's n_startup_trials: random trials before TPE, and completed trials before the median pruner prunes.</summary>
    public const int StartupTrials = 10;

    /// <summary>Steps between a trial's evaluations: its budget over their number.</summary>
    public long EvalFreq => Math.Max(1, Budget / Evaluations);

    /// <summary>The pruner, with RL Zoo's settings: the median after 10 completed trials and a third of the evaluations; successive halving from the first evaluation, factor 4.</summary>
    public Pruner PrunerRule => Pruner switch
    {
        "median" => A2C.Core.Pruner.NewMedian(StartupTrials, Evaluations / 3, 1, 1),
        "halving" => A2C.Core.Pruner.NewSuccessiveHalving(1, 4, 0),
        _ => A2C.Core.Pruner.NoPruning,
    };

    /// <summary>The values of trial <paramref name="number"/>, given the finished trials.</summary>
    public double[] Suggest(int number, IReadOnlyList<TrialRecord> trials)
    {
        // Each trial its own stream of the study's seed: the same history gives the same values anywhere.
        var seed = unchecked(((ulong)(uint)Seed << 32) | (uint)number);
        return Sampler == "random"
            ? Tpe.random(A2CSearchSpace.Ranges, seed)
            : Tpe.suggest(A2CSearchSpace.Ranges, Direction.Maximize, Microsoft.FSharp.Collections.ListModule.OfSeq(Study.Observations(trials)), seed);
    }

    /// <summary>The arguments of an <c>a2c train</c> of a trial with <paramref name="values"/> on <paramref name="seed"/>, in <paramref name="runDir"/>.</summary>
    public List<string> TrainArguments(int seed, IReadOnlyList<double> values, string runDir) =>
    [
        "--env", Env, .. TrainArgs, .. A2CSearchSpace.TrainArguments(values),
        "--seed", seed.ToString(CultureInfo.InvariantCulture),
        "--total-steps", Budget.ToString(CultureInfo.InvariantCulture),
        "--eval-freq", EvalFreq.ToString(CultureInfo.InvariantCulture),
        "--eval-freq-episodes", EvalEpisodes.ToString(CultureInfo.InvariantCulture),
        "--eval-episodes", "0",
        "--checkpoint-every", "0",
        "--log-interval", "10",
        "--run-dir", runDir,
    ];

    /// <summary>
    /// The training seeds of trial <paramref name="number"/>: S + N * K + j for j below K, K the
    /// seeds per trial. Every trial has seeds of its own (RL Zoo leaves trials unseeded), so the
    /// best trial is not the one that suited a single seed, and a study can be repeated.
    /// </summary>
    public IReadOnlyList<int> TrialSeeds(int number) => [.. Enumerable.Range(0, SeedsPerTrial).Select(j => unchecked(Seed + (number * SeedsPerTrial) + j))];

    /// <summary>The options of a2c train a study sets for each trial itself (its sample, seed, budget, evaluations and files).</summary>
    public static IReadOnlyList<string> SetByTune { get; } =
    [
        "--seed", "--total-steps", "--eval-freq", "--eval-freq-episodes", "--eval-episodes", "--checkpoint-every", "--log-interval", "--run-dir", "--summary-json", "--resume", "--dry-run",
        Hyperparameters.Gamma.Cli, Hyperparameters.NormalizeAdvantage.Cli, Hyperparameters.MaxGradNorm.Cli, Hyperparameters.UseRmsProp.Cli,
        Hyperparameters.GaeLambda.Cli, Hyperparameters.NSteps.Cli, Hyperparameters.LearningRate.Cli, Hyperparameters.EntCoef.Cli,
        Hyperparameters.VfCoef.Cli, Hyperparameters.OrthoInit.Cli, Hyperparameters.Net.Cli, Hyperparameters.NetArch.Cli, Hyperparameters.Activation.Cli,
    ];

    /// <summary>The settings as the study stores them.</summary>
    public Dictionary<string, string> ToStudy() => new()
    {
        ["space"] = Space,
        ["direction"] = "maximize",
        [Hyperparameters.Env.Name] = Env,
        ["budget"] = Budget.ToString(CultureInfo.InvariantCulture),
        ["evaluations"] = Evaluations.ToString(CultureInfo.InvariantCulture),
        ["eval_episodes"] = EvalEpisodes.ToString(CultureInfo.InvariantCulture),
        ["sampler"] = Sampler,
        ["pruner"] = Pruner,
        ["objective"] = Objective,
        [Hyperparameters.Seed.Name] = Seed.ToString(CultureInfo.InvariantCulture),
        ["seeds_per_trial"] = SeedsPerTrial.ToString(CultureInfo.InvariantCulture),
        ["train_args"] = JsonSerializer.Serialize(TrainArgs.ToArray()),
    };

    /// <summary>The command-line options of the stored settings, each with its key in <see cref="ToStudy"/>, in the order given.</summary>
    public static (System.CommandLine.Option Option, string Key)[] Keyed(
        System.CommandLine.Option env, System.CommandLine.Option budget, System.CommandLine.Option evaluations, System.CommandLine.Option evalEpisodes, System.CommandLine.Option sampler,
        System.CommandLine.Option pruner, System.CommandLine.Option objective, System.CommandLine.Option seed, System.CommandLine.Option seedsPerTrial) =>
    [
        (env, Hyperparameters.Env.Name), (budget, "budget"), (evaluations, "evaluations"), (evalEpisodes, "eval_episodes"), (sampler, "sampler"),
        (pruner, "pruner"), (objective, "objective"), (seed, Hyperparameters.Seed.Name), (seedsPerTrial, "seeds_per_trial"),
    ];

    /// <summary>The settings a study holds.</summary>
    /// <exception cref="CliException">They are missing or malformed, or of another search space (exit 2).</exception>
    public static TuneSettings FromStudy(IReadOnlyDictionary<string, string> stored, string path)
    {
        string Get(string key) => stored.TryGetValue(key, out var value) ? value : throw CliErrors.Usage($"the study '{path}' has no setting {key}; it was not made by a2c tune.");
        try
        {
            if (Get("space") != Space)
            {
                throw CliErrors.Usage($"the study '{path}' searches the space '{Get("space")}'; this a2c tunes '{Space}'.");
            }

            return new TuneSettings(
                Get(Hyperparameters.Env.Name),
                long.Parse(Get("budget"), CultureInfo.InvariantCulture),
                int.Parse(Get("evaluations"), CultureInfo.InvariantCulture),
                int.Parse(Get("eval_episodes"), CultureInfo.InvariantCulture),
                Get("sampler"),
                Get("pruner"),
                Get("objective"),
                int.Parse(Get(Hyperparameters.Seed.Name), CultureInfo.InvariantCulture),
                int.Parse(Get("seeds_per_trial"), CultureInfo.InvariantCulture),
                JsonSerializer.Deserialize<string[]>(Get("train_args")) ?? []);
        }
        catch (Exception e) when (e is FormatException or OverflowException or JsonException)
        {
            throw CliErrors.Usage($"the study '{path}' holds a malformed setting: {e.Message}", e);
        }
    }
}
