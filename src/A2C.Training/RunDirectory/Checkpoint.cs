using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace A2C.Training;

/// <summary>A checkpoint could not be read: damaged, from another program, or for another setup.</summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="message">What is wrong, naming the file.</param>
    /// <param name="inner">The underlying failure, if any.</param>
    public CheckpointException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>
/// The checkpoint file: a <see cref="TrainingState"/> (options, weights, optimizer state, the
/// sampling generator, every environment's state, normalization statistics, the counters and the
/// episode log) as one zip file whose manifest holds a SHA-256 of every entry. It is written through
/// <see cref="AtomicFile"/>, so a reader sees the previous checkpoint or the new one, never half of
/// one. This class knows the file, not the trainer.
/// </summary>
public static class Checkpoint
{
    private const string Format = "a2c-checkpoint";
    // 2: one flat parameter for the optimizer, and the sampling generator is .NET's (Rng), not libtorch's.
    private const int Version = 2;

    // Every entry Load reads; the manifest must vouch for each.
    private static readonly string[] _required = ["config.json", "model.bin", "optimizer.bin", "generator.bin", "envs.bin", "trainer.json"];

    /// <summary>Writes <paramref name="state"/> to <paramref name="path"/> atomically.</summary>
    /// <param name="state">What to save (a trainer captures it between updates).</param>
    /// <param name="path">The checkpoint file.</param>
    /// <exception cref="IOException">The file cannot be written; the message names it and says why. The previous checkpoint is untouched.</exception>
    public static void Save(TrainingState state, string path)
    {
        ArgumentNullException.ThrowIfNull(state);
        var entries = new Dictionary<string, byte[]>
        {
            ["config.json"] = System.Text.Encoding.UTF8.GetBytes(RunFiles.ConfigJson(state.Options, state.Device).ToJsonString()),
            ["model.bin"] = state.Model,
            ["optimizer.bin"] = state.Optimizer,
            ["generator.bin"] = state.Generator,
            ["envs.bin"] = EnvsBin(state.Envs),
            ["trainer.json"] = System.Text.Encoding.UTF8.GetBytes(TrainerJson(state).ToJsonString()),
        };
        var manifest = new JsonObject
        {
            ["format"] = Format,
            ["version"] = Version,
            ["env"] = state.Options.Env,
            ["total_timesteps"] = state.Timesteps,
            ["sha256"] = new JsonObject(entries.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)Convert.ToHexString(SHA256.HashData(e.Value))))),
        };
        AtomicFile.Write(path, file =>
        {
            using var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true);
            Add(zip, "manifest.json", System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString()));
            foreach (var (name, data) in entries)
            {
                Add(zip, name, data);
            }
        });
    }

    /// <summary>Reads, verifies and parses a checkpoint into the state it holds.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <returns>The state, with <see cref="TrainingState.Source"/> set to <paramref name="path"/>.</returns>
    /// <exception cref="CheckpointException">The file is missing, damaged or not a checkpoint, or an entry does not parse; the message says which.</exception>
    public static TrainingState Load(string path)
    {
        var (options, entries) = Read(path);
        try
        {
            var counters = JsonNode.Parse(entries["trainer.json"]) as JsonObject ?? throw new InvalidDataException("trainer.json is not a JSON object.");
            var returns = Numbers(counters, "episode_returns");
            var lengths = Numbers(counters, "episode_lengths");
            var seconds = Numbers(counters, "episode_seconds");
            if (lengths.Length != returns.Length || seconds.Length != returns.Length)
            {
                throw new InvalidDataException($"trainer.json lists {returns.Length} episode returns, {lengths.Length} lengths and {seconds.Length} times; expected as many of each.");
            }

            var episodes = new EpisodeRecord[returns.Length];
            for (var i = 0; i < episodes.Length; i++)
            {
                var length = lengths[i] is >= 0 and <= int.MaxValue && lengths[i] == Math.Floor(lengths[i])
                    ? (int)lengths[i]
                    : throw new InvalidDataException($"trainer.json: episode_lengths[{i}] is {lengths[i]}; expected a whole number of steps.");
                episodes[i] = new EpisodeRecord(returns[i], length, seconds[i]);
            }

            var normalization = counters["normalization"] switch
            {
                null => null,
                JsonObject saved => (JsonObject)saved.DeepClone(),
                var other => throw new InvalidDataException($"trainer.json: normalization is {other.ToJsonString()}; expected an object or null."),
            };
            return new TrainingState(
                options,
                DeviceOf(entries["config.json"]),
                entries["model.bin"],
                entries["optimizer.bin"],
                entries["generator.bin"],
                Envs(entries["envs.bin"]),
                Whole(counters, "timesteps"),
                Whole(counters, "updates"),
                counters.ContainsKey("skipped_rollouts") ? Whole(counters, "skipped_rollouts") : 0,
                Number(counters, "elapsed_seconds"),
                episodes,
                normalization)
            {
                Source = path,
            };
        }
        catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException)
        {
            // The checksums matched, so these bytes are what was written: a file made by hand or by
            // another program. Whatever part does not parse, the checkpoint is refused, not the process.
            throw new CheckpointException($"the checkpoint '{path}' does not fit this setup: {e.Message}", e);
        }
    }

    /// <summary>Reads and verifies a checkpoint's entries and options.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <returns>The options and the verified entries.</returns>
    /// <exception cref="CheckpointException">The file is missing, damaged or not a checkpoint; the message says which.</exception>
    public static (A2COptions Options, IReadOnlyDictionary<string, byte[]> Entries) Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointException(Directory.Exists(path)
                ? $"the checkpoint '{path}' is a directory, not a checkpoint file."
                : $"the checkpoint '{path}' does not exist.");
        }

        var entries = new Dictionary<string, byte[]>();
        try
        {
            using var file = File.OpenRead(path);
            if (file.Length == 0)
            {
                throw new CheckpointException($"the checkpoint '{path}' is empty (0 bytes): it was never written completely.");
            }

            Span<byte> magic = stackalloc byte[4];
            var zipped = file.Read(magic) == 4 && magic.SequenceEqual("PK\u0003\u0004"u8);
            file.Position = 0;
            ZipArchive zip;
            try
            {
                zip = new ZipArchive(file, ZipArchiveMode.Read);
            }
            catch (InvalidDataException e)
            {
                throw new CheckpointException(zipped
                    ? $"the checkpoint '{path}' is truncated or damaged: {e.Message}"
                    : $"'{path}' is not a zip file, so not an a2c checkpoint.", e);
            }

            using (zip)
            {
                foreach (var entry in zip.Entries)
                {
                    try
                    {
                        using var stream = entry.Open();
                        using var memory = new MemoryStream();
                        stream.CopyTo(memory);
                        entries[entry.FullName] = memory.ToArray();
                    }
                    catch (InvalidDataException e)
                    {
                        throw new CheckpointException($"'{path}' is damaged: {entry.FullName} cannot be read: {e.Message}", e);
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"the checkpoint '{path}' cannot be read: {e.Message}", e);
        }

        if (!entries.TryGetValue("manifest.json", out var manifestBytes))
        {
            throw new CheckpointException($"'{path}' is not an a2c checkpoint (it has no manifest.json).");
        }

        JsonObject manifest;
        try
        {
            manifest = JsonNode.Parse(manifestBytes) as JsonObject ?? throw new CheckpointException($"'{path}' is damaged: manifest.json is not a JSON object.");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new CheckpointException($"'{path}' is damaged: manifest.json is not valid JSON ({e.Message}).", e);
        }

        string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;
        if (Text(manifest["format"]) != Format)
        {
            throw new CheckpointException($"'{path}' is not an a2c checkpoint (its manifest.json has format {manifest["format"]?.ToJsonString() ?? "null"}, not \"{Format}\").");
        }

        if (manifest["version"] is not JsonValue version || !version.TryGetValue<int>(out var number) || number != Version)
        {
            throw new CheckpointException($"'{path}' is a version {manifest["version"]?.ToJsonString() ?? "null"} checkpoint; this a2c reads version {Version}.");
        }

        var hashes = manifest["sha256"] as JsonObject ?? throw new CheckpointException($"'{path}' is damaged: its manifest.json lists no checksums.");
        foreach (var required in _required)
        {
            if (!hashes.ContainsKey(required))
            {
                throw new CheckpointException($"'{path}' is damaged: its manifest.json lists no checksum for {required}.");
            }
        }

        foreach (var (name, hash) in hashes)
        {
            if (!entries.TryGetValue(name, out var data))
            {
                throw new CheckpointException($"'{path}' is damaged: {name} is missing.");
            }

            if (!string.Equals(Convert.ToHexString(SHA256.HashData(data)), Text(hash), StringComparison.OrdinalIgnoreCase))
            {
                throw new CheckpointException($"'{path}' is damaged: {name} does not match its SHA-256 in manifest.json.");
            }
        }

        try
        {
            return (RunFiles.ParseConfig(System.Text.Encoding.UTF8.GetString(entries["config.json"]), $"config.json in '{path}'"), entries);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException(e.Message, e);
        }
    }

    // trainer.json: the counters and the episode log, one array per field.
    private static JsonObject TrainerJson(TrainingState state) => new()
    {
        ["timesteps"] = state.Timesteps,
        ["updates"] = state.Updates,
        ["skipped_rollouts"] = state.SkippedRollouts,
        ["elapsed_seconds"] = state.ElapsedSeconds,
        ["episode_returns"] = new JsonArray(state.Episodes.Select(e => (JsonNode)e.Return).ToArray()),
        ["episode_lengths"] = new JsonArray(state.Episodes.Select(e => (JsonNode)e.Length).ToArray()),
        ["episode_seconds"] = new JsonArray(state.Episodes.Select(e => (JsonNode)e.Seconds).ToArray()),
        // A copy: a node has one parent, and the state may be saved again.
        ["normalization"] = state.Normalization?.DeepClone(),
    };

    // envs.bin: the snapshot's length (int32), then its values (int64), little-endian.
    private static byte[] EnvsBin(long[] snapshot)
    {
        var bytes = new byte[sizeof(int) + (snapshot.Length * sizeof(long))];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, snapshot.Length);
        for (var i = 0; i < snapshot.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(sizeof(int) + (i * sizeof(long))), snapshot[i]);
        }

        return bytes;
    }

    private static long[] Envs(byte[] bytes)
    {
        var count = bytes.Length >= sizeof(int) ? BinaryPrimitives.ReadInt32LittleEndian(bytes) : -1;
        if (count < 0 || bytes.Length != sizeof(int) + ((long)count * sizeof(long)))
        {
            throw new InvalidDataException($"envs.bin holds {bytes.Length} bytes, which is not a count and that many 8-byte values.");
        }

        var snapshot = new long[count];
        for (var i = 0; i < count; i++)
        {
            snapshot[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(sizeof(int) + (i * sizeof(long))));
        }

        return snapshot;
    }

    // The device config.json records; runs from before it was recorded ran on the CPU.
    private static string DeviceOf(byte[] config) =>
        JsonNode.Parse(config) is JsonObject o && o["device"] is JsonValue v && v.TryGetValue<string>(out var device) ? device : "cpu";

    private static double Number(JsonObject json, string name) =>
        json[name] is JsonValue v && v.TryGetValue<double>(out var x) && double.IsFinite(x)
            ? x
            : throw new InvalidDataException($"trainer.json: {name} is {json[name]?.ToJsonString() ?? "missing"}; expected a finite number.");

    private static long Whole(JsonObject json, string name) =>
        json[name] is JsonValue v && v.TryGetValue<long>(out var x) && x >= 0
            ? x
            : throw new InvalidDataException($"trainer.json: {name} is {json[name]?.ToJsonString() ?? "missing"}; expected a whole number, 0 or more.");

    private static double[] Numbers(JsonObject json, string name) =>
        json[name] is JsonArray array
            ? array.Select((x, i) => x is JsonValue v && v.TryGetValue<double>(out var d) && !double.IsNaN(d)
                ? d
                : throw new InvalidDataException($"trainer.json: {name}[{i}] is {x?.ToJsonString() ?? "null"}; expected a number.")).ToArray()
            : throw new InvalidDataException($"trainer.json: {name} is {json[name]?.ToJsonString() ?? "missing"}; expected an array of numbers.");

    private static void Add(ZipArchive zip, string name, byte[] data)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        using var stream = entry.Open();
        stream.Write(data);
    }
}
