/// `a2c train --eval-freq` and `a2c tune`: periodic evaluations that leave training as it was, a
/// small study end to end (ranked trials, the YAML entry train accepts, the plots), two processes
/// sharing one study, a killed study resumed, and bad input refused by name.
module A2C.Cli.Tests.TuneTests

open System
open System.Diagnostics
open System.IO
open A2C.Cli
open A2C.Training
open Expecto
open A2C.Cli.Tests.Children

let private run (args: string list) =
    use stdout = new StringWriter()
    use stderr = new StringWriter()
    let code = CliApp.Run(List.toArray args, stdout, stderr)
    code, stdout.ToString(), stderr.ToString()

let private tempDir () =
    let dir =
        Path.Combine(Path.GetTempPath(), "a2c-tune-" + Guid.NewGuid().ToString("N"))

    Directory.CreateDirectory dir |> ignore
    dir

let private trialsOf (path: string) =
    use study = Study.Open path
    List.ofSeq (study.Trials())

/// A study small enough for a test: CartPole, 2 envs, a few thousand steps per trial (2 x 2048 at least).
let private small (db: string) (extra: string list) =
    [ "tune"; "--env"; "CartPole-v1"; "--study"; db; "--n-envs"; "2" ] @ extra

let private isPng (path: string) =
    File.Exists path
    && (File.ReadAllBytes path |> Array.truncate 8) =
        [| 0x89uy; 0x50uy; 0x4Euy; 0x47uy; 0x0Duy; 0x0Auy; 0x1Auy; 0x0Auy |]

/// Reads a child's stdout line by line until a line holds `text`; the lines read so far, or a failure at the deadline.
let private readUntil (proc: Process) (text: string) (limit: TimeSpan) =
    let lines = ResizeArray<string>()
    let clock = Stopwatch.StartNew()
    let mutable found = None

    while found.IsNone && clock.Elapsed < limit do
        let read = proc.StandardOutput.ReadLineAsync()

        if read.Wait(limit - clock.Elapsed) then
            match read.Result with
            | null -> failtestf "the process ended before printing '%s':\n%s" text (String.Join("\n", lines))
            | line ->
                lines.Add line

                if line.Contains text then
                    found <- Some line

    match found with
    | Some line -> line
    | None -> failtestf "no line with '%s' within %O:\n%s" text limit (String.Join("\n", lines))

