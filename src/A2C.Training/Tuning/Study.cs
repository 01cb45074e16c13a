using System.Diagnostics;
using System.Globalization;
using A2C.Core;
using Microsoft.Data.Sqlite;

namespace A2C.Training;

/// <summary>Where a trial of a study stands.</summary>
public enum TrialState
{
    /// <summary>Claimed by a process that is training it.</summary>
    Running,

    /// <summary>Trained to its budget.</summary>
    Complete,

    /// <summary>Stopped early by the pruner; its objective is taken from its evaluations until then.</summary>
    Pruned,

    /// <summary>Its training failed, or the process running it died; it does not count towards the study's trials.</summary>
    Failed,
}

/// <summary>One trial as the study holds it.</summary>
/// <param name="Number">0, 1, 2... in the order trials were claimed.</param>
/// <param name="State">Where it stands.</param>
/// <param name="Values">Its parameter values, in the search space's order (a choice as its index).</param>
/// <param name="Objective">What the study maximizes, from its evaluations (the last one's mean return, or their mean); null until it finishes, and for a failed trial.</param>
/// <param name="Reports">Its intermediate evaluations: (evaluation index from 1, mean return).</param>
/// <param name="Timesteps">The env steps at each report, in the same order.</param>
/// <param name="Message">Why it failed, when it did.</param>
/// <param name="Owner">The process that claimed it (<see cref="Study.ThisProcess"/> of that process).</param>
public sealed record TrialRecord(int Number, TrialState State, IReadOnlyList<double> Values, double? Objective, IReadOnlyList<(long Step, double Value)> Reports, IReadOnlyList<long> Timesteps, string? Message, string Owner);

/// <summary>
/// A hyperparameter study in a SQLite database: its settings, and per trial its state,
/// parameters and intermediate values, so that it can be resumed, read by <c>a2c plot --study</c>
/// and shared by several processes at once. Every change is a transaction (a claim takes the
/// write lock before it reads the history), and trials are owned: a trial whose process is gone
/// is marked failed by the next process to open the study.
/// </summary>
/// <remarks>Not thread-safe: each thread opens its own <see cref="Study"/>.</remarks>
public sealed class Study : IDisposable
{
    /// <summary>Seconds after which a trial whose owner runs on another machine and has not beaten counts as dead.</summary>
    public const double StaleAfterSeconds = 60;

    private const string Schema = "1";

    private readonly SqliteConnection _connection;

