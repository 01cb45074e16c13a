using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using A2C.Envs;
using static TorchSharp.torch;

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
/// Everything needed to continue a training run exactly: options, weights, optimizer state, the
/// sampling generator, every environment's state (generators, physics, time limits, episode
/// accumulators), normalization statistics and the trainer's counters and episode log. One zip file
/// whose manifest holds a SHA-256 of every entry; written through <see cref="AtomicFile"/>, so a
/// reader sees the previous checkpoint or the new one, never half of one.
/// </summary>
public static class Checkpoint
{
    private const string Format = "a2c-checkpoint";
    // 2: one flat parameter for the optimizer, and the sampling generator is .NET's (Rng), not libtorch's.
    private const int Version = 2;

    // Every entry Restore reads; the manifest must vouch for each.
    private static readonly string[] _required = ["config.json", "model.bin", "optimizer.bin", "generator.bin", "envs.bin", "trainer.json"];

    /// <summary>Writes the trainer's state to <paramref name="path"/> atomically. Call between updates.</summary>
    /// <param name="trainer">The trainer.</param>
    /// <param name="path">The checkpoint file.</param>
    public static void Save(Trainer trainer, string path)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        var entries = new Dictionary<string, byte[]>
        {
            ["config.json"] = System.Text.Encoding.UTF8.GetBytes(RunFiles.ConfigJson(trainer.Options, "cpu").ToJsonString()),
            ["model.bin"] = Write(w => trainer.Agent.Model.save(w)),
            ["optimizer.bin"] = Write(trainer.Learner.SaveOptimizer),
            ["generator.bin"] = trainer.Agent.SaveGenerator(),
            ["envs.bin"] = Write(w =>
            {
                // A simulator in another process keeps its own state: only in-process envs are saved,
                // and a resumed remote run starts from a reset (docs/protocol.md).
                var snapshot = trainer.Env is ISnapshotable local ? local.SaveSnapshot() : [];
                w.Write(snapshot.Length);
                foreach (var x in snapshot)
                {
                    w.Write(x);
                }
            }),
            ["trainer.json"] = System.Text.Encoding.UTF8.GetBytes(trainer.SaveCounters().ToJsonString()),
        };
        var manifest = new JsonObject
        {
            ["format"] = Format,
            ["version"] = Version,
            ["env"] = trainer.Options.Env,
            ["total_timesteps"] = trainer.Timesteps,
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

    /// <summary>Restores a verified checkpoint's state into a trainer built from its options.</summary>
    /// <param name="trainer">A fresh trainer with the checkpoint's options.</param>
    /// <param name="entries">The entries <see cref="Read"/> returned.</param>
    /// <param name="path">The file, for messages.</param>
    public static void Restore(Trainer trainer, IReadOnlyDictionary<string, byte[]> entries, string path)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(entries);
        try
        {
            ModelFile.CheckFits(trainer.Agent.Model, entries["model.bin"], $"model.bin in '{path}'", $"its config.json ({trainer.Options.Env})");
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException(e.Message, e);
        }

        try
        {
            using (var reader = new BinaryReader(new MemoryStream(entries["model.bin"])))
            {
                trainer.Agent.Model.load(reader);
            }

            using (var reader = new BinaryReader(new MemoryStream(entries["optimizer.bin"])))
            {
                trainer.Learner.LoadOptimizer(reader);
            }

            trainer.Agent.LoadGenerator(entries["generator.bin"]);
            using (var reader = new BinaryReader(new MemoryStream(entries["envs.bin"])))
            {
                var snapshot = new long[reader.ReadInt32()];
                for (var i = 0; i < snapshot.Length; i++)
                {
                    snapshot[i] = reader.ReadInt64();
                }

                if (trainer.Env is ISnapshotable local && snapshot.Length > 0)
                {
                    local.LoadSnapshot(snapshot);
                }
            }

            trainer.LoadCounters(JsonNode.Parse(entries["trainer.json"]) as JsonObject ?? throw new InvalidDataException("trainer.json is not an object."));
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or KeyNotFoundException or InvalidOperationException or NotSupportedException
            or FormatException or OverflowException or IndexOutOfRangeException or NullReferenceException or System.Text.Json.JsonException)
        {
            // The checksums matched, so these bytes are what was written: a file made by hand or by
            // another program. Whatever part does not parse, the checkpoint is refused, not the process.
            throw new CheckpointException($"the checkpoint '{path}' does not fit this setup: {e.Message}", e);
        }
    }

    private static byte[] Write(Action<BinaryWriter> write)
    {
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            write(writer);
        }

        return memory.ToArray();
    }

    private static void Add(ZipArchive zip, string name, byte[] data)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        using var stream = entry.Open();
        stream.Write(data);
    }
}
