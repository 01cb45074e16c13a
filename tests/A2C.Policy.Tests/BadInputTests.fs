/// Bad input, each with a clear message: bytes that are not ONNX, a truncated file, an ONNX model
/// that a2c did not write, a description of another format or kind, a missing weight, and
/// observations of the wrong length.
module A2C.Policy.Tests.BadInputTests

open System
open System.IO
open A2C.Envs
open A2C.Runtime
open A2C.Training
open A2C.Training.Onnx
open Expecto
open Google.Protobuf

/// An untrained CartPole-v1 policy's export: enough to break in every way.
let private valid =
    lazy
        (use env = EnvFactory.Create("CartPole-v1", 1)

         let spec =
             PolicySpec.For(env.SingleObservationSpace, env.SingleActionSpace, A2COptions())

         use model = A2C.Training.Tests.Helpers.newModel spec
         (OnnxExport.Export(model, env.SingleObservationSpace, env.SingleActionSpace, null, "CartPole-v1")).Bytes)

/// The valid file, changed.
let private edited (change: ModelProto -> unit) =
    let proto = ModelProto.Parser.ParseFrom valid.Value
    change proto
    proto.ToByteArray()

let private setMetadata (key: string) (value: string) (proto: ModelProto) =
    let entry = proto.MetadataProps |> Seq.find (fun p -> p.Key = key)
    entry.Value <- value

/// Loads bytes as name and returns the PolicyFormatException's message.
let private refused (bytes: byte[]) =
    let e = Expect.throwsC (fun () -> Policy.Load(bytes, "bad.onnx") |> ignore) id

    match e with
    | :? PolicyFormatException -> e.Message
    | other -> failtest $"expected a PolicyFormatException; got {other}"

let private says (message: string) (parts: string list) =
    Expect.stringStarts message "bad.onnx: " "the message names the file"

    for part in parts do
        Expect.stringContains message part "the message says what is wrong"