    private Study(string path, SqliteConnection connection)
    {
        Path = path;
        _connection = connection;
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>This process, as trials record their owner: machine, process id and its start time (so a reused pid is not mistaken for it).</summary>
    public static string ThisProcess { get; } = OwnerOf(Environment.MachineName, Environment.ProcessId, Process.GetCurrentProcess().StartTime.ToUniversalTime().Ticks);

    /// <summary>Opens the study in <paramref name="path"/>, creating the file and its tables when it does not exist.</summary>
    /// <param name="path">The database file.</param>
    /// <returns>The study.</returns>
    /// <exception cref="InvalidDataException">The file is not a SQLite database, or not a study of this version; the message names it.</exception>
    /// <exception cref="IOException">It cannot be opened or created.</exception>
    public static Study Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 60 }.ToString());
        try
        {
            connection.Open();
            // Readers never wait for the writer; a writer waits (busy_timeout) rather than failing.
            Execute(connection, "PRAGMA busy_timeout = 60000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;");
            using (var create = connection.BeginTransaction())
            {
                Execute(connection, """
                    CREATE TABLE IF NOT EXISTS study (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS trials (
                        number INTEGER PRIMARY KEY,
                        state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'pruned', 'failed')),
                        objective REAL,
                        owner TEXT NOT NULL,
                        heartbeat REAL NOT NULL,
                        started REAL NOT NULL,
                        finished REAL,
                        message TEXT);
                    CREATE TABLE IF NOT EXISTS params (
                        trial INTEGER NOT NULL REFERENCES trials (number),
                        position INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        value REAL NOT NULL,
                        display TEXT NOT NULL,
                        PRIMARY KEY (trial, position));
                    CREATE TABLE IF NOT EXISTS intermediate (
                        trial INTEGER NOT NULL REFERENCES trials (number),
                        step INTEGER NOT NULL,
                        timesteps INTEGER NOT NULL,
                        value REAL NOT NULL,
                        PRIMARY KEY (trial, step));
                    INSERT OR IGNORE INTO study (key, value) VALUES ('schema', '1');
                    """, create);
                create.Commit();
            }

            var schema = Scalar(connection, "SELECT value FROM study WHERE key = 'schema'") as string;
            if (schema != Schema)
            {
                throw new InvalidDataException($"'{path}' is a study of schema {schema}; this a2c reads schema {Schema}");
            }

            return new Study(path, connection);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw e.SqliteErrorCode is 26 or 11
                ? new InvalidDataException($"'{path}' is not a study database: {e.Message.TrimEnd('.')}", e)
                : new IOException($"cannot open the study '{path}': {e.Message.TrimEnd('.')}", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The study's settings (what <c>a2c tune</c> stored when it created it); empty for a new study.</summary>
    /// <returns>Key and value of each, without the schema.</returns>
    public IReadOnlyDictionary<string, string> Settings()
    {
        using var command = Command("SELECT key, value FROM study WHERE key != 'schema'");
        using var reader = command.ExecuteReader();
        var settings = new Dictionary<string, string>();
        while (reader.Read())
        {
            settings[reader.GetString(0)] = reader.GetString(1);
        }

        return settings;
    }

    /// <summary>
    /// Stores <paramref name="settings"/> when the study has none yet, in one transaction (two
    /// processes creating one study agree on the first one's); returns the study's settings.
    /// </summary>
    /// <param name="settings">The settings to store.</param>
    /// <returns>The settings the study holds afterwards.</returns>
    public IReadOnlyDictionary<string, string> Initialize(IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using (var transaction = _connection.BeginTransaction())
        {
            if (Scalar(_connection, "SELECT COUNT(*) FROM study WHERE key != 'schema'", transaction) is 0L)
            {
                foreach (var (key, value) in settings)
                {
                    using var insert = Command("INSERT INTO study (key, value) VALUES ($key, $value)", transaction);
                    insert.Parameters.AddWithValue("$key", key);
                    insert.Parameters.AddWithValue("$value", value);
                    insert.ExecuteNonQuery();
                }
            }

            transaction.Commit();
        }

        return Settings();
    }

    /// <summary>
    /// Marks failed every running trial whose owner is gone: on this machine, a process that no
    /// longer runs (or a new one with its pid); elsewhere, one that has not beaten for
    /// <see cref="StaleAfterSeconds"/>.
    /// </summary>
    /// <returns>The numbers of the trials marked failed.</returns>
    public IReadOnlyList<int> FailAbandoned()
    {
        using var transaction = _connection.BeginTransaction();
        var now = Now();
        var abandoned = new List<int>();
        using (var query = Command("SELECT number, owner, heartbeat FROM trials WHERE state = 'running'", transaction))
        using (var reader = query.ExecuteReader())
        {
            while (reader.Read())
            {
                if (!IsAlive(reader.GetString(1), reader.GetDouble(2), now))
                {
                    abandoned.Add(reader.GetInt32(0));
                }
            }
        }

        foreach (var number in abandoned)
        {
            using var update = Command("UPDATE trials SET state = 'failed', finished = $now, message = 'its process stopped without finishing it' WHERE number = $number", transaction);
            update.Parameters.AddWithValue("$now", now);
            update.Parameters.AddWithValue("$number", number);
            update.ExecuteNonQuery();
        }

        transaction.Commit();
        return abandoned;
    }

    /// <summary>
    /// Claims the next trial when the study has fewer than <paramref name="trials"/> that are
    /// running or finished (failed ones do not count): in one write transaction, the history is
    /// read, <paramref name="suggest"/> gives the parameters, and the trial is stored as running,
    /// owned by this process.
    /// </summary>
    /// <param name="trials">How many trials the study should have.</param>
    /// <param name="parameters">The search space (for the parameters' names and texts).</param>
    /// <param name="suggest">The sampler: the trial's number and the finished trials give its values.</param>
    /// <returns>The trial's number and values, or null when the study has its trials.</returns>
    public (int Number, double[] Values)? Claim(int trials, IReadOnlyList<SearchParameter> parameters, Func<int, IReadOnlyList<TrialRecord>, double[]> suggest)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(suggest);
        using var transaction = _connection.BeginTransaction();
        if (Scalar(_connection, "SELECT COUNT(*) FROM trials WHERE state != 'failed'", transaction) is long counted && counted >= trials)
        {
            return null;
        }

        var number = (int)(long)Scalar(_connection, "SELECT COALESCE(MAX(number), -1) + 1 FROM trials", transaction)!;
        var values = suggest(number, Trials(transaction));
        var now = Now();
        using (var insert = Command("INSERT INTO trials (number, state, owner, heartbeat, started) VALUES ($number, 'running', $owner, $now, $now)", transaction))
        {
            insert.Parameters.AddWithValue("$number", number);
            insert.Parameters.AddWithValue("$owner", ThisProcess);
            insert.Parameters.AddWithValue("$now", now);
            insert.ExecuteNonQuery();
        }

        for (var i = 0; i < parameters.Count; i++)
        {
            using var insert = Command("INSERT INTO params (trial, position, name, value, display) VALUES ($trial, $position, $name, $value, $display)", transaction);
            insert.Parameters.AddWithValue("$trial", number);
            insert.Parameters.AddWithValue("$position", i);
            insert.Parameters.AddWithValue("$name", parameters[i].Name);
            insert.Parameters.AddWithValue("$value", values[i]);
            insert.Parameters.AddWithValue("$display", parameters[i].Display(values[i]));
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
        return (number, values);
    }

    /// <summary>Records a trial's evaluation number <paramref name="step"/> (from 1) and beats its heart.</summary>
    /// <param name="trial">The trial.</param>
    /// <param name="step">The evaluation's index, from 1 (the pruners' step, as RL Zoo reports it).</param>
    /// <param name="timesteps">The env steps it was made at.</param>
    /// <param name="value">Its mean return.</param>
    public void Report(int trial, int step, long timesteps, double value)
    {
        using var transaction = _connection.BeginTransaction();
        using (var insert = Command("INSERT OR REPLACE INTO intermediate (trial, step, timesteps, value) VALUES ($trial, $step, $timesteps, $value)", transaction))
        {
            insert.Parameters.AddWithValue("$trial", trial);
            insert.Parameters.AddWithValue("$step", step);
            insert.Parameters.AddWithValue("$timesteps", timesteps);
            insert.Parameters.AddWithValue("$value", value);
            insert.ExecuteNonQuery();
        }

        Beat(trial, transaction);
        transaction.Commit();
    }

    /// <summary>Says that this process is still running <paramref name="trial"/>.</summary>
    /// <param name="trial">The trial.</param>
    public void Heartbeat(int trial) => Beat(trial, null);

    /// <summary>Ends a running trial: complete or pruned with its objective, or failed with a reason.</summary>
    /// <param name="trial">The trial.</param>
    /// <param name="state">Complete, pruned or failed.</param>
    /// <param name="objective">Its objective (null for a failed trial).</param>
    /// <param name="message">Why it failed (null otherwise).</param>
    public void Finish(int trial, TrialState state, double? objective = null, string? message = null)
    {
        if (state == TrialState.Running)
        {
            throw new ArgumentException("a trial finishes as complete, pruned or failed", nameof(state));
        }

        using var update = Command("UPDATE trials SET state = $state, finished = $now, message = $message, objective = $objective WHERE number = $number");
        update.Parameters.AddWithValue("$state", Text(state));
        update.Parameters.AddWithValue("$now", Now());
        update.Parameters.AddWithValue("$message", (object?)message ?? DBNull.Value);
        update.Parameters.AddWithValue("$objective", (object?)objective ?? DBNull.Value);
        update.Parameters.AddWithValue("$number", trial);
        update.ExecuteNonQuery();
    }

    /// <summary>Every trial, by number, with its values and reports.</summary>
    /// <returns>The trials.</returns>
    public IReadOnlyList<TrialRecord> Trials() => Trials(null);

    /// <summary>The finished trials as the sampler sees them: the completed ones, with their objectives.</summary>
    /// <param name="trials">The study's trials.</param>
    /// <returns>The observations.</returns>
    public static IReadOnlyList<Observation> Observations(IEnumerable<TrialRecord> trials) =>
        [.. (trials ?? throw new ArgumentNullException(nameof(trials)))
            .Where(t => t.State == TrialState.Complete && t.Objective is not null)
            .Select(t => new Observation([.. t.Values], t.Objective!.Value))];

    /// <summary>Ends the connection.</summary>
    public void Dispose() => _connection.Dispose();

    /// <summary>An owner's text: machine, pid and the process's start time in ticks.</summary>
    internal static string OwnerOf(string machine, int pid, long startTicks) => string.Create(CultureInfo.InvariantCulture, $"{machine}:{pid}:{startTicks}");

    private static bool IsAlive(string owner, double heartbeat, double now)
    {
        var parts = owner.Split(':');
        if (parts.Length != 3 || parts[0] != Environment.MachineName)
        {
            return now - heartbeat < StaleAfterSeconds;
        }

        try
        {
            using var process = Process.GetProcessById(int.Parse(parts[1], CultureInfo.InvariantCulture));
            return process.StartTime.ToUniversalTime().Ticks.ToString(CultureInfo.InvariantCulture) == parts[2];
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private IReadOnlyList<TrialRecord> Trials(SqliteTransaction? transaction)
    {
        var values = new Dictionary<int, List<double>>();
        using (var query = Command("SELECT trial, value FROM params ORDER BY trial, position", transaction))
        using (var reader = query.ExecuteReader())
        {
            while (reader.Read())
            {
                Entry(values, reader.GetInt32(0)).Add(reader.GetDouble(1));
            }
        }

        var reports = new Dictionary<int, List<(long, double)>>();
        var timesteps = new Dictionary<int, List<long>>();
        using (var query = Command("SELECT trial, step, timesteps, value FROM intermediate ORDER BY trial, step", transaction))
        using (var reader = query.ExecuteReader())
        {
            while (reader.Read())
            {
                Entry(reports, reader.GetInt32(0)).Add((reader.GetInt64(1), reader.GetDouble(3)));
                Entry(timesteps, reader.GetInt32(0)).Add(reader.GetInt64(2));
            }
        }

        var trials = new List<TrialRecord>();
        using (var query = Command("SELECT number, state, objective, message, owner FROM trials ORDER BY number", transaction))
        using (var reader = query.ExecuteReader())
        {
            while (reader.Read())
            {
                var number = reader.GetInt32(0);
                trials.Add(new TrialRecord(
                    number,
                    Enum.Parse<TrialState>(reader.GetString(1), ignoreCase: true),
                    Entry(values, number),
                    reader.IsDBNull(2) ? null : reader.GetDouble(2),
                    Entry(reports, number),
                    Entry(timesteps, number),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.GetString(4)));
            }
        }

        return trials;
    }

    private static List<T> Entry<T>(Dictionary<int, List<T>> lists, int key) =>
        lists.TryGetValue(key, out var list) ? list : lists[key] = [];

    private void Beat(int trial, SqliteTransaction? transaction)
    {
        using var update = Command("UPDATE trials SET heartbeat = $now WHERE number = $number AND state = 'running'", transaction);
        update.Parameters.AddWithValue("$now", Now());
        update.Parameters.AddWithValue("$number", trial);
        update.ExecuteNonQuery();
    }

    private static string Text(TrialState state) => state.ToString().ToLowerInvariant();

    private static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    private SqliteCommand Command(string sql, SqliteTransaction? transaction = null)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command.ExecuteScalar();
    }
}
