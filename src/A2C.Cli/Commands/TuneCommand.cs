using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using A2C.Envs;
using A2C.Envs.Remote;
using A2C.Training;

namespace A2C.Cli;

/// <summary>
/// <c>a2c tune</c>: hyperparameter search as RL Baselines3 Zoo's optimizer does it. Trials sample
/// RL Zoo's A2C space (<see cref="A2CSearchSpace"/>) with TPE or at random, each trains in its
/// own <c>a2c train</c> process with periodic evaluations, a pruner stops poor ones early, and
/// the study lives in a SQLite file that resumes and that several processes can share. This file
/// parses and checks; <see cref="TrialPool"/> runs the trials and <see cref="TuneReport"/> sums up.
/// </summary>
/// <remarks>
/// Next to the study <c>STEM.db</c>: <c>STEM-trials/</c> (each trial's run dir and log) and
/// <c>STEM-best.yml</c> (the best trial as an RL Zoo entry).
/// </remarks>
internal static class TuneCommand
{
    private const string Name = "a2c tune";

    public static Command Create(TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var env = new Option<string?>("--env") { Description = "Registered environment id, e.g. CartPole-v1 (required for a new study)." };
        var trials = new Option<int>("--trials") { Description = "Trials the study should have, failed ones not counted (default 20); a resumed study runs the rest.", DefaultValueFactory = _ => 20 };
        var parallel = new Option<int>("--parallel") { Description = "Trials at a time in this process (RL Zoo's --n-jobs; default 1).", DefaultValueFactory = _ => 1 };
        var budget = new Option<long?>("--budget") { Description = "Environment steps per trial (default 100000)." };
        var sampler = new Option<string?>("--sampler") { Description = "tpe (default: 10 random trials, then TPE) or random.", HelpName = string.Join("|", TuneSettings.Samplers) };
        var pruner = new Option<string?>("--pruner") { Description = "median (default), halving or none.", HelpName = string.Join("|", TuneSettings.Pruners) };
        var objective = new Option<string?>("--objective") { Description = "What a trial scores: last (default, RL Zoo's: its last evaluation's mean return) or mean (the mean of all its evaluations, which favours learning sooner).", HelpName = string.Join("|", TuneSettings.Objectives) };
        var studyOption = new Option<string?>("--study") { Description = "The study's SQLite file (default runs/tune-ENV-TIME.db); an existing one is resumed, and may be shared by several a2c tune processes." };
        var seed = new Option<int?>("--seed") { Description = "Seed of the sampler; trial N trains with seeds S + N * K to S + N * K + K - 1, K the seeds per trial (default 0)." };
        var evaluations = new Option<int?>("--evaluations") { Description = "Evaluations per trial, evenly over its budget: the pruner's steps, the last one the objective (RL Zoo's --n-evaluations; default 10)." };
        var seedsPerTrial = new Option<int?>("--seeds-per-trial") { Description = "Seeds each trial trains side by side; its evaluations are their means (default 1, as RL Zoo)." };
        var evalEpisodes = new Option<int?>("--eval-episodes") { Description = "Deterministic episodes per evaluation (default 5)." };
        var command = new Command(
            "tune",
            "Search A2C's hyperparameters (RL Zoo's space, TPE or random, median or successive-halving pruning) in a SQLite study; writes the best trial as an RL Zoo YAML entry. Every other option is passed to each trial's `a2c train`, e.g. --hyperparams hyperparams/a2c.yml or --n-envs 8.")
        {
            env, trials, parallel, budget, sampler, pruner, objective, studyOption, seed, seedsPerTrial, evaluations, evalEpisodes,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse => CliErrors.Run(Name, stderr, () =>
        {
            var errors = new List<string>();
            var trainArgs = parse.UnmatchedTokens.ToList();
            var trialCount = parse.GetValue(trials);
            var workers = parse.GetValue(parallel);
            if (trialCount < 1)
            {
                errors.Add($"--trials is {trialCount}; allowed: 1 or more.");
            }

            if (workers < 1)
            {
                errors.Add($"--parallel is {workers}; allowed: 1 or more.");
            }

            foreach (var option in trainArgs.Select(t => t.Split('=', 2)[0]).Where(TuneSettings.SetByTune.Contains))
            {
                errors.Add($"{option} is set by the study for each trial (the search space, its seed, budget and evaluations); leave it out.");
            }

            var given = new TuneSettings(
                parse.GetValue(env) ?? string.Empty,
                parse.GetValue(budget) ?? 100_000,
                parse.GetValue(evaluations) ?? 10,
                parse.GetValue(evalEpisodes) ?? 5,
                parse.GetValue(sampler) ?? "tpe",
                parse.GetValue(pruner) ?? "median",
                parse.GetValue(objective) ?? "last",
                parse.GetValue(seed) ?? 0,
                parse.GetValue(seedsPerTrial) ?? 1,
                trainArgs);
            Check(given, errors);
            var path = parse.GetValue(studyOption);
            var resuming = path is not null && File.Exists(path);
            if (!resuming && parse.GetValue(env) is null)
            {
                errors.Add(path is null ? "--env is required for a new study." : $"--env is required: '{path}' does not exist yet, so a new study starts there.");
            }

            if (errors.Count > 0)
            {
                return CliApp.ReportUsageErrors(stderr, Name, errors);
            }

            path ??= Path.Combine("runs", $"tune-{Trainer.FileNameOf(given.Env)}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.db");
            // A new study's options are checked before its file is made: a typo leaves nothing behind.
            if (!resuming && CheckTrial(given, stderr) is { } refused)
            {
                return refused;
            }

            var settings = given;
            using (var study = OpenStudy(path))
            {
                if (resuming)
                {
                    settings = TuneSettings.FromStudy(study.Settings(), path);
                    var differ = Differences(parse, given, settings, TuneSettings.Keyed(env, budget, evaluations, evalEpisodes, sampler, pruner, objective, seed, seedsPerTrial), trainArgs.Count > 0);
                    if (differ.Count > 0)
                    {
                        return CliApp.ReportUsageErrors(stderr, Name, [$"the study '{path}' was made with {string.Join(", ", differ)}; a resumed study keeps its settings (only --trials and --parallel may change)."]);
                    }

                    if (CheckTrial(settings, stderr) is { } stale)
                    {
                        return stale;
                    }
                }

                // Two processes creating one study agree on the first one's settings.
                settings = TuneSettings.FromStudy(study.Initialize(settings.ToStudy()), path);
                foreach (var number in study.FailAbandoned())
                {
                    stdout.WriteLine($"trial {number}: marked failed: its process stopped without finishing it");
                }
            }

            var trialsDir = Path.ChangeExtension(path, null) + "-trials";
            Directory.CreateDirectory(trialsDir);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"a2c tune: {settings.Env}, study {path}, {trialCount} trials of {settings.Budget:N0} steps, {settings.Evaluations} evaluations of {settings.EvalEpisodes} episodes each, sampler {settings.Sampler}, pruner {settings.Pruner}, objective {settings.Objective}, {settings.SeedsPerTrial} seed(s) a trial, {workers} trial(s) at a time"));
            var clock = Stopwatch.StartNew();
            var end = TrialPool.Run(path, settings, trialCount, workers, trialsDir, stdout, cancellation);
            return Summarize(path, settings, trialsDir, clock.Elapsed.TotalSeconds, end, stdout, stderr);
        }));
        return command;
    }

    private static void Check(TuneSettings settings, List<string> errors)
    {
        if (settings.Budget < 1)
        {
            errors.Add($"--budget is {settings.Budget}; allowed: 1 or more steps.");
        }

        if (settings.Evaluations < 1)
        {
            errors.Add($"--evaluations is {settings.Evaluations}; allowed: 1 or more.");
        }

        if (settings.EvalEpisodes < 1)
        {
            errors.Add($"--eval-episodes is {settings.EvalEpisodes}; allowed: 1 or more.");
        }

        if (!TuneSettings.Samplers.Contains(settings.Sampler))
        {
            errors.Add($"--sampler is '{settings.Sampler}'; allowed: {string.Join(", ", TuneSettings.Samplers)}.");
        }

        if (!TuneSettings.Pruners.Contains(settings.Pruner))
        {
            errors.Add($"--pruner is '{settings.Pruner}'; allowed: {string.Join(", ", TuneSettings.Pruners)}.");
        }

        if (settings.SeedsPerTrial is < 1 or > 100)
        {
            errors.Add($"--seeds-per-trial is {settings.SeedsPerTrial}; allowed: 1 to 100.");
        }

        if (!TuneSettings.Objectives.Contains(settings.Objective))
        {
            errors.Add($"--objective is '{settings.Objective}'; allowed: {string.Join(", ", TuneSettings.Objectives)}.");
        }

        if (settings.Env.Length > 0 && RemoteVectorEnv.IsRemote(settings.Env))
        {
            errors.Add($"--env is '{settings.Env}'; a study trains registered envs (trials at a time need envs of their own).");
        }
    }

    /// <summary>
    /// The settings given on the command line (<paramref name="options"/>, each with the key of
    /// <see cref="TuneSettings.ToStudy"/> it sets; the passed train options when
    /// <paramref name="trainArgsGiven"/>) whose <paramref name="given"/> value differs from the
    /// <paramref name="stored"/> one, as "--budget 4096 (not 5000)"; <paramref name="parse"/> says which were given.
    /// </summary>
    private static List<string> Differences(ParseResult parse, TuneSettings given, TuneSettings stored, (Option Option, string Key)[] options, bool trainArgsGiven)
    {
        var (storedValues, givenValues) = (stored.ToStudy(), given.ToStudy());
        var differ = options
            .Where(o => parse.GetResult(o.Option) is not null && storedValues[o.Key] != givenValues[o.Key])
            .Select(o => $"{o.Option.Name} {storedValues[o.Key]} (not {givenValues[o.Key]})")
            .ToList();
        if (trainArgsGiven && !stored.TrainArgs.SequenceEqual(given.TrainArgs))
        {
            differ.Add($"the train options '{string.Join(' ', stored.TrainArgs)}' (not '{string.Join(' ', given.TrainArgs)}')");
        }

        return differ;
    }

    private static Study OpenStudy(string path)
    {
        try
        {
            if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
            {
                Directory.CreateDirectory(directory);
            }

            return Study.Open(path);
        }
        catch (InvalidDataException e)
        {
            throw CliErrors.Usage(e.Message + ".", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliErrors.Failure($"cannot open the study '{path}': {FileErrors.Reason(e)}.", e);
        }
    }

    /// <summary>
    /// Checks a trial's options in this process (train's own checks, as --dry-run, on a random
    /// sample), so that a typo in the passed options is one message and exit 2, not N failed
    /// trials; and that the budget holds one update of the largest n_steps the space has.
    /// </summary>
    private static int? CheckTrial(TuneSettings settings, TextWriter stderr)
    {
        var sample = Core.Tpe.random(A2CSearchSpace.Ranges, 0);
        var problems = new StringWriter(CultureInfo.InvariantCulture);
        var resolved = new StringWriter(CultureInfo.InvariantCulture);
        var runDir = Path.Combine(Path.GetTempPath(), $"a2c-tune-check-{Environment.ProcessId}");
        // Any budget: the one given is checked below against the space, not against this sample.
        var unbounded = settings with { Budget = int.MaxValue };
        if (CliApp.Run(["train", .. unbounded.TrainArguments(settings.Seed, sample, runDir), "--dry-run"], resolved, problems) != 0)
        {
            stderr.Write(problems.ToString().Replace("a2c train:", Name + ":", StringComparison.Ordinal));
            return CliApp.UsageError;
        }

        var nEnvs = RunFiles.ParseConfig(resolved.ToString(), "the dry run's config").NEnvs;
        var needed = (long)nEnvs * A2CSearchSpace.LargestNSteps;
        if (settings.Budget < needed)
        {
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Name}: --budget is {settings.Budget}; allowed: at least n_envs * the largest n_steps of the space = {nEnvs} * {A2CSearchSpace.LargestNSteps} = {needed}, so that every trial makes an update."));
            return CliApp.UsageError;
        }

        return null;
    }

    private static int Summarize(string path, TuneSettings settings, string trialsDir, double seconds, PoolEnd end, TextWriter stdout, TextWriter stderr)
    {
        IReadOnlyList<TrialRecord> all;
        using (var study = Study.Open(path))
        {
            all = study.Trials();
        }

        var ranked = TuneReport.Ranked(all);
        stdout.WriteLine();
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"a2c tune: {settings.Env}, study {path}, {seconds:F1} s"));
        TuneReport.WriteTable(ranked, all, stdout);
        if (ranked.FirstOrDefault(t => t.State == TrialState.Complete) is { } best)
        {
            var config = Path.Combine(TrialPool.RunDir(trialsDir, best.Number, settings.TrialSeeds(best.Number)[0]), "config.json");
            var resolved = CliErrors.Reading(config, () => RunFiles.ReadConfig(config), missing: $"the best trial's config '{config}' is gone.");
            var yaml = Path.ChangeExtension(path, null) + "-best.yml";
            RunFiles.WriteAtomically(yaml, TuneReport.ZooEntry(best, settings, path, resolved));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"best: trial {best.Number}, objective {best.Objective:F2}: {TuneReport.Sample(best)}"));
            stdout.WriteLine($"best hyperparameters: {yaml} (a2c train --env {settings.Env} --hyperparams {yaml})");
        }
        else
        {
            stderr.WriteLine($"{Name}: no trial completed yet; nothing to write.");
        }

        switch (end)
        {
            case PoolEnd.Interrupted:
                stderr.WriteLine($"{Name}: stopped; continue the study with a2c tune --study {path}");
                return CliApp.Interrupted;
            case PoolEnd.TooManyFailures:
                stderr.WriteLine($"{Name}: {TrialPool.MaxFailuresInARow} trials in a row failed, so this process stopped; their logs in {trialsDir} say why. Continue the study with a2c tune --study {path} once it is mended.");
                return CliApp.Failure;
            default:
                return ranked.Any(t => t.State == TrialState.Complete) ? 0 : CliApp.Failure;
        }
    }
}
