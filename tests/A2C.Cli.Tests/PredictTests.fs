/// `a2c predict` end to end: runs trained by `a2c train`, their actions, distribution parameters
/// and values checked against ONNX Runtime on the same run's `a2c export`, one JSON line per
/// observation, and every bad input refused with the exit code it means.
module A2C.Cli.Tests.PredictTests

open System
open System.IO
open System.Text.Json.Nodes
open A2C.Cli
open A2C.Training.Tests.Export
open Expecto

/// Runs the CLI in-process, with stdin for `--obs -`: (exit code, stdout, stderr).
let private run (stdin: string) (args: string list) =
    use stdout = new StringWriter()
    use stderr = new StringWriter()
    use input = new StringReader(stdin)

    let code =
        CliApp.Run(List.toArray args, stdout, stderr, Threading.CancellationToken.None, input)

    code, stdout.ToString(), stderr.ToString()

/// A short run of env (extra: more train options) in a fresh directory: its model.bin.
let private trainRun (env: string) (extra: string list) =
    let dir = Path.Combine(Path.GetTempPath(), $"a2c-predict-{Guid.NewGuid():N}")

    let code, _, err =
        run "" ([ "train"; "--env"; env; "--run-dir"; dir; "--eval-episodes"; "0" ] @ extra)

    Expect.equal code 0 $"a2c train --env {env} (stderr: {err})"
    Path.Combine(dir, "model.bin")

let private runDir (model: string) = nonNull (Path.GetDirectoryName model)

let private cleanUp (model: string) = Directory.Delete(runDir model, true)

/// The run's export, read back as bytes.
let private exported (model: string) =
    let onnx = Path.Combine(runDir model, "policy.onnx")
    let code, _, err = run "" [ "export"; "--model"; model; "--onnx"; onnx ]
    Expect.equal code 0 $"a2c export (stderr: {err})"
    File.ReadAllBytes onnx

let private floats (node: JsonNode | null) =
    (nonNull node).AsArray()
    |> Seq.map (fun v -> (nonNull v).GetValue<float32>())
    |> Array.ofSeq

let private lines (text: string) =
    text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
    |> Array.map (fun line -> nonNull (JsonNode.Parse line))

/// Each observation as one JSON line, as a script writes them to `a2c predict --obs -`.
let private asLines (raw: float32[]) (size: int) =
    raw
    |> Array.chunkBySize size
    |> Array.map (fun o -> "[" + String.Join(",", o |> Array.map (fun v -> v.ToString "R")) + "]")
    |> String.concat "\n"

/// Every named output of predict's lines agrees with ONNX Runtime's, as the export tests bound them.
let private agreesWithOnnx (predicted: JsonNode[]) (onnx: Map<string, float32[] * int64[]>) =
    for name, (expected, shape) in Map.toSeq onnx do
        let width = int shape[1]

        for i, line in Array.indexed predicted do
            let actual =
                match name with
                | "value" -> [| (nonNull line["value"]).GetValue<float32>() |]
                | _ -> floats line[name]

            for k in 0 .. width - 1 do
                let e = expected[i * width + k]
                let excess = abs (actual[k] - e) / max 1.0f (abs e)
                Expect.isLessThan (float excess) OnnxChecks.tolerance $"{name}[{i}, {k}]: predict {actual[k]}, ONNX {e}"

let private refused (expectedCode: int) (fragment: string) (stdin: string) (args: string list) =
    let code, out, err = run stdin args
    Expect.equal code expectedCode $"exit code (stderr: {err})"
    Expect.stringContains err fragment "the message"
    Expect.equal out "" "nothing printed on stdout"

