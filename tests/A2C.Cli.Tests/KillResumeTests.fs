module A2C.Cli.Tests.KillResumeTests

open System
open System.Collections.Concurrent
open System.Diagnostics
open System.Globalization
open System.IO
open System.Text.Json.Nodes
open System.Threading
open A2C.Training
open A2C.Training.Tests.RunDirectory
open Expecto
open A2C.Cli.Tests.Children

// The kill-and-resume fault suite: `a2c train` runs as a child process and is killed (SIGKILL)
// at random moments, some aimed at checkpoint writes, then resumed; after every kill each file of
// the run dir must be whole and the resumed run must continue from the last complete checkpoint.
// `./build.sh test` runs the quick subset; `./build.sh test --all` sets A2C_TEST_ALL=1 for the full
// suite. The kill moments come from a seeded generator: A2C_KILL_SEED=N replays a failure.

let private fullSuite = Environment.GetEnvironmentVariable "A2C_TEST_ALL" = "1"

/// Kill-and-resume cycles: 20 in the full suite, 3 in the quick subset.
let private killCycles = if fullSuite then 20 else 3

let private killSeed =
    match Environment.GetEnvironmentVariable "A2C_KILL_SEED" with
    | null
    | "" -> Random.Shared.Next()
    | text -> Int32.Parse(text, CultureInfo.InvariantCulture)

/// Every run here: a progress row every 10 updates of 8 envs x 5 steps, a checkpoint every 100.
let private rowEvery = 400L
let private checkpointEvery = 4000L

let private logging =
    [
        "--log-interval"
        "10"
        "--checkpoint-every"
        string checkpointEvery
        "--eval-episodes"
        "0"
    ]

let private fresh dir total =
    [
        "train"
        "--env"
        "CartPole-v1"
        "--seed"
        "11"
        "--total-steps"
        string total
        "--run-dir"
        dir
    ]
    @ logging

let private resume dir (total: int64 option) =
    [ "train"; "--resume"; Path.Combine(dir, "checkpoint.zip") ]
    @ (total
       |> Option.map (fun t -> [ "--total-steps"; string t ])
       |> Option.defaultValue [])
    @ logging

let private tempDir () =
    Path.Combine(Path.GetTempPath(), "a2c-kill-" + Guid.NewGuid().ToString("N"))

/// `a2c ARGS` in this process, within two minutes (the suite must never hang).
let private runTrain (args: string list) =
    let run =
        Threading.Tasks.Task.Run(fun () ->
            use stdout = new StringWriter()
            use stderr = new StringWriter()
            let code = A2C.Cli.CliApp.Run(List.toArray args, stdout, stderr)
            code, stdout.ToString(), stderr.ToString())

    if not (run.Wait(TimeSpan.FromMinutes 2.0)) then
        failtest $"""a2c {String.Join(" ", args)} did not finish within two minutes"""

    run.Result

/// `dotnet a2c.dll ARGS` with its output lines collected as they arrive.
type private Child(args: string list) =
    let lines = ResizeArray<string>()
    let errors = Text.StringBuilder()
    let clock = Stopwatch.StartNew()

    let proc =
        let p = new Process(StartInfo = a2cStartInfo args)

        p.OutputDataReceived.Add(fun e ->
            match e.Data with
            | null -> ()
            | line -> lock lines (fun () -> lines.Add line))

        p.ErrorDataReceived.Add(fun e ->
            match e.Data with
            | null -> ()
            | line -> lock errors (fun () -> errors.AppendLine line |> ignore))

        p.Start() |> ignore
        p.BeginOutputReadLine()
        p.BeginErrorReadLine()
        p

    /// Time since the process was started.
    member _.Elapsed = clock.Elapsed
    member _.Lines = lock lines (fun () -> List.ofSeq lines)
    member _.Errors = lock errors (fun () -> errors.ToString())
    member _.HasExited = proc.HasExited
    member _.Id = proc.Id
    member _.ExitCode = proc.ExitCode

    /// SIGKILL: no handler runs, nothing is flushed.
    member _.Kill() =
        try
            proc.Kill()
        with :? InvalidOperationException ->
            ()

    /// Waits for the exit and for the last output lines; false at the deadline.
    member _.WaitForExit(deadline: TimeSpan) =
        if proc.WaitForExit deadline then
            proc.WaitForExit()
            true
        else
            false

    interface IDisposable with
        member this.Dispose() =
            this.Kill()
            proc.WaitForExit(TimeSpan.FromSeconds 10.0) |> ignore
            proc.Dispose()