[<Tests>]
let tests =
    testList
        "tune"
        [
            test "train --eval-freq writes a row per crossing of the interval and trains exactly as without it" {
                let dir = tempDir ()

                let train runDir extra =
                    run (
                        [
                            "train"
                            "--env"
                            "CartPole-v1"
                            "--n-envs"
                            "4"
                            "--total-steps"
                            "4000"
                            "--seed"
                            "3"
                        ]
                        @ [ "--eval-episodes"; "0"; "--run-dir"; runDir ]
                        @ extra
                    )

                let plain, _, err1 = train (Path.Combine(dir, "plain")) []

                let evaluated, out, err2 =
                    train (Path.Combine(dir, "evaluated")) [ "--eval-freq"; "1000"; "--eval-freq-episodes"; "2" ]

                Expect.equal (plain, evaluated) (0, 0) $"both train: {err1}{err2}"

                Expect.equal
                    (File.ReadAllBytes(Path.Combine(dir, "plain", "model.bin")))
                    (File.ReadAllBytes(Path.Combine(dir, "evaluated", "model.bin")))
                    "evaluations draw nothing the training uses: the same weights"

                let rows =
                    File.ReadAllLines(Path.Combine(dir, "evaluated", EvaluationSink.FileName))

                Expect.equal rows[0] "timesteps,mean_return,std_return,episodes" "header"

                Expect.equal
                    (rows[1..] |> Array.map (fun r -> r.Split(',')[0]))
                    [| "1000"; "2000"; "3000"; "4000" |]
                    "one evaluation at each multiple of 1000 steps (4 envs x 5 steps an update)"

                Expect.isTrue (rows[1..] |> Array.forall (fun r -> r.EndsWith ",2")) "two episodes each"
                Expect.stringContains out "eval at 1,000 steps:" "each evaluation is printed"
                Directory.Delete(dir, true)
            }

            test
                "a small study: trials on their own seeds, ranked, the best as an RL Zoo entry train accepts, and its plots" {
                let dir = tempDir ()
                let db = Path.Combine(dir, "s.db")

                let code, out, err =
                    run (small db [ "--trials"; "3"; "--budget"; "4096"; "--evaluations"; "2"; "--parallel"; "2" ])

                Expect.equal code 0 $"tune finishes: {out}{err}"
                let trials = trialsOf db
                Expect.equal (trials |> List.map _.Number) [ 0; 1; 2 ] "three trials, numbered from 0"

                Expect.isTrue
                    (trials
                     |> List.forall (fun t -> t.State = TrialState.Complete && t.Reports.Count = 2))
                    "all complete (the median pruner waits for 10), two evaluations each"

                for t in trials do
                    let struct (_, last) = Seq.last t.Reports
                    Expect.equal t.Objective (Nullable last) "objective: the last evaluation"

                    let config =
                        RunFiles.ReadConfig(
                            Path.Combine(dir, "s-trials", $"trial-{t.Number}", $"seed-{t.Number}", "config.json")
                        )

                    Expect.equal config.Seed t.Number "trial N trains with seed 0 + N"
                    Expect.equal config.TotalTimesteps 4096L "the budget"

                let best = TuneReport.Ranked trials |> Seq.head
                Expect.stringContains out $"best: trial {best.Number}" "the best is named"
                let yaml = Path.Combine(dir, "s-best.yml")
                Expect.isTrue (File.Exists yaml) "the YAML is written next to the study"

                let dry, resolved, dryErr =
                    run [ "train"; "--env"; "CartPole-v1"; "--hyperparams"; yaml; "--dry-run" ]

                Expect.equal dry 0 $"train --hyperparams accepts it: {dryErr}"
                let config = RunFiles.ParseConfig(resolved, "dry run")

                let sample =
                    A2CSearchSpace.Parameters
                    |> Seq.mapi (fun i p -> p.Name, p.Display best.Values[i])
                    |> Map.ofSeq

                Expect.equal (string config.Gamma) sample["gamma"] "gamma as sampled"
                Expect.equal (string config.NSteps) sample["n_steps"] "n_steps as sampled"
                Expect.equal config.NEnvs 2 "n_envs from the trial's config"
                Expect.equal config.Net NetKind.Separate "RL Zoo's net_arch dict: separate networks"

                let plotted, plotOut, plotErr = run [ "plot"; "--study"; db ]
                Expect.equal plotted 0 $"plot --study: {plotErr}"
                Expect.isTrue (isPng (Path.Combine(dir, "s-history.png"))) "the history PNG"
                Expect.isTrue (isPng (Path.Combine(dir, "s-importances.png"))) "the importances PNG"
                Expect.stringContains plotOut "importances (3 complete trials):" "importances are printed"

                // Resumed with more trials: the three stay, two more run.
                let again, out2, err2 = run [ "tune"; "--study"; db; "--trials"; "5" ]
                Expect.equal again 0 $"resume: {out2}{err2}"
                Expect.equal (trialsOf db |> List.map _.Number) [ 0; 1; 2; 3; 4 ] "two more trials"
                Directory.Delete(dir, true)
            }

            test
                "--seeds-per-trial 2: each trial trains two seeds of its own, and reports the mean of their evaluations" {
                let dir = tempDir ()
                let db = Path.Combine(dir, "k.db")

                let code, out, err =
                    run (
                        small
                            db
                            [
                                "--trials"
                                "2"
                                "--budget"
                                "4096"
                                "--evaluations"
                                "2"
                                "--seeds-per-trial"
                                "2"
                                "--seed"
                                "10"
                            ]
                    )

                Expect.equal code 0 $"tune finishes: {out}{err}"

                for t in trialsOf db do
                    let seeds = [ 10 + 2 * t.Number; 11 + 2 * t.Number ]

                    let means =
                        [
                            for seed in seeds ->
                                File.ReadAllLines(
                                    Path.Combine(
                                        dir,
                                        "k-trials",
                                        $"trial-{t.Number}",
                                        $"seed-{seed}",
                                        EvaluationSink.FileName
                                    )
                                )[1..]
                                |> Array.map (fun row -> float (row.Split(',')[1]))
                        ]

                    let expected = Array.map2 (fun a b -> (a + b) / 2.0) means[0] means[1]
                    let reported = t.Reports |> Seq.map (fun struct (_, v) -> v) |> Array.ofSeq

                    Expect.sequenceEqual
                        reported
                        expected
                        $"trial {t.Number}: the mean of seeds {seeds} at each evaluation"

                Directory.Delete(dir, true)
            }

            test "a resumed run keeps its evaluations up to the checkpoint and goes on from there, with no row twice" {
                let dir = tempDir ()
                let runDir = Path.Combine(dir, "run")

                let evalArgs =
                    [ "--eval-freq"; "500"; "--eval-freq-episodes"; "1"; "--eval-episodes"; "0" ]

                let first, _, err1 =
                    run (
                        [
                            "train"
                            "--env"
                            "CartPole-v1"
                            "--n-envs"
                            "4"
                            "--total-steps"
                            "2000"
                            "--run-dir"
                            runDir
                        ]
                        @ evalArgs
                    )

                // A row past the checkpoint, as a run killed after it would leave.
                File.AppendAllText(Path.Combine(runDir, EvaluationSink.FileName), "2500,9,0,1\n")

                let resumed, _, err2 =
                    run (
                        [
                            "train"
                            "--resume"
                            Path.Combine(runDir, "checkpoint.zip")
                            "--total-steps"
                            "4000"
                        ]
                        @ evalArgs
                    )

                Expect.equal (first, resumed) (0, 0) $"both run: {err1}{err2}"

                Expect.equal
                    (File.ReadAllLines(Path.Combine(runDir, EvaluationSink.FileName))[1..]
                     |> Array.map (fun r -> r.Split(',')[0]))
                    [| "500"; "1000"; "1500"; "2000"; "2500"; "3000"; "3500"; "4000" |]
                    "every 500 steps once"

                Directory.Delete(dir, true)
            }

            test "two a2c tune processes on one study share its trials: no number twice, none past --trials" {
                let dir = tempDir ()
                let db = Path.Combine(dir, "shared.db")
                let args = small db [ "--trials"; "6"; "--budget"; "4096"; "--evaluations"; "2" ]
                let first = startA2c args
                let second = startA2c args
                let code1, out1, err1 = finish first (TimeSpan.FromMinutes 5.0)
                let code2, out2, err2 = finish second (TimeSpan.FromMinutes 5.0)
                Expect.equal (code1, code2) (0, 0) $"both finish:\n{out1}{err1}\n{out2}{err2}"
                let trials = trialsOf db
                Expect.equal (trials |> List.map _.Number) [ 0..5 ] "six trials, each number once"
                Expect.isTrue (trials |> List.forall (fun t -> t.State = TrialState.Complete)) "all complete"

                Expect.equal
                    (trials |> List.map _.Owner |> List.distinct |> List.length)
                    2
                    "each process ran some of them"

                Directory.Delete(dir, true)
            }

            test
                "a tune killed with SIGKILL loses only its running trial (its process ends too), marked failed on resume; SIGINT fails the running one at once" {
                let dir = tempDir ()
                let db = Path.Combine(dir, "killed.db")
                // Trials long enough to be running when killed.
                let tune =
                    startA2c (small db [ "--trials"; "1"; "--budget"; "20000000"; "--evaluations"; "1000" ])

                let started = readUntil tune "trial 0: started (pid " (TimeSpan.FromMinutes 1.0)
                let child = int ((started.Split("(pid ")).[1].Split(';').[0])

                Expect.isTrue
                    (waitUntil (TimeSpan.FromMinutes 1.0) (fun () -> (trialsOf db |> List.head).Reports.Count > 0))
                    "the trial reports"

                Expect.isTrue (signal "KILL" tune.Id) "kill -KILL the tune"
                tune.WaitForExit()

                // Gone, or a zombie no one has reaped yet (its state field in /proc is Z or X).
                let running (pid: int) =
                    let stat = $"/proc/{pid}/stat"

                    try
                        let text = File.ReadAllText stat
                        let state = text.Substring(text.LastIndexOf ')' + 2, 1)
                        state <> "Z" && state <> "X"
                    with
                    | :? FileNotFoundException
                    | :? DirectoryNotFoundException -> false

                // Its trial's a2c train follows its parent (SIGTERM on the parent's death), leaving no orphan.
                Expect.isTrue
                    (waitUntil (TimeSpan.FromMinutes 1.0) (fun () -> not (running child)))
                    "the trial's process ends too"

                Expect.equal (trialsOf db |> List.map _.State) [ TrialState.Running ] "left as running"

                let resumed = startA2c [ "tune"; "--study"; db; "--trials"; "1" ]

                readUntil
                    resumed
                    "trial 0: marked failed: its process stopped without finishing it"
                    (TimeSpan.FromMinutes 1.0)
                |> ignore

                readUntil resumed "trial 1: started" (TimeSpan.FromMinutes 1.0) |> ignore

                Expect.isTrue
                    (waitUntil (TimeSpan.FromMinutes 1.0) (fun () -> ((trialsOf db |> List.last).Reports.Count > 0)))
                    "the new trial reports"

                Expect.isTrue (signal "INT" resumed.Id) "kill -INT the resumed tune"
                let code, _, err = finish resumed (TimeSpan.FromMinutes 1.0)
                Expect.equal code CliApp.InterruptedBySigint $"SIGINT's exit code: {err}"
                Expect.stringContains err "continue the study with a2c tune --study" "says how to go on"

                match trialsOf db with
                | [ killed; stopped ] ->
                    Expect.equal (killed.State, stopped.State) (TrialState.Failed, TrialState.Failed) "both failed"
                    Expect.stringContains (string killed.Message) "its process stopped" "why the first"
                    Expect.stringContains (string stopped.Message) "stopped by a signal" "why the second"
                | other -> failtestf "expected two trials, got %A" other

                Directory.Delete(dir, true)
            }

            test "bad input is refused with exit 2, naming what was wrong" {
                let dir = tempDir ()
                let db = Path.Combine(dir, "s.db")

                let expectUsage args (expected: string) =
                    let code, _, err = run args
                    Expect.equal code CliApp.UsageError $"exit 2 for {args}: {err}"
                    Expect.stringContains err expected "the message"

                expectUsage
                    (small db [ "--pruner"; "hyperband" ])
                    "--pruner is 'hyperband'; allowed: median, halving, none."

                expectUsage (small db [ "--sampler"; "cmaes" ]) "--sampler is 'cmaes'"
                expectUsage (small db [ "--gamma"; "0.9" ]) "--gamma is set by the study"
                expectUsage (small db [ "--n-envz"; "4" ]) "--n-envz"
                expectUsage [ "tune"; "--trials"; "2" ] "--env is required for a new study."
                Expect.isFalse (File.Exists db) "nothing was created"

                let notADb = Path.Combine(dir, "notes.db")
                File.WriteAllText(notADb, "these are notes, not a database")
                expectUsage [ "tune"; "--study"; notADb ] "is not a study database"
                Expect.equal (File.ReadAllText notADb) "these are notes, not a database" "and it is left as it was"

                expectUsage
                    (small db [ "--budget"; "4000" ])
                    "--budget is 4000; allowed: at least n_envs * the largest n_steps of the space = 2 * 2048 = 4096"

                Expect.isFalse (File.Exists db) "nothing was created"

                let code, _, err =
                    run (small db [ "--trials"; "1"; "--budget"; "4096"; "--evaluations"; "1" ])

                Expect.equal code 0 $"a study: {err}"
                expectUsage [ "tune"; "--study"; db; "--budget"; "5000" ] "was made with --budget 4096 (not 5000)"
                expectUsage [ "plot"; "--study"; Path.Combine(dir, "missing.db") ] "does not exist"
                Directory.Delete(dir, true)
            }
        ]
