/// `a2c plot` and the LearningCurves API (issue 8): loading run groups, aligning seeds, the PNG,
/// and every bad input ending with a message naming it, exit 2 (bad input) or 1 (a failure), and
/// no image left behind.
module A2C.Cli.Tests.PlotTests

open System
open System.Buffers.Binary
open System.Diagnostics
open System.IO
open A2C.Cli
open A2C.Training.Reporting
open A2C.Training
open Expecto
open A2C.Cli.Tests.Mounts
open SkiaSharp

let private run (args: string list) =
    use stdout = new StringWriter()
    use stderr = new StringWriter()
    let code = CliApp.Run(List.toArray args, stdout, stderr)
    code, stdout.ToString(), stderr.ToString()

let private tempDir () =
    let dir =
        Path.Combine(Path.GetTempPath(), "a2c-plot-" + Guid.NewGuid().ToString("N"))

    Directory.CreateDirectory dir |> ignore
    dir

let private header = String.Join(",", RunFiles.ProgressColumns)

/// A progress.csv row as the trainer writes it; None leaves ep_rew_mean empty.
let private row (steps: int64) (meanReturn: float option) =
    let r =
        meanReturn
        |> Option.map (fun r -> r.ToString("R", Globalization.CultureInfo.InvariantCulture))

    $"""{steps},1000,{defaultArg r ""},20,0.1,0.2,0.6,0.1,0.0007"""

/// Writes a run directory: config.json naming `env` (unless None) and progress.csv with `rows`.
let private writeRun (dir: string) (env: string option) (rows: (int64 * float option) list) =
    Directory.CreateDirectory dir |> ignore

    match env with
    | Some id -> File.WriteAllText(Path.Combine(dir, "config.json"), $"{{\"env\": \"{id}\", \"seed\": 1}}\n")
    | None -> ()

    let lines = header :: [ for steps, r in rows -> row steps r ]
    File.WriteAllText(Path.Combine(dir, "progress.csv"), String.Join("\n", lines) + "\n")
    dir

let private some (rows: (int64 * float) list) =
    [ for steps, r in rows -> steps, Some r ]

/// PNG width and height from the IHDR chunk.
let private pngSize (bytes: byte[]) =
    BinaryPrimitives.ReadInt32BigEndian(ReadOnlySpan(bytes, 16, 4)),
    BinaryPrimitives.ReadInt32BigEndian(ReadOnlySpan(bytes, 20, 4))

let private pngSignature =
    [| 0x89uy; 0x50uy; 0x4Euy; 0x47uy; 0x0Duy; 0x0Auy; 0x1Auy; 0x0Auy |]

let private expectPng (path: string) (width: int) (height: int) =
    Expect.isTrue (File.Exists path) $"{path} was written"
    let bytes = File.ReadAllBytes path
    Expect.sequenceEqual bytes[0..7] pngSignature "a PNG signature"
    Expect.isGreaterThan bytes.Length 10_000 "more than 10 KB: curves, text and a legend, not a blank image"
    Expect.equal (pngSize bytes) (width, height) "the requested size"
    Expect.isFalse (File.Exists(path + ".tmp")) "no temporary file left"

/// How many pixels of the top `rows` rows of the PNG are dark (text is drawn in near-black).
let private darkPixelsOnTop (png: byte[]) (rows: int) =
    use bitmap = SKBitmap.Decode png

    seq {
        for y in 0 .. rows - 1 do
            for x in 0 .. bitmap.Width - 1 do
                let c = bitmap.GetPixel(x, y)

                if int c.Red + int c.Green + int c.Blue < 200 then
                    yield 1
    }
    |> Seq.length

/// The exception of type 'e that `f` throws.
let private thrown<'e when 'e :> exn> (f: unit -> unit) : 'e =
    try
        f ()
        failtest $"expected {typeof<'e>.Name}"
    with :? 'e as e ->
        e

let private noStackTrace (context: string) (err: string) =
    Expect.isFalse (err.Contains "   at ") $"{context}: no stack trace on stderr:\n{err}"
    Expect.isFalse (err.Contains "Exception") $"{context}: no exception type on stderr:\n{err}"