[<Tests>]
let tests =
    testList
        "A2C.Policy bad input"
        [
            test "the valid file loads (the cases below break only what they say)" {
                Expect.equal (Policy.Load(valid.Value).ObservationSize) 4 "loads"
            }

            test "bytes that are not protobuf are not a readable ONNX model" {
                let garbage = Array.init 4096 (fun i -> byte ((i * 7919 + 13) % 251))
                says (refused garbage) [ "not a readable ONNX model" ]
            }

            test "an empty file is refused as empty" { says (refused [||]) [ "empty" ] }

            test "a file cut in half is truncated" {
                let bytes = valid.Value
                says (refused (Array.sub bytes 0 (bytes.Length / 2))) [ "truncated" ]
            }

            test "an ONNX model without a2c's metadata is not an a2c export" {
                says (refused (edited (fun p -> p.MetadataProps.Clear()))) [ "not an a2c export"; "a2c.format" ]
            }

            test "a description of another format version is refused with both versions" {
                says (refused (edited (setMetadata "a2c.format" "2"))) [ "a2c.format 2"; "format 1" ]
            }

            test "a description that is not JSON names the JSON" {
                says (refused (edited (setMetadata "a2c.policy" "{\"env\": "))) [ "a2c.policy JSON" ]
            }

            test "an unknown distribution kind is named with the ones A2C.Policy knows" {
                let proto = ModelProto.Parser.ParseFrom valid.Value
                let json = (proto.MetadataProps |> Seq.find (fun p -> p.Key = "a2c.policy")).Value
                let changed = json.Replace("\"kind\":\"categorical\"", "\"kind\":\"dirichlet\"")
                Expect.notEqual changed json "the description changed"
                says (refused (edited (setMetadata "a2c.policy" changed))) [ "'dirichlet'"; "categorical" ]
            }

            test "sizes that no int holds are refused as a format error, not an overflow" {
                let proto = ModelProto.Parser.ParseFrom valid.Value
                let json = (proto.MetadataProps |> Seq.find (fun p -> p.Key = "a2c.policy")).Value

                let changed =
                    json.Replace(
                        "\"kind\":\"categorical\",\"actions\":2",
                        "\"kind\":\"multi_categorical\",\"nvec\":[2000000000,2000000000]"
                    )

                Expect.notEqual changed json "the description changed"
                says (refused (edited (setMetadata "a2c.policy" changed))) [ "too large" ]
            }

            test "a missing initializer is named, with the member that names it" {
                let bytes =
                    edited (fun p ->
                        let weight = p.Graph.Initializer |> Seq.find (fun t -> t.Name = "_actorHead.weight")
                        p.Graph.Initializer.Remove weight |> ignore)

                says (refused bytes) [ "'_actorHead.weight'"; "actor" ]
            }

            test "an initializer of the wrong shape is refused with both shapes" {
                let bytes =
                    edited (fun p ->
                        let weight = p.Graph.Initializer |> Seq.find (fun t -> t.Name = "_actorHead.weight")
                        // The same 128 floats, in a shape the layers before it do not give.
                        weight.Dims[0] <- 4L
                        weight.Dims[1] <- 32L)

                says (refused bytes) [ "'_actorHead.weight'"; "[4, 32]"; "[2, 64]" ]
            }

            test "an initializer whose values do not fill its dims is refused with both counts" {
                let bytes =
                    edited (fun p ->
                        let weight = p.Graph.Initializer |> Seq.find (fun t -> t.Name = "_actorHead.weight")
                        weight.Dims[0] <- 3L)

                says (refused bytes) [ "'_actorHead.weight'"; "[3, 64]"; "holds 128 floats" ]
            }

            test
                "damaged files (bytes changed, cut anywhere) load or are refused with PolicyFormatException, never another error" {
                let bytes = valid.Value
                let random = Random 5
                let mutable refusals = 0

                for trial in 1..400 do
                    let damaged =
                        if trial % 2 = 0 then
                            Array.sub bytes 0 (random.Next bytes.Length)
                        else
                            let copy = Array.copy bytes

                            for _ in 1 .. 1 + random.Next 8 do
                                copy[random.Next copy.Length] <- byte (random.Next 256)

                            copy

                    try
                        let policy = Policy.Load(damaged, "damaged.onnx")
                        // What loads has its shapes checked: it runs.
                        policy.Evaluate(ReadOnlySpan(Array.zeroCreate<float32>(2 * policy.ObservationSize)))
                        |> ignore
                    with
                    | :? PolicyFormatException as e ->
                        refusals <- refusals + 1
                        Expect.stringStarts e.Message "damaged.onnx: " $"trial {trial}: the message names the file"
                    | e -> failtest $"trial {trial}: {e.GetType().Name}: {e.Message}"

                Expect.isGreaterThan refusals 200 "most damaged files are refused"
            }

            test "a file on disk is named by its path; a missing file is an I/O error" {
                let path = Path.Combine(Path.GetTempPath(), $"a2c-policy-{Guid.NewGuid():N}.onnx")
                File.WriteAllBytes(path, Array.sub valid.Value 0 100)

                try
                    let e = Expect.throwsC (fun () -> Policy.Load path |> ignore) id
                    Expect.isTrue (e :? PolicyFormatException) "a format error"
                    Expect.stringStarts e.Message $"{path}: " "the path"
                finally
                    File.Delete path

                Expect.throwsT<FileNotFoundException> (fun () -> Policy.Load(path) |> ignore) "no file"
            }

            test "an observation of the wrong length names the expected and the actual sizes" {
                let policy = Policy.Load valid.Value

                let e =
                    Expect.throwsC (fun () -> policy.ActDeterministic(ReadOnlySpan [| 1f; 2f; 3f |]) |> ignore) id

                Expect.isTrue (e :? ArgumentException) "an ArgumentException"
                Expect.stringContains e.Message "has 3 floats" "actual"
                Expect.stringContains e.Message "reads 4" "expected"

                let batch =
                    Expect.throwsC (fun () -> policy.Evaluate(ReadOnlySpan(Array.zeroCreate<float32> 7)) |> ignore) id

                Expect.stringContains batch.Message "hold 7 floats" "actual"
                Expect.stringContains batch.Message "multiple of 4" "expected"

                Expect.throwsT<ArgumentException>
                    (fun () -> policy.Act(ReadOnlySpan(Array.zeroCreate<float32> 5), Random 0) |> ignore)
                    "sampled too"
            }
        ]
