module A2C.Cli.Tests.SweepTests

open System
open System.Diagnostics
open System.IO
open System.Text.Json.Nodes
open A2C.Cli
open Expecto
open A2C.Cli.Tests.Children
open FsCheck
open FsCheck.FSharp

let private run (args: string list) =
    use stdout = new StringWriter()
    use stderr = new StringWriter()
    let code = CliApp.Run(List.toArray args, stdout, stderr)
    code, stdout.ToString(), stderr.ToString()

let private tempDir () =
    Path.Combine(Path.GetTempPath(), "a2c-sweep-" + Guid.NewGuid().ToString("N"))

let private parseSeeds text =
    let errors = ResizeArray()
    let seeds = SweepPlan.ParseSeeds(text, errors)
    List.ofSeq seeds, List.ofSeq errors

/// The member `key` of a JSON object, which must be there.
let private field (key: string) (node: JsonNode | null) : JsonNode = nonNull (nonNull node).[key]

let private readJson (path: string) =
    nonNull (JsonNode.Parse(File.ReadAllText path))

/// progress.csv without its fps column (wall clock), for comparing runs.
let private progressWithoutFps (path: string) =
    File.ReadAllLines path
    |> Array.map (fun line -> line.Split(',') |> Array.removeAt 1 |> String.concat ",")

/// Starts `dotnet a2c.dll sweep ARGS` as a child process, with its output collected.
let private startSweep (args: string list) =
    let proc = startA2c ("sweep" :: args)
    proc, proc.StandardOutput.ReadToEndAsync(), proc.StandardError.ReadToEndAsync()

/// Waits (up to a minute) until `ready` holds; false if it never did.
let private waitFor = waitUntil (TimeSpan.FromMinutes 1.0)

let private sigterm (proc: Process) =
    Expect.isTrue (signal "TERM" proc.Id) "kill -TERM returns"

    if not (proc.WaitForExit(TimeSpan.FromMinutes 1.0)) then
        proc.Kill true
        failtest "the sweep did not stop within a minute of SIGTERM"