/// Runs `a2c plot` with `args` and `--out` in a fresh directory and expects it refused with `code`,
/// a message containing every one of `expected`, and no file at all written there.
let private refused (code: int) (args: string list) (expected: string list) =
    let outDir = tempDir ()
    let out = Path.Combine(outDir, "curve.png")
    let actual, _, err = run ([ "plot" ] @ args @ [ "--out"; out ])
    Expect.equal actual code $"{args}: exit code (stderr: {err})"

    for text in expected do
        Expect.stringContains err text $"{args}: the message says what was wrong"

    noStackTrace (string args) err
    Expect.isEmpty (Directory.GetFiles outDir) $"{args}: no file left behind (not even a temporary one)"

let private group (label: string) (curves: (int64 * float) list list) =
    CurveGroup(
        label,
        "CartPole-v1",
        [|
            for i, points in List.indexed curves ->
                LearningCurve($"seed {i + 1}", [| for s, r in points -> CurvePoint(s, r) |])
        |]
    )

let private close (actual: Collections.Generic.IReadOnlyList<float>) (expected: float list) (what: string) =
    Expect.equal actual.Count expected.Length $"{what}: one value per step"

    for a, e in Seq.zip actual expected do
        Expect.floatClose Accuracy.high a e $"{what}: {Seq.toList actual} vs {expected}"

