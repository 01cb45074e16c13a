using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using A2C.Core;
using A2C.Envs;
using A2C.Envs.Remote;
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
        var command = new Command("eval", "Evaluate a trained model: mean ± std return.") { checkpoint, episodes, seed, deterministic };
        command.SetAction(parse => CliErrors.Run("a2c eval", stderr, () =>
        {
            var path = parse.GetValue(checkpoint)!;
            var count = parse.GetValue(episodes);
            if (count < 1)
            {
                throw CliErrors.Usage($"--episodes is {count}; allowed: 1 or more.");
            }

            var mode = parse.GetValue(deterministic);
            var (env, outcome) = path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)
                ? FromCheckpoint(path, count, parse.GetValue(seed), mode)
                : FromModel(path, count, parse.GetValue(seed), mode);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{env}: mean return {outcome.Mean:F2} ± {outcome.Std:F2} over {count} episodes ({(mode ? "deterministic" : "stochastic")})"));
            return 0;
        }));
        return command;
    }

    private static (string Env, EvalResult Outcome) FromCheckpoint(string path, int count, int seed, bool deterministic)
    {
        try
        {
            using var resumed = Trainer.Resume(path);
            return (resumed.Options.Env, resumed.Evaluate(count, seed, deterministic));
        }
        catch (UnknownEnvironmentException e)
        {
            throw CliErrors.Usage($"the checkpoint '{path}' is a run of an env this a2c does not have: {e.Message}", e);
        }
    }

    private static (string Env, EvalResult Outcome) FromModel(string path, int count, int seed, bool deterministic)
    {
        var config = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", "config.json");
        if (!File.Exists(path) || !File.Exists(config))
        {
            throw CliErrors.Usage($"'{path}' {(File.Exists(path) ? "has no config.json beside it" : "does not exist")}.");
        }

        // Each file is read and checked on its own, so that a message names the one at fault:
        // config.json, model.bin or normalization.json.
        A2COptions options;
        try
        {
            options = RunFiles.ReadConfig(config);
            if (!RemoteVectorEnv.IsRemote(options.Env))
            {
                Registry.Spec(options.Env);
            }
        }
        catch (UnknownEnvironmentException e)
        {
            throw CliErrors.Usage($"'{config}' is a run of an env this a2c does not have: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliErrors.Usage($"cannot read '{config}': {e.Message}", e);
        }

        try
        {
            using var trainer = new Trainer(options);
            var model = File.ReadAllBytes(path);
            ModelFile.CheckFits(trainer.Agent.Model, model, $"'{path}'", $"'{config}' ({options.Env})");
            using (var reader = new BinaryReader(new MemoryStream(model)))
            {
                trainer.Agent.Model.load(reader);
            }

            var normalization = Path.Combine(Path.GetDirectoryName(config)!, "normalization.json");
            if (options.Normalize)
            {
                if (!File.Exists(normalization))
                {
                    throw CliErrors.Usage($"the run was trained with normalization but '{normalization}' is missing.");
                }

                trainer.Normalizer = ReadNormalization(normalization, options.NEnvs, trainer.Env.ObservationSize);
            }

            return (options.Env, trainer.Evaluate(count, seed, deterministic));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliErrors.Usage($"cannot read '{path}': {e.Message}", e);
        }
    }

    /// <summary>Reads normalization.json; a malformed file, or one for another observation size, is an <see cref="InvalidDataException"/> naming it.</summary>
    private static Normalizer ReadNormalization(string path, int numEnvs, int observationSize)
    {
        Normalizer normalizer;
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException("it does not hold a JSON object.");
            normalizer = Normalizer.FromJson(json, numEnvs);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or InvalidOperationException or ArgumentException or FormatException)
        {
            throw new InvalidDataException($"'{path}' cannot be used: {e.Message}", e);
        }

        var size = normalizer.ObservationStats.Mean.Length;
        return size == observationSize
            ? normalizer
            : throw new InvalidDataException($"'{path}' does not fit the model: expected statistics of {observationSize} observations; found {size}.");
    }
}