[<Tests>]
let tests =
    testList
        "sweep"
        [
            test "seed lists: ranges, single seeds and their mix, in the order given" {
                Expect.equal (parseSeeds "1-5") ([ 1..5 ], []) "a range"
                Expect.equal (parseSeeds "1,2,3") ([ 1; 2; 3 ], []) "a list"
                Expect.equal (parseSeeds "1-3,7") ([ 1; 2; 3; 7 ], []) "a mix"
                Expect.equal (parseSeeds "9, 4") ([ 9; 4 ], []) "spaces are allowed; the order is kept"

                Expect.equal
                    (parseSeeds "-2--1")
                    ([ -2; -1 ], [])
                    "negative bounds (train decides whether they are valid)"
            }

            test "malformed seed lists are named" {
                for text, expected in
                    [
                        "3-1", "runs backwards"
                        "1,x", "'x' is not a seed or a range"
                        "", "'' is not a seed or a range"
                        "1-", "'1-' is not a seed or a range"
                        "1-3,2", "seed 2 is listed twice"
                        "0-20000", "more than 10000 seeds"
                    ] do
                    let _, errors = parseSeeds text
                    Expect.equal errors.Length 1 $"one error for '{text}'"
                    Expect.stringContains errors.Head expected text
                    Expect.stringStarts errors.Head $"--seeds is '{text}'" "names the option and its value"
            }

            testProperty "any list of distinct seeds written with commas parses back"
            <| fun (seeds: Set<int>) ->
                let shuffled =
                    seeds |> Seq.sortBy (fun s -> s.GetHashCode() ^^^ 0x5bd1e995) |> List.ofSeq

                not shuffled.IsEmpty
                ==> lazy (parseSeeds (String.Join(",", shuffled)) = (shuffled, []))

            testProperty "mean and std are numpy's mean and population std of the values present"
            <| fun (values: NormalFloat option list) ->
                let present = values |> List.choose id |> List.map (fun v -> v.Get)

                let struct (mean, std, n) =
                    SweepSummary.MeanStd(values |> Seq.map (Option.map (fun v -> v.Get) >> Option.toNullable))

                match present with
                | [] -> mean.HasValue = false && std.HasValue = false && n = 0
                | _ ->
                    let m = List.average present
                    let s = sqrt (present |> List.averageBy (fun v -> (v - m) * (v - m)))

                    let close a b =
                        abs (a - b) <= 1e-9 * (1.0 + abs a + abs b)

                    n = present.Length && close mean.Value m && close std.Value s

            test "steps to threshold: the first progress row whose ep_rew_mean reaches it" {
                let path = Path.GetTempFileName()

                let reached (rows: string list) threshold =
                    File.WriteAllLines(path, rows)
                    SweepSummary.StepsToThreshold(path, threshold) |> Option.ofNullable

                try
                    let rows =
                        [
                            "total_timesteps,fps,ep_rew_mean,ep_len_mean"
                            "400,100,,"
                            "800,100,20.5,20.5"
                            "1200,100,475,475"
                            "1600,100,480,480"
                        ]

                    Expect.equal (reached rows 475.0) (Some 1200L) "reached at equality"
                    Expect.equal (reached rows 20.0) (Some 800L) "rows without a mean are skipped"
                    Expect.equal (reached rows 500.0) None "never reached"
                    Expect.equal (reached [ "a,b"; "1,2" ] 0.0) None "not a progress file"

                    Expect.equal
                        (reached [ "total_timesteps,fps,ep_rew_mean,ep_len_mean"; "400,100,," ] 0.0)
                        None
                        "no episode finished yet"
                finally
                    File.Delete path
            }

            test "a sweep trains each seed in its own process, as a2c train would, and summarizes them" {
                let dir = tempDir ()
                let alone = tempDir ()

                try
                    let trainArgs =
                        [
                            "--total-steps"
                            "4000"
                            "--n-envs"
                            "4"
                            "--eval-episodes"
                            "3"
                            "--log-interval"
                            "5"
                        ]

                    SeedPool.StatusEvery <- TimeSpan.FromMilliseconds 100.0

                    let code, out, err =
                        run (
                            [
                                "sweep"
                                "--env"
                                "CartPole-v1"
                                "--seeds"
                                "1-3"
                                "--parallel"
                                "2"
                                "--out"
                                dir
                            ]
                            @ trainArgs
                        )

                    Expect.equal code 0 $"exit 0\n{out}\n{err}"

                    for seed in 1..3 do
                        Expect.isTrue
                            (File.Exists(Path.Combine(dir, $"seed-{seed}", "model.bin")))
                            $"seed {seed} has its run dir"

                        Expect.stringContains
                            (File.ReadAllText(Path.Combine(dir, $"seed-{seed}.log")))
                            "done: 4,000 steps"
                            $"seed {seed}'s log holds train's output"

                        Expect.stringContains out $"seed {seed}: exit 0" "each child's end is reported"

                    let summary = readJson (Path.Combine(dir, "summary.json"))
                    let runs = (field "runs" summary).AsArray()

                    Expect.equal
                        [ for r in runs -> (field "seed" r).GetValue<int>() ]
                        [ 1; 2; 3 ]
                        "one entry per seed, in order"

                    for r in runs do
                        Expect.equal ((field "exit_code" r).GetValue<int>()) 0 "exited cleanly"
                        Expect.equal ((field "total_timesteps" r).GetValue<int64>()) 4000L "the budget was passed on"

                    let evals = [ for r in runs -> (field "eval_mean_return" r).GetValue<float>() ]
                    let mean = List.average evals

                    Expect.floatClose
                        Accuracy.high
                        ((summary |> field "eval_mean_return" |> field "mean").GetValue<float>())
                        mean
                        "mean over seeds"

                    Expect.equal ((field "parallel" summary).GetValue<int>()) 2 "--parallel"

                    Expect.equal
                        ((summary |> field "steps_to_threshold" |> field "of").GetValue<int>())
                        3
                        "counted over all seeds"

                    Expect.stringContains out "steps to threshold" "the table"
                    Expect.stringContains out "running: seed " "a status line while the children train"
                    Expect.stringContains out "\nall " "a row across seeds"
                    let markdown = File.ReadAllLines(Path.Combine(dir, "summary.md"))

                    Expect.equal
                        markdown[0]
                        "| seed | eval return | steps to threshold | wall s | fps |"
                        "summary.md: the table in Markdown"

                    Expect.stringStarts markdown[5] "| all | " "one row per seed, then across seeds"

                    // The same seed trained alone gives the same run: the options reached the child intact.
                    let code, _, err =
                        run (
                            [ "train"; "--env"; "CartPole-v1"; "--seed"; "2"; "--run-dir"; alone ]
                            @ trainArgs
                        )

                    Expect.equal code 0 err

                    Expect.equal
                        (progressWithoutFps (Path.Combine(dir, "seed-2", "progress.csv")))
                        (progressWithoutFps (Path.Combine(alone, "progress.csv")))
                        "seed 2 of the sweep is a2c train --seed 2"
                finally
                    SeedPool.StatusEvery <- TimeSpan.FromSeconds 30.0

                    for d in [ dir; alone ] do
                        if Directory.Exists d then
                            Directory.Delete(d, true)
            }

            test "bad options are refused before any child starts, with exit 2 and no sweep dir" {
                for args, expected in
                    [
                        [ "--seeds"; "1-2"; "--n-envz"; "3" ], "a2c sweep: unknown option '--n-envz'"
                        [ "--seeds"; "1-2"; "--n-envs"; "0" ], "a2c sweep: --n-envs is 0"
                        [ "--seeds"; "1-2"; "--gamma"; "x" ], "a2c sweep: --gamma is 'x'; expected a number"
                        [ "--seeds"; "1-2"; "--seed"; "4" ], "--seed is set by the sweep"
                        [ "--seeds"; "1-2"; "--run-dir=x" ], "--run-dir is set by the sweep"
                        [ "--seeds"; "2-1" ], "runs backwards"
                        [ "--seeds"; "1"; "--parallel"; "0" ], "--parallel is 0"
                    ] do
                    let dir = tempDir ()
                    let code, _, err = run ([ "sweep"; "--env"; "CartPole-v1"; "--out"; dir ] @ args)
                    Expect.equal code CliApp.UsageError $"exit 2 for {args}"
                    Expect.stringContains err expected $"the message for {args}"
                    Expect.isFalse (Directory.Exists dir) "nothing written"
            }

            test "train --dry-run prints the resolved config and writes nothing" {
                let dir = tempDir ()

                let hyperparams =
                    Path.GetFullPath(
                        Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "hyperparams", "a2c.yml")
                    )

                let code, out, err =
                    run
                        [
                            "train"
                            "--env"
                            "Acrobot-v1"
                            "--hyperparams"
                            hyperparams
                            "--n-steps"
                            "7"
                            "--run-dir"
                            dir
                            "--dry-run"
                        ]

                Expect.equal code 0 err
                let config = nonNull (JsonNode.Parse out)
                Expect.equal ((field "n_envs" config).GetValue<int>()) 16 "RL Zoo's n_envs for Acrobot came through"
                Expect.equal ((field "n_steps" config).GetValue<int>()) 7 "the command line overrides the file"
                Expect.isTrue ((field "normalize" config).GetValue<bool>()) "RL Zoo's normalize"
                Expect.isFalse (Directory.Exists dir) "no run dir"

                let code, _, err = run [ "train"; "--resume"; "x.zip"; "--dry-run" ]
                Expect.equal code CliApp.UsageError "not with --resume"
                Expect.stringContains err "--dry-run" "named"
            }

            test "a child that fails is reported with the end of its log; the others finish; exit 1" {
                let dir = tempDir ()

                try
                    // Options that pass every check but fail at run time: no env resets in a microsecond.
                    let code, out, err =
                        run
                            [
                                "sweep"
                                "--env"
                                "CartPole-v1"
                                "--seeds"
                                "1-2"
                                "--out"
                                dir
                                "--total-steps"
                                "4000"
                                "--env-step-timeout"
                                "0.000001"
                            ]

                    Expect.equal code CliApp.Failure $"exit 1\n{out}\n{err}"

                    for seed in 1..2 do
                        Expect.stringContains err $"a2c sweep: seed {seed} failed (exit 1); the end of" "named"

                    Expect.stringContains err "did not finish reset" "with the child's own reason"
                    let runs = (field "runs" (readJson (Path.Combine(dir, "summary.json")))).AsArray()

                    Expect.equal
                        [ for r in runs -> (field "exit_code" r).GetValue<int>() ]
                        [ 1; 1 ]
                        "exit codes recorded"

                    Expect.stringContains
                        (File.ReadAllText(Path.Combine(dir, "summary.md")))
                        "| 1 | exit 1 |"
                        "and in the table"
                finally
                    if Directory.Exists dir then
                        Directory.Delete(dir, true)
            }

            test "an existing non-empty sweep dir is refused" {
                let dir = tempDir ()
                Directory.CreateDirectory dir |> ignore
                File.WriteAllText(Path.Combine(dir, "keep.txt"), "mine")

                try
                    let code, _, err =
                        run [ "sweep"; "--env"; "CartPole-v1"; "--seeds"; "1"; "--out"; dir ]

                    Expect.equal code CliApp.Failure "exit 1"
                    Expect.stringContains err "exists and is not empty" "says why"
                    Expect.equal (Directory.GetFileSystemEntries dir).Length 1 "left as it was"
                finally
                    Directory.Delete(dir, true)
            }

            test "SIGTERM stops the sweep: every running child checkpoints, exit 143, summary says interrupted" {
                let dir = tempDir ()

                let sweep, out, err =
                    startSweep
                        [
                            "--env"
                            "CartPole-v1"
                            "--seeds"
                            "1-3"
                            "--parallel"
                            "2"
                            "--out"
                            dir
                            "--total-steps"
                            "100000000"
                            "--log-interval"
                            "1"
                        ]

                try
                    // Both children are training once each has written a progress row.
                    let training seed =
                        let path = Path.Combine(dir, $"seed-{seed}", "progress.csv")
                        File.Exists path && (File.ReadAllLines path).Length > 1

                    Expect.isTrue (waitFor (fun () -> training 1 && training 2)) "two children train at once"
                    sigterm sweep
                    Expect.equal sweep.ExitCode CliApp.InterruptedBySigterm $"exit 143\n{out.Result}\n{err.Result}"
                    Expect.stringContains err.Result $"a2c sweep --resume {dir}" "says how to finish it"
                    let summary = readJson (Path.Combine(dir, "summary.json"))
                    Expect.isTrue ((field "interrupted" summary).GetValue<bool>()) "the summary says so"
                    let runs = (field "runs" summary).AsArray()

                    for seed in 1..2 do
                        Expect.equal
                            ((field "exit_code" runs[seed - 1]).GetValue<int>())
                            CliApp.InterruptedBySigterm
                            $"seed {seed} was stopped by SIGTERM"

                        Expect.isTrue
                            (File.Exists(Path.Combine(dir, $"seed-{seed}", "checkpoint.zip")))
                            $"seed {seed} left a checkpoint to resume"

                    Expect.isNull (nonNull runs[2]).["exit_code"] "seed 3 never started"
                    Expect.isFalse (Directory.Exists(Path.Combine(dir, "seed-3"))) "and wrote nothing"
                    Expect.isFalse (File.Exists(Path.Combine(dir, "seed-3.log"))) "not even a log"
                finally
                    if not sweep.HasExited then
                        sweep.Kill true

                    if Directory.Exists dir then
                        Directory.Delete(dir, true)
            }

            test "sweep --resume finishes a stopped sweep: stopped seeds continue, others start, finished ones are kept" {
                let dir = tempDir ()
                let alone = tempDir ()

                let trainArgs =
                    [
                        "--total-steps"
                        "600000"
                        "--log-interval"
                        "10"
                        "--checkpoint-every"
                        "20000"
                        "--eval-episodes"
                        "5"
                    ]

                let sweep, out, err =
                    startSweep (
                        [ "--env"; "CartPole-v1"; "--seeds"; "1-3"; "--parallel"; "2"; "--out"; dir ]
                        @ trainArgs
                    )

                try
                    let checkpointed seed =
                        File.Exists(Path.Combine(dir, $"seed-{seed}", "checkpoint.zip"))

                    Expect.isTrue
                        (waitFor (fun () -> checkpointed 1 && checkpointed 2))
                        "both children wrote a checkpoint"

                    sigterm sweep
                    Expect.equal sweep.ExitCode CliApp.InterruptedBySigterm $"stopped\n{out.Result}\n{err.Result}"

                    // A run that never reached a checkpoint leaves a run dir with nothing to continue.
                    Directory.CreateDirectory(Path.Combine(dir, "seed-3")) |> ignore
                    File.WriteAllText(Path.Combine(dir, "seed-3", "progress.csv"), "total_timesteps,fps\n")

                    let code, out, err = run [ "sweep"; "--resume"; dir ]
                    Expect.equal code 0 $"the resumed sweep finishes\n{out}\n{err}"

                    for seed in 1..2 do
                        Expect.stringContains out $"seed {seed}: continues from" $"seed {seed} continues"

                    Expect.stringContains out "seed 3: starts" "seed 3 starts"
                    let runs = (field "runs" (readJson (Path.Combine(dir, "summary.json")))).AsArray()

                    for r in runs do
                        Expect.equal ((field "exit_code" r).GetValue<int>()) 0 "every seed finished"
                        Expect.equal ((field "total_timesteps" r).GetValue<int64>()) 600000L "at the budget"

                    // The continued seed's log is the one an uninterrupted run writes: the logging options came along.
                    let code, _, err =
                        run (
                            [ "train"; "--env"; "CartPole-v1"; "--seed"; "1"; "--run-dir"; alone ]
                            @ trainArgs
                        )

                    Expect.equal code 0 err

                    // Rows come every 10 updates of 40 steps, plus one where SIGTERM stopped the run.
                    let continued = progressWithoutFps (Path.Combine(dir, "seed-1", "progress.csv"))

                    let onInterval (row: string) =
                        row.StartsWith "total" || Int64.Parse(row.Split(',')[0]) % 400L = 0L

                    Expect.equal
                        (continued |> Array.filter onInterval)
                        (progressWithoutFps (Path.Combine(alone, "progress.csv")))
                        "stopped and continued, seed 1 logged what it logs in one go"

                    // (none when the stop fell on an interval: that row is then the same in both)
                    Expect.isLessThanOrEqual
                        (continued |> Array.filter (onInterval >> not)).Length
                        1
                        "and a row where it stopped"

                    let code, out, err = run [ "sweep"; "--resume"; dir ]
                    Expect.equal code 0 err

                    for seed in 1..3 do
                        Expect.stringContains out $"seed {seed}: finished before; kept" "nothing left to run"
                finally
                    if not sweep.HasExited then
                        sweep.Kill true

                    for d in [ dir; alone ] do
                        if Directory.Exists d then
                            Directory.Delete(d, true)
            }

            test "sweep --resume refuses what is not a sweep, and options a resumed sweep keeps" {
                let dir = tempDir ()
                Directory.CreateDirectory dir |> ignore

                try
                    let code, _, err = run [ "sweep"; "--resume"; dir ]
                    Expect.equal code CliApp.UsageError "exit 2"
                    Expect.stringContains err "is not a sweep directory: it has no sweep.json" "says why"
                    File.WriteAllText(Path.Combine(dir, "sweep.json"), "{ not json")
                    let code, _, err = run [ "sweep"; "--resume"; dir ]
                    Expect.equal code CliApp.UsageError "exit 2"
                    Expect.stringContains err "sweep.json' cannot be read" "names the file"

                    let code, _, err =
                        run [ "sweep"; "--resume"; dir; "--env"; "Acrobot-v1"; "--n-envs"; "4" ]

                    Expect.equal code CliApp.UsageError "exit 2"
                    Expect.stringContains err "--env, --n-envs cannot be given with --resume" "names them"
                finally
                    Directory.Delete(dir, true)
            }

            test "sweep --resume names what is wrong in a plan, a null included, as bad input" {
                let dir = tempDir ()
                Directory.CreateDirectory dir |> ignore

                try
                    for plan, expected in
                        [
                            """{ "env": "CartPole-v1", "seeds": [1, null], "train_args": [] }""", "seeds holds a null"
                            """{ "env": "CartPole-v1", "seeds": [1], "train_args": [null] }""",
                            "train_args holds a null"
                            """{ "env": "CartPole-v1", "train_args": [] }""", "it has no seeds"
                            """{ "env": "CartPole-v1", "seeds": "1-3", "train_args": [] }""", "cannot be read"
                            """[1, 2]""", "it is not a JSON object"
                        ] do
                        File.WriteAllText(Path.Combine(dir, "sweep.json"), plan)
                        let code, out, err = run [ "sweep"; "--resume"; dir ]
                        Expect.equal code CliApp.UsageError $"{plan}: exit 2"
                        Expect.stringContains err $"sweep.json' cannot be read: " $"{plan}: names the file"
                        Expect.stringContains err expected $"{plan}: says why"
                        Expect.isFalse (err.Contains "Object reference") $"{plan}: no null reference: {err}"
                        Expect.equal out "" $"{plan}: no seed starts"
                finally
                    Directory.Delete(dir, true)
            }
        ]