[<Tests>]
let api =
    testList
        "plot api"
        [
            test "seeds logged at the same steps: mean, std (divisor n), min and max at exactly those steps" {
                let curve =
                    LearningCurves.Aggregate(
                        group
                            "g"
                            [
                                [ 100L, 10.0; 200L, 20.0; 300L, 30.0 ]
                                [ 100L, 20.0; 200L, 40.0; 300L, 30.0 ]
                                [ 100L, 30.0; 200L, 60.0; 300L, 30.0 ]
                            ]
                    )

                Expect.sequenceEqual curve.Steps [ 100L; 200L; 300L ] "the seeds' own steps"
                close curve.Mean [ 20.0; 40.0; 30.0 ] "mean"
                close curve.Std [ sqrt (200.0 / 3.0); sqrt (800.0 / 3.0); 0.0 ] "std"
                close curve.Min [ 10.0; 20.0; 30.0 ] "min"
                close curve.Max [ 30.0; 60.0; 30.0 ] "max"
                Expect.equal curve.SeedCount 3 "seeds"
            }

            test
                "seeds logged at different steps and budgets: the union of their steps within the range all cover, linear in between" {
                // A: 100..400, B: 200..300 and 500 steps past it; the common range is 200..400.
                let curve =
                    LearningCurves.Aggregate(
                        group "g" [ [ 100L, 0.0; 300L, 20.0; 400L, 40.0 ]; [ 200L, 10.0; 350L, 40.0; 900L, 0.0 ] ]
                    )

                Expect.sequenceEqual curve.Steps [ 200L; 300L; 350L; 400L ] "every logged step from 200 to 400"
                // A at 200 = 10, at 350 = 30; B at 300 = 30, at 400 = 40 - (50/550)*40.
                let b400 = 40.0 - 40.0 * 50.0 / 550.0
                close curve.Mean [ 10.0; 25.0; 35.0; (40.0 + b400) / 2.0 ] "mean"
                close curve.Min [ 10.0; 20.0; 30.0; b400 ] "min"
                close curve.Max [ 10.0; 30.0; 40.0; 40.0 ] "max"
                close curve.Std [ 0.0; 5.0; 5.0; (40.0 - b400) / 2.0 ] "std"
            }

            test "one seed is its own curve with std 0" {
                let curve = LearningCurves.Aggregate(group "g" [ [ 40L, 1.0; 80L, 3.0 ] ])
                Expect.sequenceEqual curve.Steps [ 40L; 80L ] "its steps"
                close curve.Mean [ 1.0; 3.0 ] "mean"
                close curve.Std [ 0.0; 0.0 ] "std"
            }

            test "seeds that share no range of steps are refused, naming each one's range" {
                let error =
                    thrown<InvalidDataException>(fun () ->
                        LearningCurves.Aggregate(group "late" [ [ 100L, 1.0; 200L, 2.0 ]; [ 300L, 1.0; 400L, 2.0 ] ])
                        |> ignore)

                Expect.stringContains error.Message "the seeds of 'late' share no range of steps" "says what"
                Expect.stringContains error.Message "seed 2: 300 to 400" "names the ranges"
            }

            test "curves refuse no points, steps that do not increase and returns that are not finite" {
                for points, expected in
                    [
                        [||], "no points"
                        [| CurvePoint(100L, 1.0); CurvePoint(100L, 2.0) |], "from 100 to 100"
                        [| CurvePoint(100L, nan) |], "expected a finite number"
                    ] do
                    let error =
                        thrown<ArgumentException>(fun () -> LearningCurve("seed 1", points) |> ignore)

                    Expect.stringContains error.Message expected "says why"
            }

            test
                "Load: a run dir is one seed (empty ep_rew_mean rows skipped); a dir of run dirs is a group in natural order, other entries ignored" {
                let root = tempDir ()

                let single =
                    writeRun
                        (Path.Combine(root, "one"))
                        (Some "Acrobot-v1")
                        [ 40L, None; 80L, Some -500.0; 120L, Some -400.5 ]

                let loaded = LearningCurves.Load single
                Expect.equal loaded.Label "one" "labelled by the directory's name"
                Expect.equal (nonNull loaded.Env) "Acrobot-v1" "env from config.json"
                Expect.equal loaded.Seeds.Count 1 "one seed"

                Expect.sequenceEqual
                    loaded.Seeds[0].Points
                    [ CurvePoint(80L, -500.0); CurvePoint(120L, -400.5) ]
                    "the rows with a return"

                let sweep = Path.Combine(root, "sweep")

                for seed in [ 10; 2; 1 ] do
                    writeRun (Path.Combine(sweep, $"seed-{seed}")) (Some "CartPole-v1") (some [ 40L, float seed ])
                    |> ignore

                Directory.CreateDirectory(Path.Combine(sweep, "logs")) |> ignore
                File.WriteAllText(Path.Combine(sweep, "summary.json"), "{}")
                let loaded = LearningCurves.Load(sweep, "mine")
                Expect.equal loaded.Label "mine" "the given label"
                Expect.equal (nonNull loaded.Env) "CartPole-v1" "env"

                Expect.sequenceEqual
                    [ for s in loaded.Seeds -> Path.GetFileName(Path.GetDirectoryName s.Source) ]
                    [ "seed-1"; "seed-2"; "seed-10" ]
                    "one curve per run dir, seed-2 before seed-10"

                Directory.Delete(root, true)
            }

            test
                "Load leaves out of a group the seeds a sweep's summary.json says failed and those without an episode yet, naming them" {
                let sweep = Path.Combine(tempDir (), "sweep")

                writeRun (Path.Combine(sweep, "seed-1")) (Some "CartPole-v1") (some [ 40L, 10.0; 80L, 20.0 ])
                |> ignore

                writeRun (Path.Combine(sweep, "seed-2")) (Some "CartPole-v1") [ 40L, None ]
                |> ignore

                writeRun (Path.Combine(sweep, "seed-3")) (Some "CartPole-v1") (some [ 40L, 99.0 ])
                |> ignore

                writeRun (Path.Combine(sweep, "seed-4")) (Some "CartPole-v1") (some [ 40L, 30.0; 80L, 40.0 ])
                |> ignore

                File.WriteAllText(
                    Path.Combine(sweep, "summary.json"),
                    """{"runs": [{"run_dir": "seed-1", "exit_code": 0}, {"run_dir": "seed-2", "exit_code": 143},
                                 {"run_dir": "seed-3", "exit_code": 1}, {"run_dir": "seed-4", "exit_code": 143}]}"""
                )

                let loaded = LearningCurves.Load sweep

                Expect.sequenceEqual
                    [ for s in loaded.Seeds -> Path.GetFileName(Path.GetDirectoryName s.Source) ]
                    [ "seed-1"; "seed-4" ]
                    "a finished seed and one stopped by a signal (its curve is real as far as it goes)"

                Expect.sequenceEqual
                    loaded.LeftOut
                    [
                        "seed-3: exit 1 in the sweep's summary.json"
                        "seed-2: no episode finished yet"
                    ]
                    "each left-out seed with why"

                let code, out, err = run [ "plot"; sweep; "--out"; Path.Combine(sweep, "c.png") ]
                Expect.equal code 0 err
                Expect.stringContains out "note: left out of 'sweep': seed-3: exit 1" "a2c plot says what it left out"

                // One seed alone is never left out: its missing returns are the error.
                let err =
                    thrown<InvalidDataException>(fun () -> LearningCurves.Load(Path.Combine(sweep, "seed-2")) |> ignore)

                Expect.stringContains err.Message "no row with an ep_rew_mean" "a single run without returns is refused"

                // Nothing left: refused, naming why each went.
                File.Delete(Path.Combine(sweep, "seed-1", "progress.csv"))
                File.Delete(Path.Combine(sweep, "seed-4", "progress.csv"))

                let err =
                    thrown<InvalidDataException>(fun () -> LearningCurves.Load sweep |> ignore)

                Expect.stringContains err.Message "no seed in" "says so"
                Expect.stringContains err.Message "seed-3: exit 1" "and why"
                Directory.Delete(nonNull (Path.GetDirectoryName sweep), true)
            }

            test "Threshold comes from the env registry: CartPole-v1 475, none for Pendulum-v1 or an unknown id" {
                Expect.equal (LearningCurves.Threshold "CartPole-v1") (Nullable 475.0) "CartPole-v1"
                Expect.isFalse (LearningCurves.Threshold "Pendulum-v1").HasValue "Pendulum-v1 has none"
                Expect.isFalse (LearningCurves.Threshold "grpc://127.0.0.1:50051").HasValue "unknown"
            }

            test
                "FromExperiment makes one curve per seed from SeedResult.Curve, skipping points before the first episode" {
                let seed (s: int) =
                    SeedResult(
                        s,
                        TrainingResult(120L, 1.0, 120.0, 3, Nullable 2.0, false, false),
                        [|
                            struct (40L, Nullable())
                            struct (80L, Nullable(float s))
                            struct (120L, Nullable 2.0)
                        |],
                        null
                    )

                let result =
                    ExperimentResult("CartPole-v1", A2COptions.Defaults, [| seed 1; seed 3 |])

                let grouped = LearningCurves.FromExperiment(result, "defaults")
                Expect.equal grouped.Label "defaults" "label"
                Expect.equal (nonNull grouped.Env) "CartPole-v1" "env"
                Expect.equal [ for c in grouped.Seeds -> c.Source ] [ "seed 1"; "seed 3" ] "one per seed"
                Expect.sequenceEqual grouped.Seeds[1].Points [ CurvePoint(80L, 3.0); CurvePoint(120L, 2.0) ] "points"
                close (LearningCurves.Aggregate grouped).Mean [ 2.0; 2.0 ] "mean"
            }

            test "SavePng writes a PNG of the requested size with text drawn, through a temporary file" {
                let dir = tempDir ()
                let path = Path.Combine(dir, "curve.png")

                let groups =
                    [|
                        group
                            "a"
                            [
                                [ 0L, 10.0; 1000L, 200.0; 2000L, 480.0 ]
                                [ 0L, 20.0; 1000L, 100.0; 2000L, 400.0 ]
                            ]
                        group "b" [ [ 0L, 10.0; 2000L, 50.0 ] ]
                    |]

                LearningCurves.SavePng(groups, path, PlotOptions(Width = 640, Height = 480, Band = Band.MinMax))
                expectPng path 640 480
                // The title is drawn in the top band of the image: with glyphs, not as blank space.
                let long =
                    LearningCurves.RenderPng(groups, PlotOptions(Title = "WWWWWWWWWWWWWWWWWWWW"))

                let short = LearningCurves.RenderPng(groups, PlotOptions(Title = "."))
                Expect.isGreaterThan (darkPixelsOnTop long 40) (darkPixelsOnTop short 40 + 500) "the title's glyphs"
                Directory.Delete(dir, true)
            }

            test "RenderPng refuses no groups and sizes out of range" {
                Expect.throwsT<ArgumentException> (fun () -> LearningCurves.RenderPng([||]) |> ignore) "no groups"

                let error =
                    thrown<ArgumentException>(fun () ->
                        LearningCurves.RenderPng([| group "g" [ [ 1L, 1.0 ] ] |], PlotOptions(Width = 10))
                        |> ignore)

                Expect.stringContains error.Message "width is 10; allowed: 200 to 10000." "names it"
            }
        ]