/// Polls (tightly: a checkpoint write lasts a few milliseconds) until the condition holds; false at the deadline.
let private spinUntil = pollUntil (fun () -> Thread.SpinWait 50)

/// Where in the run a kill lands: after a random delay, then (for the last two) at the next
/// checkpoint write (its temporary file exists) or right after it (checkpoint.zip replaced).
type private KillPoint =
    | Anywhere
    | DuringCheckpointWrite
    | AfterCheckpointWrite

let private number (text: string) =
    fst (Double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture))

/// The lines of a CSV file, which must end with a whole line.
let private csvLines context (path: string) =
    let text = File.ReadAllText path

    Expect.isTrue
        (text.EndsWith "\n")
        $"{context}: {Path.GetFileName path} ends with a whole line, not a torn one: ...{text.Substring(max 0 (text.Length - 80))}"

    text.Substring(0, text.Length - 1).Split('\n')

/// progress.csv's rows, checked: the header's columns, every field parses, total_timesteps strictly
/// increasing (no duplicate) and, when `grid`, exactly one row every 400 steps (no gap).
let private progressRows context dir grid =
    let lines = csvLines context (Path.Combine(dir, "progress.csv"))
    Expect.equal lines.[0] (String.Join(",", RunFiles.ProgressColumns)) $"{context}: progress.csv header"
    let rows = lines.[1..]
    let mutable last = 0L

    for i, row in Array.indexed rows do
        let fields = row.Split ','

        Expect.equal
            fields.Length
            RunFiles.ProgressColumns.Length
            $"{context}: progress.csv row {i + 1} has the header's column count: '{row}'"

        Expect.isTrue
            (fields |> Array.forall (fun f -> f = "" || number f))
            $"{context}: progress.csv row {i + 1} parses: '{row}'"

        let steps = Int64.Parse(fields.[0], CultureInfo.InvariantCulture)

        if grid then
            Expect.equal
                steps
                (rowEvery * int64 (i + 1))
                $"{context}: progress.csv row {i + 1} is at step {rowEvery * int64 (i + 1)} (one row every {rowEvery} steps: no gap, no duplicate)"
        else
            Expect.isGreaterThan steps last $"{context}: progress.csv total_timesteps strictly increases (row {i + 1})"

        last <- steps

    rows

/// monitor.csv's episode rows, checked: its JSON header line, "r,l,t", three parsing fields a row
/// and t never going back (a row written again after a resume would).
let private monitorRows context dir =
    let lines = csvLines context (Path.Combine(dir, "monitor.csv"))
    Expect.isTrue (lines.[0].StartsWith "#") $"{context}: monitor.csv starts with its JSON header"
    let header = (nonNull (JsonNode.Parse(lines.[0].Substring 1))).AsObject()
    Expect.equal ((nonNull header.["env_id"]).GetValue<string>()) "CartPole-v1" $"{context}: monitor.csv env_id"
    Expect.equal lines.[1] "r,l,t" $"{context}: monitor.csv columns"
    let rows = lines.[2..]
    let mutable last = 0.0

    for i, row in Array.indexed rows do
        let fields = row.Split ','
        Expect.equal fields.Length 3 $"{context}: monitor.csv row {i + 1} has three columns: '{row}'"

        Expect.isTrue
            (number fields.[0]
             && fst (Int32.TryParse(fields.[1], NumberStyles.None, CultureInfo.InvariantCulture))
             && number fields.[2])
            $"{context}: monitor.csv row {i + 1} parses: '{row}'"

        let t = Double.Parse(fields.[2], CultureInfo.InvariantCulture)
        Expect.isGreaterThanOrEqual t last $"{context}: monitor.csv t never goes back (row {i + 1}: '{row}')"
        last <- t

    rows

