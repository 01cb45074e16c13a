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
        command.SetAction(parse =>
        {
            var path = parse.GetValue(checkpoint)!;
            var count = parse.GetValue(episodes);
            if (count < 1)
            {
                stderr.WriteLine($"a2c eval: --episodes is {count}; allowed: 1 or more.");
                return CliApp.UsageError;
            }

            var mode = parse.GetValue(deterministic);
            if (path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                try
                {
                    using var resumed = Trainer.Resume(path);
                    var outcome = resumed.Evaluate(count, parse.GetValue(seed), mode);
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{resumed.Options.Env}: mean return {outcome.Mean:F2} ± {outcome.Std:F2} over {count} episodes ({(mode ? "deterministic" : "stochastic")})"));
                    return 0;
                }
                catch (CheckpointException e)
                {
                    stderr.WriteLine($"a2c eval: {e.Message}");
                    return CliApp.UsageError;
                }
                catch (UnknownEnvironmentException e)
                {
                    stderr.WriteLine($"a2c eval: the checkpoint '{path}' is a run of an env this a2c does not have: {e.Message}");
                    return CliApp.UsageError;
                }
                catch (RemoteEnvironmentException e)
                {
                    stderr.WriteLine($"a2c eval: {e.Message}");
                    return CliApp.Failure;
                }
            }

            var config = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", "config.json");
            if (!File.Exists(path) || !File.Exists(config))
            {
                stderr.WriteLine($"a2c eval: '{path}' {(File.Exists(path) ? "has no config.json beside it" : "does not exist")}.");
                return CliApp.UsageError;
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
            catch (InvalidDataException e)
            {
                stderr.WriteLine($"a2c eval: {e.Message}");
                return CliApp.UsageError;
            }
            catch (UnknownEnvironmentException e)
            {
                stderr.WriteLine($"a2c eval: '{config}' is a run of an env this a2c does not have: {e.Message}");
                return CliApp.UsageError;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"a2c eval: cannot read '{config}': {e.Message}");
                return CliApp.UsageError;
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
                        stderr.WriteLine($"a2c eval: the run was trained with normalization but '{normalization}' is missing.");
                        return CliApp.UsageError;
                    }

                    trainer.Normalizer = ReadNormalization(normalization, options.NEnvs, trainer.Env.ObservationSize);
                }

                var result = trainer.Evaluate(count, parse.GetValue(seed), mode);
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{options.Env}: mean return {result.Mean:F2} ± {result.Std:F2} over {count} episodes ({(mode ? "deterministic" : "stochastic")})"));
                return 0;
            }
            catch (InvalidDataException e)
            {
                stderr.WriteLine($"a2c eval: {e.Message}");
                return CliApp.UsageError;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"a2c eval: cannot read '{path}': {e.Message}");
                return CliApp.UsageError;
            }
            catch (RemoteEnvironmentException e)
            {
                stderr.WriteLine($"a2c eval: {e.Message}");
                return CliApp.Failure;
            }
        });
        return command;
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
