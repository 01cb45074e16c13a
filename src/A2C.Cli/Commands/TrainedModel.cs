using System.Text.Json.Nodes;
using A2C.Envs;
using A2C.Envs.Remote;
using A2C.Training;

namespace A2C.Cli;

/// <summary>
/// A trained agent read back from a run: its checkpoint.zip, or its model.bin with config.json (and
/// normalization.json when the run normalized) beside it. eval, record, export and predict load
/// through here, so a bad file gets the same words whichever command read it.
/// </summary>
internal static class TrainedModel
{
    /// <summary>
    /// A trainer holding the run's options, its trained parameters and, when it normalized, its frozen
    /// observation statistics.
    /// </summary>
    /// <param name="path">checkpoint.zip or model.bin.</param>
    /// <param name="env">Another env id to act in (same spaces), or null for the run's own.</param>
    /// <exception cref="CliException">A missing, unreadable or damaged file, or a model that does not fit the env (exit 2).</exception>
    public static Trainer Load(string path, string? env = null) =>
        path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? FromCheckpoint(path, env) : FromModel(path, env);

    private static Trainer FromCheckpoint(string path, string? env)
    {
        try
        {
            return Trainer.Resume(path, env is null ? null : o => o with { Env = env });
        }
        catch (UnknownEnvironmentException e)
        {
            throw CliErrors.Usage($"the checkpoint '{path}' is a run of an env this a2c does not have: {e.Message}", e);
        }
    }

    private static Trainer FromModel(string path, string? env)
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
            if (env is not null)
            {
                options = options with { Env = env };
            }

            if (!RemoteVectorEnv.IsRemote(options.Env))
            {
                Registry.Spec(options.Env);
            }
        }
        catch (UnknownEnvironmentException e)
        {
            throw CliErrors.Usage(env is null ? $"'{config}' is a run of an env this a2c does not have: {e.Message}" : e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliErrors.Usage($"cannot read '{config}': {e.Message}", e);
        }

        var trainer = new Trainer(options);
        try
        {
            var model = CliErrors.Reading(path, () => File.ReadAllBytes(path), $"cannot read '{path}'");
            var expected = env is null ? $"'{config}' ({options.Env})" : $"{options.Env} (with '{config}''s network)";
            ModelFile.CheckFits(trainer.Agent.Model, model, $"'{path}'", expected);
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

            return trainer;
        }
        catch
        {
            trainer.Dispose();
            throw;
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
