using System.CommandLine;
using System.Globalization;
using A2C.Training;
using Spectre.Console;

namespace A2C.Cli;

/// <summary><c>a2c eval</c>: the mean ± std return of a trained model.</summary>
internal static class EvalCommand
{
    public static Command Eval(TextWriter stdout, TextWriter stderr)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A run's checkpoint.zip, or its model.bin (with config.json, and normalization.json if used, beside it).", Required = true };
        var episodes = new Option<int>("--episodes") { Description = "Episodes to run (default 100).", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "Seed of the evaluation envs (default 1000).", DefaultValueFactory = _ => 1000 };
        var deterministic = new Option<bool>("--deterministic") { Description = "Take the most likely action (the default); --deterministic false samples.", DefaultValueFactory = _ => true };
        var record = new Option<string?>("--record") { Description = "Also record each evaluation episode as DIR/ENV-episodeK.gif." };
        var command = new Command("eval", "Evaluate a trained model: mean ± std return.") { checkpoint, episodes, seed, deterministic, record };
        command.SetAction(parse => CliErrors.Run("a2c eval", stderr, () =>
        {
            var path = parse.GetValue(checkpoint)!;
            var count = parse.GetValue(episodes);
            if (count < 1)
            {
                throw CliErrors.Usage($"--episodes is {count}; allowed: 1 or more.");
            }

            var mode = parse.GetValue(deterministic);
            using var trainer = TrainedModel.Load(path);
            var directory = parse.GetValue(record);
            if (directory is not null)
            {
                // Refused before the evaluation runs, so a refusal leaves no half-done work.
                RecordCommand.RequireRecordable(trainer.Options.Env);
            }

            var (env, outcome) = (trainer.Options.Env, trainer.Evaluate(count, parse.GetValue(seed), mode));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{env}: mean return {outcome.Mean:F2} ± {outcome.Std:F2} over {count} episodes ({(mode ? "deterministic" : "stochastic")})"));
            if (directory is not null)
            {
                RecordCommand.RecordEvaluation(trainer, directory, count, parse.GetValue(seed), mode, stdout);
            }

            return 0;
        }));
        return command;
    }
}