[<Tests>]
let tests =
    testSequenced
    <| testList
        "a2c predict"
        [
            test
                "CartPole: one JSON line per stdin observation, logits and value as the export's, the action their argmax" {
                let model = trainRun "CartPole-v1" [ "--total-steps"; "2000" ]

                try
                    let count = 50
                    let raw = OnnxChecks.rollout "CartPole-v1" count 5

                    let code, out, err =
                        run (asLines raw 4) [ "predict"; "--model"; model; "--obs"; "-" ]

                    Expect.equal code 0 $"a2c predict (stderr: {err})"
                    let predicted = lines out
                    Expect.hasLength predicted count "one line per observation"
                    agreesWithOnnx predicted (OnnxChecks.runOnnx (exported model) raw [| int64 count; 4L |])

                    for line in predicted do
                        let logits = floats line["logits"]
                        let action = (nonNull line["action"]).GetValue<int>()
                        Expect.equal action (if logits[1] > logits[0] then 1 else 0) "argmax"
                        Expect.isFalse ((nonNull line).AsObject().ContainsKey "std") "no std for logits"

                    let code, out, _ =
                        run "" [ "predict"; "--model"; model; "--obs"; "[[0.01, -0.02], [0.03, 0.04]]" ]

                    Expect.equal code 0 "a nested --obs is read row-major"

                    let flat =
                        run "" [ "predict"; "--model"; model; "--obs"; "[0.01, -0.02, 0.03, 0.04]" ]

                    Expect.equal out (let _, o, _ = flat in o) "nested and flat give the same line"
                finally
                    cleanUp model
            }

            test
                "Pendulum with --normalize: raw observations in, mean, std and value as the export's, the action the mean clipped" {
                let model = trainRun "Pendulum-v1" [ "--total-steps"; "2000"; "--normalize" ]

                try
                    let count = 50
                    let raw = OnnxChecks.rollout "Pendulum-v1" count 6
                    let _, out, err = run (asLines raw 3) [ "predict"; "--model"; model; "--obs"; "-" ]
                    let predicted = lines out
                    Expect.hasLength predicted count $"one line per observation (stderr: {err})"
                    agreesWithOnnx predicted (OnnxChecks.runOnnx (exported model) raw [| int64 count; 3L |])

                    for line in predicted do
                        let mean = (floats line["mean"])[0]
                        let action = (floats line["action"])[0]

                        Expect.floatClose
                            Accuracy.medium
                            (float action)
                            (float (Math.Clamp(mean, -2f, 2f)))
                            "clip(mean, -2, 2)"
                finally
                    cleanUp model
            }

            test
                "--model policy.onnx answers through A2C.Policy with the run's numbers: raw observations in, normalization in the file" {
                let model = trainRun "Pendulum-v1" [ "--total-steps"; "2000"; "--normalize" ]

                try
                    let onnx = Path.Combine(runDir model, "policy.onnx")
                    exported model |> ignore
                    let raw = OnnxChecks.rollout "Pendulum-v1" 20 8

                    let answer (m: string) =
                        let code, out, err = run (asLines raw 3) [ "predict"; "--model"; m; "--obs"; "-" ]
                        Expect.equal code 0 $"a2c predict --model {m} (stderr: {err})"
                        lines out

                    let fromRun, fromExport = answer model, answer onnx
                    Expect.hasLength fromExport 20 "one line per observation"

                    for run', export in Array.zip fromRun fromExport do
                        for name in [ "mean"; "std"; "action" ] do
                            let a, b = floats run'[name], floats export[name]

                            Expect.isLessThan
                                (float (abs (a[0] - b[0]) / max 1.0f (abs a[0])))
                                OnnxChecks.tolerance
                                $"{name}: {a[0]} and {b[0]}"

                        let value (line: JsonNode) =
                            (nonNull line["value"]).GetValue<float32>()

                        Expect.isLessThan
                            (float (abs (value run' - value export) / max 1.0f (abs (value run'))))
                            OnnxChecks.tolerance
                            "value"

                    refused
                        2
                        "--obs has 2 numbers; 'Pendulum-v1's exported policy takes 3"
                        ""
                        [ "predict"; "--model"; onnx; "--obs"; "[1, 2]" ]

                    File.WriteAllBytes(onnx, Array.create 64 7uy)
                    refused 2 "policy.onnx" "" [ "predict"; "--model"; onnx; "--obs"; "[1, 0, 0]" ]
                finally
                    cleanUp model
            }

            test "--deterministic false samples from the seed's generator: one seed, one action; other seeds, others" {
                let model = trainRun "Pendulum-v1" [ "--total-steps"; "1000" ]

                try
                    let sampled seed =
                        let code, out, err =
                            run
                                ""
                                [
                                    "predict"
                                    "--model"
                                    model
                                    "--obs"
                                    "[1, 0, 0.5]"
                                    "--deterministic"
                                    "false"
                                    "--seed"
                                    string seed
                                ]

                        Expect.equal code 0 $"a2c predict (stderr: {err})"
                        let line = (lines out).[0]
                        (floats line["action"]).[0]

                    Expect.equal (sampled 1) (sampled 1) "the same seed samples the same action"
                    let actions = [ 1..4 ] |> List.map sampled

                    Expect.isGreaterThan
                        (List.distinct actions).Length
                        1
                        $"seeds 1-4 sample different actions: {actions}"
                finally
                    cleanUp model
            }

            test
                "MultiDiscrete: the action is each block's argmax; an observation outside the space is refused naming it" {
                let model = trainRun "IdentityMultiDiscrete-v0" [ "--total-steps"; "1000" ]

                try
                    let code, out, err = run "" [ "predict"; "--model"; model; "--obs"; "[2, 3]" ]
                    Expect.equal code 0 $"a2c predict (stderr: {err})"
                    let line = (lines out)[0]
                    let logits = floats line["logits"]

                    let action =
                        (nonNull line["action"]).AsArray()
                        |> Seq.map (fun v -> (nonNull v).GetValue<int>())
                        |> List.ofSeq

                    let argmax (block: float32[]) =
                        Array.findIndex ((=) (Array.max block)) block

                    Expect.equal action [ argmax logits[0..2]; argmax logits[3..6] ] "nvec [3, 4] blocks"

                    refused
                        2
                        "choice 0 is 5, not an integer in [0, 2]"
                        ""
                        [ "predict"; "--model"; model; "--obs"; "[5, 0]" ]
                finally
                    cleanUp model
            }

            test "a Dict observation is an object of its keys; a missing or unknown key is refused naming the keys" {
                let model = trainRun "SimpleMultiObs-v0" [ "--total-steps"; "200" ]

                try
                    let image =
                        "["
                        + String.Join(",", Array.create 36 ("[" + String.Join(",", Array.create 36 "[255]") + "]"))
                        + "]"

                    let code, out, err =
                        run
                            ""
                            [
                                "predict"
                                "--model"
                                model
                                "--obs"
                                $"{{\"image\": {image}, \"vec\": [0.5, 0.25]}}"
                            ]

                    Expect.equal code 0 $"a2c predict (stderr: {err})"
                    Expect.isTrue (((lines out)[0]).AsObject().ContainsKey("value")) "a line with the value"
                    refused 2 "missing image" "" [ "predict"; "--model"; model; "--obs"; "{\"vec\": [0.5, 0.25]}" ]

                    refused
                        2
                        "unknown extra"
                        ""
                        [
                            "predict"
                            "--model"
                            model
                            "--obs"
                            $"{{\"image\": {image}, \"vec\": [0.5, 0.25], \"extra\": 1}}"
                        ]

                    refused 2 "image, vec" "" [ "predict"; "--model"; model; "--obs"; "[1, 2]" ]
                finally
                    cleanUp model
            }

            test "bad input: exit 2 with the reason, nothing on stdout" {
                let model = trainRun "CartPole-v1" [ "--total-steps"; "200" ]

                try
                    let predict obs =
                        [ "predict"; "--model"; model; "--obs"; obs ]

                    refused 2 "--obs has 3 numbers; observations of a Box of shape (4,) have 4" "" (predict "[1, 2, 3]")
                    refused 2 "--obs is not JSON" "" (predict "[1, 2, 3")
                    refused 2 "the string \"a\"" "" (predict "[1, 2, 3, \"a\"]")
                    refused 2 "beyond float32's range" "" (predict "[1, 2, 3, 1e300]")
                    // Lines stream: the first is answered before the second is read and refused.
                    let code, out, err = run "[0, 0, 0, 0]\n[0, 0]\n" (predict "-")
                    Expect.equal code 2 "a bad stdin line is bad input"
                    Expect.stringContains err "stdin line 2: --obs has 2 numbers" "names the line"
                    Expect.hasLength (lines out) 1 "the good line before it was answered"
                    refused 2 "does not exist" "" [ "predict"; "--model"; model + ".missing"; "--obs"; "[0, 0, 0, 0]" ]
                    File.WriteAllBytes(model, Array.create 100 0uy)
                    refused 2 (nonNull (Path.GetFileName model)) "" (predict "[0, 0, 0, 0]")
                finally
                    cleanUp model
            }
        ]
