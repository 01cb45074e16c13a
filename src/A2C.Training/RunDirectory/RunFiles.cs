using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using A2C.Core;

namespace A2C.Training;

/// <summary>
/// The files of a run directory: config.json (every resolved option), progress.csv (one row per
/// log interval), monitor.csv (Stable-Baselines3's Monitor format) and the final model. Rows are
/// flushed as they are written, so a crash loses at most the row being written.
/// </summary>
public sealed class RunFiles : IDisposable
{
    /// <summary>Columns of progress.csv, in order.</summary>
    public static readonly string[] ProgressColumns =
        ["total_timesteps", "fps", "ep_rew_mean", "ep_len_mean", "policy_loss", "value_loss", "entropy", "explained_variance", "learning_rate"];

    private readonly StreamWriter _progress;
    private readonly StreamWriter _monitor;
    private int _monitorRows;

    /// <summary>Creates the directory (it must not hold a previous run) and writes config.json and the file headers.</summary>
    /// <param name="directory">The run directory.</param>
    /// <param name="options">The resolved options.</param>
    /// <param name="device">The device used.</param>
    /// <param name="startUnixSeconds">Start time, for monitor.csv's header.</param>
    public RunFiles(string directory, A2COptions options, string device, double startUnixSeconds)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory = directory;
        if (System.IO.Directory.Exists(directory) && System.IO.Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new IOException($"the run directory '{directory}' is not empty; choose another --run-dir (runs are never overwritten).");
        }

        System.IO.Directory.CreateDirectory(directory);
        WriteAtomically(Path.Combine(directory, "config.json"), ConfigJson(options, device).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        _progress = new StreamWriter(Path.Combine(directory, "progress.csv"), append: false, new UTF8Encoding(false));
        _progress.WriteLine(string.Join(",", ProgressColumns));
        _progress.Flush();
        _monitor = new StreamWriter(Path.Combine(directory, "monitor.csv"), append: false, new UTF8Encoding(false));
        var header = new JsonObject { ["t_start"] = startUnixSeconds, ["env_id"] = options.Env };
        _monitor.WriteLine("#" + header.ToJsonString());
        _monitor.WriteLine("r,l,t");
        _monitor.Flush();
    }

    private RunFiles(string directory, StreamWriter progress, StreamWriter monitor, int monitorRows)
    {
        Directory = directory;
        _progress = progress;
        _monitor = monitor;
        _monitorRows = monitorRows;
    }

    /// <summary>The run directory.</summary>
    public string Directory { get; }

    /// <summary>Path of the resumable checkpoint.</summary>
    public string CheckpointPath => Path.Combine(Directory, "checkpoint.zip");

    /// <summary>
    /// Reopens a run directory to continue it from a checkpoint: rows of progress.csv past the
    /// checkpoint's step count and monitor.csv rows past its episode count (written after the
    /// checkpoint, before the run stopped) are dropped, so the resumed run appends without
    /// duplicates.
    /// </summary>
    /// <param name="directory">The run directory.</param>
    /// <param name="timesteps">Steps at the checkpoint.</param>
    /// <param name="episodes">Episodes at the checkpoint.</param>
    /// <returns>The files, ready to append.</returns>
    public static RunFiles Resume(string directory, long timesteps, int episodes)
    {
        var progressPath = Path.Combine(directory, "progress.csv");
        var monitorPath = Path.Combine(directory, "monitor.csv");
        if (!File.Exists(progressPath) || !File.Exists(monitorPath))
        {
            throw new IOException($"'{directory}' does not hold progress.csv and monitor.csv to continue.");
        }

        var progress = File.ReadAllLines(progressPath);
        var keptProgress = progress.Take(1).Concat(progress.Skip(1).Where(line =>
            long.TryParse(line.Split(',')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var steps) && steps <= timesteps && line.Split(',').Length == ProgressColumns.Length));
        WriteAtomically(progressPath, string.Join("\n", keptProgress) + "\n");
        // A row cut short by a kill or a crash (no newline, or fields missing) is dropped with
        // everything after it; the trainer writes those episodes again from the checkpoint's log.
        var monitor = WholeLines(File.ReadAllText(monitorPath));
        var keptMonitor = monitor.Take(2).Concat(monitor.Skip(2).Take(episodes).TakeWhile(IsMonitorRow)).ToList();
        WriteAtomically(monitorPath, string.Join("\n", keptMonitor) + "\n");
        return new RunFiles(
            directory,
            new StreamWriter(progressPath, append: true, new UTF8Encoding(false)),
            new StreamWriter(monitorPath, append: true, new UTF8Encoding(false)),
            keptMonitor.Count - 2);
    }

    /// <summary>Path of the final model's weights.</summary>
    public string ModelPath => Path.Combine(Directory, "model.bin");

    /// <summary>Path of the normalization statistics (written when normalization is on).</summary>
    public string NormalizationPath => Path.Combine(Directory, "normalization.json");