/// Trains `seeds` short CartPole runs as a sweep lays them out: DIR/seed-N/.
let private trainSweep (seeds: int list) =
    let dir = tempDir ()

    for seed in seeds do
        let code, _, err =
            run
                [
                    "train"
                    "--env"
                    "CartPole-v1"
                    "--seed"
                    string seed
                    "--total-steps"
                    "4000"
                    "--log-interval"
                    "10"
                    "--eval-episodes"
                    "0"
                    "--run-dir"
                    Path.Combine(dir, $"seed-{seed}")
                ]

        Expect.equal code 0 $"training seed {seed}: {err}"

    dir

[<Tests>]
let cli =
    testSequenced
    <| testList
        "plot cli"
        [
            test "a2c plot on real a2c train runs (2 seeds x 4000 steps): a PNG, a summary line per group, exit 0" {
                let sweep = trainSweep [ 1; 2 ]
                let out = Path.Combine(tempDir (), "curves.png")

                let code, stdout, err =
                    run
                        [
                            "plot"
                            sweep
                            Path.Combine(sweep, "seed-1")
                            "--label"
                            "two seeds"
                            "--label"
                            "seed 1 alone"
                            "--out"
                            out
                            "--width"
                            "800"
                            "--height"
                            "500"
                        ]

                Expect.equal code 0 $"exit code (stderr: {err})"
                expectPng out 800 500
                Expect.stringContains stdout "two seeds     CartPole-v1  2" "the group of two seeds"
                Expect.stringContains stdout "seed 1 alone  CartPole-v1  1" "the single run"
                Expect.stringContains stdout $"wrote {out} (800x500)" "says where"
                // Again with the min-max band, over the previous file: replaced.
                let code, _, err = run [ "plot"; sweep; "--band"; "minmax"; "--out"; out ]
                Expect.equal code 0 $"minmax: exit code (stderr: {err})"
                expectPng out 1000 600
            }

            test "the default --out is learning-curve.png in the current directory" {
                let dir =
                    writeRun (Path.Combine(tempDir (), "run")) (Some "CartPole-v1") (some [ 40L, 1.0; 80L, 2.0 ])

                let cwd = Directory.GetCurrentDirectory()
                let here = tempDir ()

                try
                    Directory.SetCurrentDirectory here
                    let code, _, err = run [ "plot"; dir ]
                    Expect.equal code 0 err
                finally
                    Directory.SetCurrentDirectory cwd

                expectPng (Path.Combine(here, "learning-curve.png")) 1000 600
            }

            test "a missing, empty or file RUN_DIR is refused: exit 2, naming it, no image" {
                let root = tempDir ()
                let missing = Path.Combine(root, "nope")
                refused CliApp.UsageError [ missing ] [ $"'{missing}' does not exist." ]
                let empty = Path.Combine(root, "empty")
                Directory.CreateDirectory(Path.Combine(empty, "seed-1")) |> ignore
                refused CliApp.UsageError [ empty ] [ $"no progress.csv in '{empty}' or in its subdirectories" ]
                let file = Path.Combine(root, "file.csv")
                File.WriteAllText(file, "x")
                refused CliApp.UsageError [ file ] [ $"'{file}' is a file; expected a run directory" ]
            }

            test "a malformed or truncated progress.csv is refused: exit 2, naming the file, the line and what is wrong" {
                let root = tempDir ()

                let withProgress (name: string) (text: string) =
                    let dir = writeRun (Path.Combine(root, name)) (Some "CartPole-v1") []
                    File.WriteAllText(Path.Combine(dir, "progress.csv"), text)
                    dir, Path.Combine(dir, "progress.csv")

                for name, text, expected in
                    [
                        "empty", "", "is empty; expected a header line"
                        "no-header", "steps,return\n1,2\n", "has no total_timesteps column"
                        "short-row",
                        String.Join("\n", [ header; row 40L (Some 1.0); "80,1000" ]) + "\n",
                        "line 3 has 2 fields; expected 9."
                        "cut-off",
                        header + "\n" + row 40L (Some 1.0) + "\n80,1000,2.",
                        "line 3 has 3 fields; expected 9 (the file ends in the middle of a row: truncated?)"
                        "bad-steps",
                        String.Join("\n", [ header; (row 40L (Some 1.0)).Replace("40,", "4o,") ]),
                        "line 2: total_timesteps is '4o'; expected a whole number"
                        "bad-return",
                        String.Join("\n", [ header; (row 40L (Some 1.0)).Replace(",1,", ",x,") ]),
                        "line 2: ep_rew_mean is 'x'; expected a finite number or nothing"
                        "backwards",
                        String.Join("\n", [ header; row 80L (Some 1.0); row 40L (Some 1.0) ]),
                        "line 3: total_timesteps goes from 80 to 40"
                        "no-rows", header + "\n", "has a header but no rows"
                        "no-returns",
                        String.Join("\n", [ header; row 40L None; row 80L None ]),
                        "has no row with an ep_rew_mean (2 rows, all empty there)"
                    ] do
                    let dir, file = withProgress name text
                    refused CliApp.UsageError [ dir ] [ $"'{file}'"; expected ]
            }

            test "a malformed config.json, seeds on different envs and seeds with no common steps are refused: exit 2" {
                let root = tempDir ()
                let dir = writeRun (Path.Combine(root, "bad-config")) None (some [ 40L, 1.0 ])
                File.WriteAllText(Path.Combine(dir, "config.json"), "{\"env\": ")
                let config = Path.Combine(dir, "config.json")
                refused CliApp.UsageError [ dir ] [ $"'{config}' is not valid JSON" ]
                let mixed = Path.Combine(root, "mixed")

                writeRun (Path.Combine(mixed, "a")) (Some "CartPole-v1") (some [ 40L, 1.0 ])
                |> ignore

                writeRun (Path.Combine(mixed, "b")) (Some "Acrobot-v1") (some [ 40L, 1.0 ])
                |> ignore

                refused CliApp.UsageError [ mixed ] [ "are on different envs (a: CartPole-v1, b: Acrobot-v1)" ]
                let apart = Path.Combine(root, "apart")

                writeRun (Path.Combine(apart, "a")) (Some "CartPole-v1") (some [ 40L, 1.0; 80L, 1.0 ])
                |> ignore

                writeRun (Path.Combine(apart, "b")) (Some "CartPole-v1") (some [ 120L, 1.0 ])
                |> ignore

                refused CliApp.UsageError [ apart ] [ "the seeds of 'apart' share no range of steps" ]
            }

            test "bad options are refused before reading anything: exit 2, one line each" {
                let dir =
                    writeRun (Path.Combine(tempDir (), "run")) (Some "CartPole-v1") (some [ 40L, 1.0 ])

                for args, expected in
                    [
                        [ "--band"; "iqr" ], "--band is 'iqr'; allowed: std, minmax."
                        [ "--label"; "a"; "--label"; "b" ], "--label was given 2 times for 1 RUN_DIR"
                        [ "--width"; "10" ], "--width is 10; allowed: 200 to 10000."
                        [ "--height"; "0" ], "--height is 0; allowed: 150 to 10000."
                    ] do
                    refused CliApp.UsageError (dir :: args) [ expected ]

                refused CliApp.UsageError [] [ "a2c plot: give at least one RUN_DIR" ]

                let outDir = tempDir ()

                for out, expected in
                    [
                        Path.Combine(outDir, "missing", "c.png"), "does not exist"
                        Path.Combine(outDir, "c.jpg"), "expected a file name ending in .png"
                        outDir, "is a directory"
                    ] do
                    let code, _, err = run [ "plot"; dir; "--out"; out ]
                    Expect.equal code CliApp.UsageError $"{out}: exit code"
                    Expect.stringContains err $"a2c plot: --out" $"{out}: names the option"
                    Expect.stringContains err expected $"{out}: says why"

                Expect.isEmpty (Directory.GetFileSystemEntries outDir) "nothing written"
            }

            test "an output on a read-only file system: exit 1 naming the file, nothing written" {
                match tmpfs "ro,size=256k" with
                | Error why -> skiptest why
                | Ok dir ->
                    try
                        let run' =
                            writeRun (Path.Combine(tempDir (), "run")) (Some "CartPole-v1") (some [ 40L, 1.0 ])

                        let out = Path.Combine(dir, "c.png")
                        let code, _, err = run [ "plot"; run'; "--out"; out ]
                        Expect.equal code CliApp.Failure "exit code"
                        Expect.stringContains err $"cannot write '{out}': the file system is read-only." "says why"
                        noStackTrace "read-only" err
                        Expect.isEmpty (Directory.GetFileSystemEntries dir) "nothing written"
                    finally
                        unmount dir
            }

            test "a full disk: exit 1 naming the file and 'no space', the previous image intact and no partial one" {
                match tmpfs "size=128k" with
                | Error why -> skiptest why
                | Ok dir ->
                    try
                        let run' =
                            writeRun
                                (Path.Combine(tempDir (), "run"))
                                (Some "CartPole-v1")
                                (some [ for i in 1L .. 50L -> i * 40L, float (i * i % 97L) ])

                        let out = Path.Combine(dir, "c.png")
                        File.WriteAllText(out, "previous")
                        let filler = fill dir
                        let code, _, err = run [ "plot"; run'; "--out"; out ]
                        Expect.equal code CliApp.Failure $"exit code (stderr: {err})"
                        Expect.stringContains err $"cannot write '{out}': no space left on device." "says why"
                        noStackTrace "full" err
                        Expect.equal (File.ReadAllText out) "previous" "the previous file is as it was"

                        Expect.sequenceEqual
                            (Directory.GetFileSystemEntries dir |> Array.sort)
                            ([| out; filler |] |> Array.sort)
                            "no partial image"
                    finally
                        unmount dir
            }

            test "text is drawn on a machine without fonts (the embedded ones): a2c plot with /usr/share/fonts hidden" {
                if not (OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess) then
                    skiptest "hiding /usr/share/fonts in a private mount namespace needs Linux and root"

                let dir =
                    writeRun (Path.Combine(tempDir (), "run")) (Some "CartPole-v1") (some [ 40L, 1.0; 80L, 9.0 ])

                let outDir = tempDir ()

                let plot (title: string) (file: string) =
                    let out = Path.Combine(outDir, file)

                    let script =
                        "[ ! -d /usr/share/fonts ] || mount -t tmpfs none /usr/share/fonts || exit 90; exec dotnet \"$@\""

                    exec
                        "unshare"
                        [
                            "-m"
                            "sh"
                            "-c"
                            script
                            "sh"
                            Children.a2cDll
                            "plot"
                            dir
                            "--title"
                            title
                            "--out"
                            out
                        ],
                    out

                match plot "WWWWWWWWWWWWWWWWWWWW" "long.png" with
                | (code, err), _ when code = 90 || (code <> 0 && err.Contains "unshare") ->
                    skiptest $"no private mount namespace here: {err.Trim()}"
                | (code, err), long ->
                    Expect.equal code 0 $"exit code (stderr: {err})"
                    let (code, err), short = plot "." "short.png"
                    Expect.equal code 0 $"exit code (stderr: {err})"

                    Expect.isGreaterThan
                        (darkPixelsOnTop (File.ReadAllBytes long) 40)
                        (darkPixelsOnTop (File.ReadAllBytes short) 40 + 500)
                        "the title's glyphs are drawn without any installed font"
            }
        ]
