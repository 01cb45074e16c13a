/// `a2c export` end to end: a run trained by `a2c train` in a child process, exported by `a2c
/// export` in another, runs in ONNX Runtime as the run's own model does; bad input is refused
/// with the exit code it means and nothing written.
module A2C.Cli.Tests.ExportCliTests

open System
open System.IO
open A2C.Cli
open A2C.Training.Tests.Export
open Expecto

let private tempDir () =
    let dir = Path.Combine(Path.GetTempPath(), $"a2c-export-cli-{Guid.NewGuid():N}")
    Directory.CreateDirectory dir |> ignore
    dir

/// Runs the built a2c.dll as a child process: (exit code, stdout, stderr).
let private a2c (args: string list) =
    use proc = Children.startA2c args
    Children.finish proc (TimeSpan.FromMinutes 3.0)

/// Runs the CLI in-process: (exit code, stdout, stderr).
let private run (args: string list) =
    use stdout = new StringWriter()
    use stderr = new StringWriter()
    let code = CliApp.Run(List.toArray args, stdout, stderr)
    code, stdout.ToString(), stderr.ToString()

/// Calls f with the directory of a short CartPole run written by `a2c train`, then deletes it.
let private withCartPoleRun (f: string -> unit) =
    let dir = tempDir ()

    try
        let code, _, err =
            a2c
                [
                    "train"
                    "--env"
                    "CartPole-v1"
                    "--total-steps"
                    "2000"
                    "--run-dir"
                    dir
                    "--eval-episodes"
                    "0"
                ]

        Expect.equal code 0 $"a2c train (stderr: {err})"
        f dir
    finally
        Directory.Delete(dir, true)