    /// <summary>The options as config.json stores them: one field per row of <see cref="Hyperparameters.All"/> (Stable-Baselines3's names, in its order), then the device.</summary>
    /// <param name="options">The options.</param>
    /// <param name="device">The device.</param>
    /// <returns>The JSON object.</returns>
    public static JsonObject ConfigJson(A2COptions options, string device)
    {
        ArgumentNullException.ThrowIfNull(options);
        var json = new JsonObject();
        foreach (var option in Hyperparameters.All)
        {
            json[option.Name] = option.ToJson(options);
        }

        json["device"] = device;
        return json;
    }

    /// <summary>Reads options back from a config.json written by <see cref="ConfigJson"/>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The options.</returns>
    public static A2COptions ReadConfig(string path) => ParseConfig(File.ReadAllText(path), $"'{path}'");

    /// <summary>Options from the text of a config.json written by <see cref="ConfigJson"/>.</summary>
    /// <param name="json">The file's text.</param>
    /// <param name="path">Where it came from, for messages.</param>
    /// <returns>The options.</returns>
    /// <exception cref="InvalidDataException">The text is not JSON, or a field is missing, of the wrong type or out of range; the message names <paramref name="path"/> and the field.</exception>
    public static A2COptions ParseConfig(string json, string path) => ConfigFile.Parse(json, path);

    /// <summary>Text of a schedule as the command line takes it: <c>7e-4</c> or <c>lin_7e-4</c>.</summary>
    /// <param name="schedule">The schedule.</param>
    /// <returns>The text.</returns>
    public static string ScheduleText(Schedule schedule) => ValueFormat.ScheduleText(schedule);

    /// <summary>Appends one row to progress.csv.</summary>
    /// <param name="report">The update to record.</param>
    public void WriteProgress(UpdateReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        string F(double? x) => x is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : string.Empty;
        try
        {
            _progress.WriteLine(string.Join(",", new[]
            {
                report.TotalTimesteps.ToString(CultureInfo.InvariantCulture),
                ((long)report.Fps).ToString(CultureInfo.InvariantCulture),
                F(report.RecentMeanReturn),
                F(report.RecentMeanLength),
                F(report.Stats.PolicyLoss),
                F(report.Stats.ValueLoss),
                F(report.Stats.Entropy),
                F(report.Stats.ExplainedVariance),
                F(report.Stats.LearningRate),
            }));
            _progress.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw FileErrors.CannotWrite(Path.Combine(Directory, "progress.csv"), e);
        }
    }

    /// <summary>Appends the episodes finished since the last call to monitor.csv.</summary>
    /// <param name="episodes">All finished episodes so far.</param>
    public void WriteEpisodes(IReadOnlyList<EpisodeRecord> episodes)
    {
        ArgumentNullException.ThrowIfNull(episodes);
        try
        {
            for (; _monitorRows < episodes.Count; _monitorRows++)
            {
                var e = episodes[_monitorRows];
                _monitor.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e.Return:R},{e.Length},{Math.Round(e.Seconds, 6):R}"));
            }

            _monitor.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw FileErrors.CannotWrite(Path.Combine(Directory, "monitor.csv"), e);
        }
    }

    /// <summary>
    /// Writes <paramref name="text"/> to <paramref name="path"/> through a temporary file, flushed
    /// to disk, and a rename, so readers never see half a file, even after a crash of the machine.
    /// </summary>
    /// <param name="path">Destination.</param>
    /// <param name="text">Content.</param>
    public static void WriteAtomically(string path, string text) => WriteAtomically(path, new UTF8Encoding(false).GetBytes(text));

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> as <see cref="WriteAtomically(string, string)"/> writes text.</summary>
    /// <param name="path">Destination.</param>
    /// <param name="bytes">Content.</param>
    public static void WriteAtomically(string path, byte[] bytes)
    {
        var temporary = path + ".tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Write(bytes);
                // On disk before the rename, so that a crash leaves the old file or the new one.
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            FileErrors.TryDelete(temporary);
            throw FileErrors.CannotWrite(path, e);
        }
    }

    /// <summary>Flushes and closes the files.</summary>
    public void Dispose()
    {
        // After a failed write (a full disk) the rows still buffered cannot be written either; that
        // failure has been reported, and closing must not replace it with a second one.
        foreach (var writer in new[] { _progress, _monitor })
        {
            try
            {
                writer.Dispose();
            }
            catch (IOException)
            {
                // Reported already.
            }
        }
    }

    private static string[] WholeLines(string text)
    {
        var end = text.LastIndexOf('\n');
        return end < 0 ? [] : text[..end].Split('\n').Select(line => line.TrimEnd('\r')).ToArray();
    }

    private static bool IsMonitorRow(string line)
    {
        var fields = line.Split(',');
        return fields.Length == 3
            && double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out _)
            && double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out _);
    }
}