/// A TensorBoard event file holds whole records (TFRecord framing: u64 length, u32 CRC, data, u32 CRC).
let private wholeRecords (path: string) =
    let bytes = File.ReadAllBytes path
    let mutable offset = 0

    while offset + 12 <= bytes.Length do
        offset <- offset + 12 + int (BitConverter.ToUInt64(bytes, offset)) + 4

    offset = bytes.Length

/// The temporary files a2c writes before renaming; a kill may leave one, which the next write replaces.
let private temporaries =
    set
        [
            "checkpoint.zip.tmp"
            "model.bin.tmp"
            "config.json.tmp"
            "progress.csv.tmp"
            "monitor.csv.tmp"
            "normalization.json.tmp"
        ]

let private strayTemporaries dir =
    Directory.GetFiles(dir, "*.tmp")
    |> Array.map (fun path -> nonNull (Path.GetFileName path))
    |> Array.sort

/// Checks every file of a run dir; returns the checkpoint's step and episode counts and the progress rows.
let private checkRunDir context dir grid =
    let checkpoint = Path.Combine(dir, "checkpoint.zip")

    let entries =
        try
            let struct (_, entries) = Checkpoint.Read checkpoint
            entries
        with :? CheckpointException as e ->
            failtest $"{context}: checkpoint.zip does not verify: {e.Message}"

    let counters =
        (nonNull (JsonNode.Parse(Text.Encoding.UTF8.GetString entries.["trainer.json"]))).AsObject()

    let steps = (nonNull counters.["timesteps"]).GetValue<int64>()
    let episodes = (nonNull counters.["episode_returns"]).AsArray().Count

    try
        RunFiles.ReadConfig(Path.Combine(dir, "config.json")) |> ignore
    with e ->
        failtest $"{context}: config.json does not parse: {e.Message}"

    let model = Path.Combine(dir, "model.bin")

    if File.Exists model then
        let code, _, err = runTrain [ "eval"; "--checkpoint"; model; "--episodes"; "1" ]

        Expect.equal code 0 $"{context}: model.bin loads: {err}"

    let stray = strayTemporaries dir

    Expect.isTrue
        (stray |> Array.forall temporaries.Contains)
        $"""{context}: only a2c's own temporary files may be left by a kill: {String.Join(", ", stray)}"""

    let tensorboard = Path.Combine(dir, "tensorboard")

    if Directory.Exists tensorboard then
        for events in Directory.GetFiles tensorboard do
            Expect.isTrue (wholeRecords events) $"{context}: {Path.GetFileName events} holds whole records"

    let rows = progressRows context dir grid
    let episodeRows = monitorRows context dir
    steps, episodes, rows, episodeRows

let private withoutFps (rows: string array) =
    rows
    |> Array.map (fun row -> row.Split(',') |> Array.removeAt 1 |> String.concat ",")

let private returnsAndLengths (rows: string array) =
    rows |> Array.map (fun row -> row.Substring(0, row.LastIndexOf ','))

/// An uninterrupted run to `total` steps: its progress rows (without fps) and episodes (r,l).
let private reference total =
    let dir = tempDir ()
    let code, _, err = runTrain (fresh dir total)
    Expect.equal code 0 $"the uninterrupted reference run: {err}"
    let progress = File.ReadAllLines(Path.Combine(dir, "progress.csv")).[1..]
    let monitor = File.ReadAllLines(Path.Combine(dir, "monitor.csv")).[2..]
    Directory.Delete(dir, true)
    withoutFps progress, returnsAndLengths monitor

/// TensorBoard holds each tag at most once a step, and train/policy_loss exactly at the steps of
/// the progress rows: a resume dropped what the stopped run logged after its checkpoint.
let private tensorBoardMatches context dir (rows: string array) =
    let scalars = EventFiles.scalars (Path.Combine(dir, "tensorboard"))

    for tag, steps in List.groupBy fst scalars do
        let twice =
            steps |> List.countBy snd |> List.filter (fun (_, n) -> n > 1) |> List.map fst

        Expect.isEmpty twice $"{context}: TensorBoard shows no step twice ({tag} twice at %A{twice})"

    Expect.sequenceEqual
        (scalars
         |> List.filter (fun (tag, _) -> tag = "train/policy_loss")
         |> List.map snd
         |> List.sort)
        (rows
         |> Array.map (fun row -> Int64.Parse(row.Split(',').[0], CultureInfo.InvariantCulture)))
        $"{context}: TensorBoard has train/policy_loss at the steps of progress.csv"