[<Tests>]
let tests =
    testSequenced
    <| testList
        "a2c export"
        [
            test
                "a2c train --normalize, then a2c export: ONNX Runtime on raw observations agrees with the run's model and normalizer" {
                let dir = tempDir ()

                try
                    let code, _, err =
                        a2c
                            [
                                "train"
                                "--env"
                                "Pendulum-v1"
                                "--normalize"
                                "--total-steps"
                                "3000"
                                "--run-dir"
                                dir
                                "--eval-episodes"
                                "0"
                            ]

                    Expect.equal code 0 $"a2c train (stderr: {err})"
                    let onnx = Path.Combine(dir, "policy.onnx")

                    let code, out, err =
                        a2c [ "export"; "--model"; Path.Combine(dir, "model.bin"); "--onnx"; onnx ]

                    Expect.equal code 0 $"a2c export (stderr: {err})"
                    let bytes = File.ReadAllBytes onnx

                    Expect.stringContains
                        out
                        $"wrote {onnx} ({bytes.Length:N0} bytes): Pendulum-v1"
                        "says what it wrote"

                    Expect.stringContains
                        out
                        "observation normalization folded in"
                        "says the statistics are in the graph"

                    Expect.stringContains out "input  obs [batch, 3]" "the input"
                    Expect.stringContains out "output mean [batch, 1]" "the mean"
                    Expect.stringContains out "output std [batch, 1]" "the std"
                    Expect.stringContains out "output value [batch, 1]" "the value"
                    use trainer = TrainedModel.Load(Path.Combine(dir, "model.bin"))
                    let raw = OnnxChecks.rollout "Pendulum-v1" OnnxChecks.samples 5

                    OnnxChecks.agree
                        "a2c export"
                        bytes
                        trainer.Agent.Model
                        trainer.Normalizer
                        trainer.Env.SingleObservationSpace
                        raw
                finally
                    Directory.Delete(dir, true)
            }

            test "a checkpoint.zip exports to the same file as the run's model.bin" {
                withCartPoleRun
                <| fun dir ->
                    let fromModel, fromCheckpoint =
                        Path.Combine(dir, "a.onnx"), Path.Combine(dir, "b.onnx")

                    let code, _, err =
                        run [ "export"; "--model"; Path.Combine(dir, "model.bin"); "--onnx"; fromModel ]

                    Expect.equal code 0 $"from model.bin (stderr: {err})"

                    let code, _, err =
                        run
                            [
                                "export"
                                "--model"
                                Path.Combine(dir, "checkpoint.zip")
                                "--onnx"
                                fromCheckpoint
                            ]

                    Expect.equal code 0 $"from checkpoint.zip (stderr: {err})"
                    Expect.equal (File.ReadAllBytes fromCheckpoint) (File.ReadAllBytes fromModel) "the same bytes"
            }

            test
                "a missing model, a corrupt model.bin and a wrong extension are bad input (exit 2), and nothing is written" {
                withCartPoleRun
                <| fun dir ->
                    let target = Path.Combine(dir, "bad.onnx")

                    let code, _, err =
                        run [ "export"; "--model"; Path.Combine(dir, "nope.bin"); "--onnx"; target ]

                    Expect.equal code 2 "missing model"
                    Expect.stringContains err "nope.bin' does not exist" "names the missing file"
                    let copy = tempDir ()

                    try
                        for file in [ "config.json"; "model.bin" ] do
                            File.Copy(Path.Combine(dir, file), Path.Combine(copy, file))

                        let model = Path.Combine(copy, "model.bin")
                        File.WriteAllBytes(model, (File.ReadAllBytes model)[..99])
                        let code, _, err = run [ "export"; "--model"; model; "--onnx"; target ]
                        Expect.equal code 2 "truncated model"
                        Expect.stringContains err "is truncated" "says what is wrong with it"
                    finally
                        Directory.Delete(copy, true)

                    let code, _, err =
                        run
                            [
                                "export"
                                "--model"
                                Path.Combine(dir, "model.bin")
                                "--onnx"
                                Path.Combine(dir, "policy.bin")
                            ]

                    Expect.equal code 2 "wrong extension"
                    Expect.stringContains err "must end in .onnx" "names the rule"

                    let code, _, err =
                        run
                            [
                                "export"
                                "--model"
                                Path.Combine(dir, "model.bin")
                                "--onnx"
                                (Directory.CreateDirectory(Path.Combine(dir, "out.onnx"))).FullName
                            ]

                    Expect.equal code 2 $"a directory (stderr: {err})"

                    Expect.isFalse
                        (File.Exists target || File.Exists(Path.Combine(dir, "policy.bin")))
                        "nothing written"
            }

            test "an unwritable output path fails (exit 1) naming it, leaving no file and an existing one untouched" {
                withCartPoleRun
                <| fun dir ->
                    let model = Path.Combine(dir, "model.bin")
                    let missing = Path.Combine(dir, "missing", "policy.onnx")
                    let code, _, err = run [ "export"; "--model"; model; "--onnx"; missing ]
                    Expect.equal code 1 "a missing directory"
                    Expect.stringContains err "does not exist" "says why"
                    // A path under a regular file cannot be created, even by root.
                    let underFile = Path.Combine(dir, "config.json", "policy.onnx")
                    let code, _, err = run [ "export"; "--model"; model; "--onnx"; underFile ]
                    Expect.equal code 1 $"a path under a file (stderr: {err})"
                    Expect.stringContains err "cannot write" "says it cannot write"
                    let existing = Path.Combine(dir, "kept.onnx")
                    File.WriteAllText(existing, "previous")
                    let broken = tempDir ()

                    try
                        File.Copy(Path.Combine(dir, "config.json"), Path.Combine(broken, "config.json"))
                        File.WriteAllText(Path.Combine(broken, "model.bin"), "not a model")

                        let code, _, _ =
                            run [ "export"; "--model"; Path.Combine(broken, "model.bin"); "--onnx"; existing ]

                        Expect.equal code 2 "a model that is not one"
                        Expect.equal (File.ReadAllText existing) "previous" "the old file is untouched"
                        Expect.isEmpty (Directory.GetFiles(dir, "*.tmp")) "no temporary left"
                    finally
                        Directory.Delete(broken, true)
            }
        ]