/// The run dir after a completed run matches an uninterrupted run to the same step: the same
/// progress rows (but fps; `extra`, a row a signal's stop added, is left out) and the same episodes.
let private matchesReference context dir total (extra: int64 option) =
    let steps, episodes, rows, episodeRows = checkRunDir context dir extra.IsNone
    Expect.equal steps total $"{context}: the final checkpoint is at the last step"
    Expect.equal episodeRows.Length episodes $"{context}: monitor.csv has a row for every episode of the checkpoint"
    Expect.isEmpty (strayTemporaries dir) $"{context}: no temporary file is left after a completed run"
    tensorBoardMatches context dir rows

    let rows =
        match extra with
        | Some step -> rows |> Array.filter (fun row -> not (row.StartsWith $"{step},"))
        | None -> rows

    let progress, monitor = reference total
    Expect.sequenceEqual (withoutFps rows) progress $"{context}: progress.csv is the uninterrupted run's"

    Expect.sequenceEqual
        (returnsAndLengths episodeRows)
        monitor
        $"{context}: monitor.csv has the uninterrupted run's episodes"

/// The step the resumed run said it resumed at, if it got that far before the kill.
let private resumedAt (child: Child) =
    child.Lines
    |> List.tryFind (fun line -> line.StartsWith "a2c train: resuming")
    |> Option.map (fun line ->
        let text = line.Substring(line.IndexOf " at step " + 9)
        let digits = text.Substring(0, text.IndexOf " of ") |> String.filter Char.IsDigit
        Int64.Parse(digits, CultureInfo.InvariantCulture))

/// Waits `delay`, then for the kill point, and SIGKILLs the child; returns when it was killed.
let private killAt context (child: Child) dir (delay: int) point =
    let checkpoint = Path.Combine(dir, "checkpoint.zip")

    let stamp () =
        try
            let info = FileInfo checkpoint

            if info.Exists then
                Some(info.LastWriteTimeUtc, info.Length)
            else
                None
        with :? IOException ->
            None

    Thread.Sleep delay
    let before = stamp ()
    let deadline = TimeSpan.FromSeconds 30.0

    let reached =
        match point with
        | Anywhere -> true
        | DuringCheckpointWrite -> spinUntil deadline (fun () -> File.Exists(checkpoint + ".tmp") || child.HasExited)
        | AfterCheckpointWrite -> spinUntil deadline (fun () -> stamp () <> before || child.HasExited)

    let at = child.Elapsed
    child.Kill()
    Expect.isTrue reached $"{context}: the kill point came within {deadline.TotalSeconds} s"
    Expect.isTrue (child.WaitForExit(TimeSpan.FromSeconds 30.0)) $"{context}: a2c exits after SIGKILL"
    // 137 = 128 + SIGKILL; anything else means it stopped by itself before the kill.
    Expect.equal child.ExitCode 137 $"{context}: killed, not exited by itself (stderr: {child.Errors})"
    at

/// `fresh dir` run in this process with a2c train's sinks, dying (a sink that throws, after the
/// update's rows are written, before its checkpoint) at step `crashAt`.
let private crashedRun dir (crashAt: int64) =
    let options =
        A2COptions(Env = "CartPole-v1", Seed = 11, TotalTimesteps = 100_000_000L)

    use trainer = new Trainer(options)
    use files = new RunFiles(dir, trainer.Options, "cpu", 0.0)
    trainer.CheckpointEvery <- checkpointEvery
    use _ = RunSinks.Subscribe(trainer, files, 10)

    use _ =
        trainer.Reports.Subscribe(fun report ->
            if report.TotalTimesteps = crashAt then
                failwith "killed")

    Expect.throws (fun () -> trainer.Run() |> ignore) "the simulated crash"

[<Tests>]
let tests =
    testSequenced
    <| testList
        "kill and resume"
        [
            test "SIGKILL at random and at checkpoint writes, then resume: no torn file, no lost or repeated row" {
                if OperatingSystem.IsWindows() then
                    skiptest "POSIX signals only"

                let rng = Random killSeed
                let dir = tempDir ()
                let mutable checkpointSteps = 0L
                let mutable keptRows: string array = [||]
                printfn $"kill and resume: {killCycles} cycles, A2C_KILL_SEED={killSeed}, run dir {dir}"

                for cycle in 1..killCycles do
                    let point =
                        match cycle % 3 with
                        | 1 -> DuringCheckpointWrite
                        | 2 -> AfterCheckpointWrite
                        | _ -> Anywhere

                    let delay = rng.Next(0, 2000)

                    let context =
                        $"A2C_KILL_SEED={killSeed} cycle {cycle}/{killCycles} ({point} after {delay} ms)"

                    use child =
                        new Child(
                            if cycle = 1 then
                                fresh dir 100_000_000L
                            else
                                resume dir None
                        )

                    // A fresh run has nothing to resume before its first checkpoint.
                    if cycle = 1 then
                        Expect.isTrue
                            (waitUntil (TimeSpan.FromSeconds 60.0) (fun () ->
                                File.Exists(Path.Combine(dir, "checkpoint.zip")) || child.HasExited))
                            $"{context}: the first checkpoint within a minute"

                    let killedAt = killAt context child dir delay point

                    let context =
                        $"{context}, killed {killedAt.TotalMilliseconds:F0} ms after the start"

                    match resumedAt child with
                    | Some step ->
                        Expect.equal step checkpointSteps $"{context}: resumed at the last complete checkpoint's step"
                    | None -> ()

                    let steps, _, rows, _ = checkRunDir context dir true

                    Expect.isTrue
                        (rows |> Array.exists (fun row -> row.StartsWith $"{steps},"))
                        $"{context}: progress.csv has the row of the checkpoint's step {steps} (logs are written before the checkpoint)"

                    Expect.isGreaterThanOrEqual steps checkpointSteps $"{context}: the checkpoint never goes back"

                    Expect.isGreaterThanOrEqual
                        rows.Length
                        keptRows.Length
                        $"{context}: progress rows up to the last checkpoint are kept"

                    Expect.sequenceEqual
                        rows.[0 .. keptRows.Length - 1]
                        keptRows
                        $"{context}: progress rows up to the last checkpoint are kept as they were"

                    keptRows <-
                        rows
                        |> Array.filter (fun row ->
                            Int64.Parse(row.Split(',').[0], CultureInfo.InvariantCulture) <= steps)

                    checkpointSteps <- steps

                    let stray = strayTemporaries dir

                    printfn
                        $"""  {context}: checkpoint at step {steps}, {rows.Length} progress rows{if stray.Length > 0 then
                                                                                                     ", left " + String.Join(", ", stray)
                                                                                                 else
                                                                                                     ""}"""

                // The last resume runs to the end: the whole run is the uninterrupted one.
                let total = checkpointSteps + checkpointEvery
                let code, out, err = runTrain (resume dir (Some total))
                let context = $"A2C_KILL_SEED={killSeed}, the final resume to {total}"
                Expect.equal code 0 $"{context}: {err}"
                Expect.stringContains out $"resuming CartPole-v1 at step " $"{context}: says where it resumes"
                matchesReference context dir total None
                Directory.Delete(dir, true)
            }

            test "a crash after an update's checkpoint but before its progress row loses no row on resume" {
                let dir = tempDir ()

                let options =
                    A2COptions(Env = "CartPole-v1", Seed = 11, TotalTimesteps = 100_000_000L)

                do
                    use trainer = new Trainer(options)
                    use files = new RunFiles(dir, trainer.Options, "cpu", 0.0)
                    trainer.CheckpointEvery <- checkpointEvery
                    use _ = trainer.Checkpoints.Subscribe(CheckpointSink files.CheckpointPath)
                    // `a2c train`'s sinks (a row every 10 updates), and a crash at the update of step
                    // 8,000, where the second checkpoint is due: the process dies before writing its row.
                    use _ =
                        trainer.Reports.Subscribe(fun report ->
                            if report.TotalTimesteps = 2L * checkpointEvery then
                                failwith "killed"

                            files.WriteEpisodes trainer.Episodes

                            if report.Update % 10L = 0L then
                                files.WriteProgress report)

                    use _ = trainer.Reports.Subscribe(TensorBoardSink(files.TensorBoardPath, 10))

                    Expect.throws (fun () -> trainer.Run() |> ignore) "the simulated crash"

                let total = 3L * checkpointEvery
                let code, _, err = runTrain (resume dir (Some total))
                Expect.equal code 0 err
                matchesReference "crash before the row" dir total None
                Directory.Delete(dir, true)
            }

            test "a torn last row of monitor.csv is dropped on resume and written again" {
                let dir = tempDir ()
                let code, _, err = runTrain (fresh dir checkpointEvery)
                Expect.equal code 0 err
                // Half of the last episode's row, without its newline: a write cut short inside the
                // checkpoint's episodes, as a machine crash (rows are flushed to the OS, not the disk)
                // or a kill in the middle of a batch of rows larger than the file buffer leaves it.
                let path = Path.Combine(dir, "monitor.csv")
                let text = File.ReadAllText path
                let start = text.LastIndexOf('\n', text.Length - 2) + 1
                File.WriteAllText(path, text.Substring(0, start + (text.Length - 1 - start) / 2))
                let total = 2L * checkpointEvery
                let code, _, err = runTrain (resume dir (Some total))
                Expect.equal code 0 err
                matchesReference "torn monitor row" dir total None
                Directory.Delete(dir, true)
            }

            test "SIGTERM mid-run exits 143 with a complete checkpoint and flushed logs, and resumes cleanly" {
                if OperatingSystem.IsWindows() then
                    skiptest "POSIX signals only"

                let rng = Random(killSeed + 1)
                let delay = rng.Next(0, 1000)

                let context =
                    $"A2C_KILL_SEED={killSeed} (SIGTERM {delay} ms after the first checkpoint)"

                let dir = tempDir ()

                do
                    use child = new Child(fresh dir 100_000_000L)

                    Expect.isTrue
                        (waitUntil (TimeSpan.FromSeconds 60.0) (fun () ->
                            File.Exists(Path.Combine(dir, "checkpoint.zip")) || child.HasExited))
                        $"{context}: the first checkpoint within a minute"

                    Thread.Sleep delay
                    Expect.isTrue (signal "TERM" child.Id) "kill -TERM returns"
                    Expect.isTrue (child.WaitForExit(TimeSpan.FromSeconds 60.0)) $"{context}: a2c stops within a minute"
                    Expect.equal child.ExitCode 143 $"{context}: exit code (stderr: {child.Errors})"

                    Expect.isTrue
                        (child.Lines |> List.exists (fun line -> line.StartsWith "done:"))
                        $"{context}: it finished cleanly"

                let steps, episodes, rows, episodeRows = checkRunDir context dir false
                let context = $"{context}, stopped at step {steps}"
                Expect.isEmpty (strayTemporaries dir) $"{context}: no temporary file left"
                Expect.isTrue (File.Exists(Path.Combine(dir, "model.bin"))) $"{context}: the model was written"

                Expect.isTrue
                    ((Array.last rows).StartsWith $"{steps},")
                    $"{context}: the last progress row is the stop's, at the checkpoint's step {steps}"

                Expect.equal episodeRows.Length episodes $"{context}: monitor.csv has every episode of the checkpoint"
                let total = steps + checkpointEvery
                let code, _, err = runTrain (resume dir (Some total))
                Expect.equal code 0 $"{context}: resume: {err}"
                let extra = if steps % rowEvery = 0L then None else Some steps
                matchesReference context dir total extra
                Directory.Delete(dir, true)
            }

            test "TensorBoard shows no step twice after a resume: the events logged after the checkpoint are dropped" {
                let dir = tempDir ()
                // Killed at 6,000: the checkpoint is at 4,000, the logs (TensorBoard too) go on to 6,000.
                crashedRun dir 6000L
                let before = EventFiles.scalars (Path.Combine(dir, "tensorboard"))
                Expect.contains before ("train/policy_loss", 6000L) "the killed run logged past its checkpoint"
                let total = 2L * checkpointEvery
                let code, _, err = runTrain (resume dir (Some total))
                Expect.equal code 0 err
                matchesReference "TensorBoard after a resume" dir total None
                Directory.Delete(dir, true)
            }

            test
                "a run killed before its first checkpoint starts again from step 0 on --resume, and ends as an uninterrupted run" {
                let dir = tempDir ()
                crashedRun dir 2000L
                // A kill during the first checkpoint's write leaves its temporary file, and no checkpoint.
                File.WriteAllText(Path.Combine(dir, "checkpoint.zip.tmp"), "half a checkpoint")
                let checkpoint = Path.Combine(dir, "checkpoint.zip")
                let code, out, err = runTrain (resume dir (Some checkpointEvery))
                Expect.equal code 0 err

                Expect.stringContains
                    out
                    $"a2c train: restarting CartPole-v1 from step 0 of 4,000: '{checkpoint}' was never written: the run stopped before its first checkpoint; its logs start again"
                    "says it starts again, and why"

                matchesReference "killed before its first checkpoint" dir checkpointEvery None
                // Only a run dir's own checkpoint.zip restarts it; another name is a mistake to report.
                let code, _, err =
                    runTrain [ "train"; "--resume"; Path.Combine(dir, "checkpont.zip") ]

                Expect.equal code A2C.Cli.CliApp.UsageError "a misspelt checkpoint"
                Expect.stringContains err "does not exist" "says so"
                Directory.Delete(dir, true)
                // A run dir whose config.json cannot be read cannot start again: say why.
                Directory.CreateDirectory dir |> ignore
                File.WriteAllText(Path.Combine(dir, "config.json"), "{")
                let code, _, err = runTrain (resume dir None)
                Expect.equal code A2C.Cli.CliApp.UsageError "an unreadable config.json"
                let config = Path.Combine(dir, "config.json")

                Expect.stringContains
                    err
                    $"the run stopped before its first checkpoint, and it cannot start again: '{config}' is not valid JSON"
                    "names the file"

                Expect.equal (Directory.GetFiles dir).Length 1 "nothing else written"
                Directory.Delete(dir, true)
            }

            test
                "every file a run replaces is flushed with its directory: config, checkpoint, model, normalization, summary, resumed logs" {
                if OperatingSystem.IsWindows() then
                    skiptest "no directory fsync on Windows"

                let dir = tempDir ()
                let summary = dir + "-summary.json"
                let synced = ConcurrentQueue<string>()

                let handler =
                    Action<string>(fun path ->
                        if path.StartsWith dir then
                            synced.Enqueue path)

                let run args =
                    let code, _, err = runTrain (args @ [ "--summary-json"; summary ])
                    Expect.equal code 0 err
                    let files = List.ofSeq synced
                    synced.Clear()

                    files
                    |> List.map (fun path ->
                        if path = summary then
                            "SUMMARY"
                        else
                            nonNull (Path.GetFileName path))

                AtomicFile.add_DirectorySynced handler

                try
                    let fresh = run (fresh dir checkpointEvery @ [ "--normalize"; "true" ])

                    Expect.equal
                        fresh
                        [
                            "config.json"
                            "checkpoint.zip"
                            "model.bin"
                            "checkpoint.zip"
                            "normalization.json"
                            "SUMMARY"
                        ]
                        "a run: config.json; the checkpoint at 4,000; then model, checkpoint and normalization at the end; the summary"

                    let resumed = run (resume dir (Some(2L * checkpointEvery)))

                    Expect.equal
                        resumed
                        [
                            "progress.csv"
                            "monitor.csv"
                            "config.json"
                            "checkpoint.zip"
                            "model.bin"
                            "checkpoint.zip"
                            "normalization.json"
                            "SUMMARY"
                        ]
                        "a resume: the logs cut back to the checkpoint and config.json, then as a run"
                finally
                    AtomicFile.remove_DirectorySynced handler

                Directory.Delete(dir, true)
                File.Delete summary
            }
        ]
