/// `a2c export`'s graphs run in ONNX Runtime and agree with the model's own forward pass (and the
/// run's normalizer) on 1,000 observations from env rollouts, for every policy the trainer builds;
/// the description names the same weights; bad input is refused before anything is written.
module A2C.Training.Tests.Export.OnnxExportTests

open System
open System.IO
open System.Text.Json.Nodes
open A2C.Envs.Spaces
open A2C.Training
open A2C.Training.Onnx
open A2C.Training.Tests.Export.OnnxChecks
open Expecto

/// Trains briefly, exports through the trainer, and checks ONNX Runtime against the engine.
let trainedAgrees (label: string) (options: A2COptions) =
    use trainer = trained options
    let exported = OnnxExport.Export trainer
    let raw = rollout options.Env samples 11
    agree label exported.Bytes trainer.Agent.Model trainer.Normalizer trainer.Env.SingleObservationSpace raw
    exported

let private short (env: string) =
    A2COptions(Env = env, TotalTimesteps = 3000L, Seed = 3)

/// The exception f throws, which must be a 'e.
let private thrown<'e when 'e :> exn> (f: unit -> unit) : 'e =
    match Expect.throwsC f id with
    | :? 'e as e -> e
    | other -> failtest $"expected {typeof<'e>.Name}; got {other}"

/// Member key of a JSON object, which must be there.
let private at (key: string) (node: JsonNode | null) : JsonNode =
    let parent: JsonNode = nonNull node
    nonNull parent[key]

/// The string member key of a JSON object.
let private text (node: JsonNode | null) (key: string) = (at key node).GetValue<string>()

let private parse (json: string) : JsonNode = nonNull (JsonNode.Parse json)

let private modelProto (exported: ExportedPolicy) =
    ModelProto.Parser.ParseFrom exported.Bytes

[<Tests>]
let tests =
    testSequenced
    <| testList
        "ONNX export"
        [
            test "CartPole-v1 MlpPolicy (separate tanh [64, 64]): logits and value agree with the engine" {
                let exported = trainedAgrees "CartPole-v1" (short "CartPole-v1")
                Expect.equal (exported.Inputs |> Seq.map string |> List.ofSeq) [ "obs [batch, 4]" ] "input"

                Expect.equal
                    (exported.Outputs |> Seq.map string |> List.ofSeq)
                    [ "logits [batch, 2]"; "value [batch, 1]" ]
                    "outputs"
            }

            test "CartPole-v1 shared relu trunk without hidden layers agrees" {
                trainedAgrees
                    "shared, no net_arch"
                    (A2COptions(
                        Env = "CartPole-v1",
                        TotalTimesteps = 3000L,
                        Seed = 3,
                        Net = NetKind.Shared,
                        NetArch = [||],
                        Activation = Activation.Relu
                    ))
                |> ignore
            }

            test "Pendulum-v1 Gaussian with --normalize: mean, std and value agree on raw observations" {
                let exported =
                    trainedAgrees
                        "Pendulum-v1 normalized"
                        (A2COptions(Env = "Pendulum-v1", TotalTimesteps = 3000L, Seed = 3, Normalize = true))

                let description = parse exported.Description

                Expect.equal
                    ((description |> at "normalization" |> at "normalized").ToJsonString())
                    "[0,1,2]"
                    "every component normalized"
            }

            test "Pendulum-v1 gSDE (full_std true, shared relu) agrees, std from the latent" {
                trainedAgrees
                    "gSDE full"
                    (A2COptions(
                        Env = "Pendulum-v1",
                        TotalTimesteps = 3000L,
                        Seed = 3,
                        UseSde = true,
                        Net = NetKind.Shared,
                        Activation = Activation.Relu
                    ))
                |> ignore
            }

            test "MountainCarContinuous-v0 gSDE (full_std false) with --normalize agrees" {
                trainedAgrees
                    "gSDE one per feature"
                    (A2COptions(
                        Env = "MountainCarContinuous-v0",
                        TotalTimesteps = 3000L,
                        Seed = 3,
                        UseSde = true,
                        FullStd = false,
                        Normalize = true,
                        NetArch = [| 32 |]
                    ))
                |> ignore
            }

            test "ImageIdentity-v0 CnnPolicy (NatureCNN) agrees on the env's images" {
                let exported =
                    trainedAgrees
                        "ImageIdentity-v0"
                        (A2COptions(Env = "ImageIdentity-v0", Seed = 3, TotalTimesteps = 1000L))

                Expect.equal (string exported.Inputs[0]) "obs [batch, 36, 36, 1]" "an HWC image input"
                Expect.contains exported.Ops "Conv" "convolutions"
            }

            test "ImageIdentity-v0 MlpPolicy (pixels / 255 into an MLP) agrees" {
                trainedAgrees
                    "image MLP"
                    (A2COptions(Env = "ImageIdentity-v0", Seed = 3, Policy = PolicyKind.Mlp, TotalTimesteps = 1000L))
                |> ignore
            }

            test "SimpleMultiObs-v0 MultiInputPolicy with --normalize: only the float vector is normalized" {
                let exported =
                    trainedAgrees
                        "SimpleMultiObs-v0"
                        (A2COptions(Env = "SimpleMultiObs-v0", Seed = 3, Normalize = true, TotalTimesteps = 1000L))

                Expect.contains exported.Ops "Where" "the image passes around the normalization"
                let description = parse exported.Description

                let kinds =
                    (description |> at "features").AsArray()
                    |> Seq.map (fun f -> text f "kind")
                    |> List.ofSeq

                Expect.contains kinds "image" "a NatureCNN part"
            }

            test "IdentityMultiDiscrete-v0: one-hot observations, multi-categorical logits agree" {
                let exported = trainedAgrees "MultiDiscrete" (short "IdentityMultiDiscrete-v0")

                Expect.equal
                    (exported.Outputs |> Seq.map string |> List.ofSeq)
                    [ "logits [batch, 7]"; "value [batch, 1]" ]
                    "both choices' logits"
            }

            test "IdentityMultiBinary-v0: Bernoulli logits agree" {
                trainedAgrees "MultiBinary" (short "IdentityMultiBinary-v0") |> ignore
            }

            test "a Discrete(5, start=-2) observation is one-hot encoded as the engine does, clamped out of range" {
                let space = Discrete(5, -2)
                let spec = PolicySpec.For(space, Discrete(3), A2COptions(OrthoInit = false))
                use model = A2C.Training.Tests.Helpers.newModel spec
                let exported = OnnxExport.Export(model, space, Discrete(3), null, "custom")
                let raw = Array.init samples (fun i -> float32 (i % 9 - 4))
                agree "Discrete observation" exported.Bytes model null space raw
            }

            test
                "the description names every weight the graph holds, with the model's values, and the file is ONNX IR 8, opset 17" {
                use trainer =
                    trained (A2COptions(Env = "Pendulum-v1", TotalTimesteps = 3000L, Seed = 3, Normalize = true))

                let exported = OnnxExport.Export trainer
                let proto = modelProto exported
                Expect.equal proto.IrVersion 8L "IR version"

                Expect.equal
                    (proto.OpsetImport |> Seq.map (fun o -> o.Domain, o.Version) |> List.ofSeq)
                    [ "", 17L ]
                    "opset"

                Expect.equal proto.ProducerName "a2c" "producer"
                let meta = proto.MetadataProps |> Seq.map (fun p -> p.Key, p.Value) |> Map.ofSeq
                Expect.equal meta["a2c.format"] "1" "format"
                Expect.equal meta["a2c.policy"] exported.Description "description"
                let description = (parse exported.Description).AsObject()

                let members = description |> Seq.map (fun p -> p.Key) |> Set.ofSeq

                let contract =
                    set
                        [
                            "env"
                            "observation_shape"
                            "observation_size"
                            "normalization"
                            "features"
                            "shared"
                            "activation"
                            "policy_trunk"
                            "value_trunk"
                            "actor"
                            "critic"
                            "distribution"
                        ]

                Expect.equal members contract "the contract's members"
                Expect.equal (text description "env") "Pendulum-v1" "env"

                let initializers =
                    proto.Graph.Initializer |> Seq.map (fun t -> t.Name, t) |> Map.ofSeq

                Expect.isTrue
                    (proto.Graph.Initializer
                     |> Seq.forall (fun t -> t.DataType = 1 && not t.RawData.IsEmpty))
                    "float raw_data initializers"

                let state = trainer.Agent.Model.state_dict ()

                let named =
                    [
                        for layer in
                            Seq.append
                                ((at "policy_trunk" description).AsArray())
                                ((at "value_trunk" description).AsArray()) do
                            text layer "weight"
                            text layer "bias"
                        for head in [ "actor"; "critic" ] do
                            text description[head] "weight"
                            text description[head] "bias"
                        text description["distribution"] "log_std"
                    ]

                Expect.equal (Set.ofList named) (Set.ofSeq state.Keys) "every state_dict tensor is named once"

                for name in named do
                    let tensor = initializers[name]

                    let values =
                        Array.init (tensor.RawData.Length / 4) (fun i ->
                            BitConverter.ToSingle(tensor.RawData.Span.Slice(i * 4, 4)))

                    let expected = state[name]
                    Expect.equal (List.ofSeq tensor.Dims) (List.ofArray expected.shape) $"{name}'s dims"
                    Expect.equal values (expected.data<float32>().ToArray()) $"{name}'s values"

                let normalizer = nonNull trainer.Normalizer
                let std = initializers["normalization.std"]

                let expected =
                    normalizer.ObservationStats.Var
                    |> Array.map (fun v -> float32 (sqrt (v + float Normalizer.DefaultEpsilon)))

                Expect.equal
                    (Array.init 3 (fun i -> BitConverter.ToSingle(std.RawData.Span.Slice(i * 4, 4))))
                    expected
                    "std = sqrt(var + 1e-8)"

                let distribution = at "distribution" description
                Expect.equal ((at "low" distribution).ToJsonString()) "[-2]" "the action Box's low"
                Expect.isTrue (distribution.AsObject().ContainsKey "sde" && isNull distribution["sde"]) "sde: null"
            }

            test "a model that does not fit the spaces is refused, naming both" {
                let spec = PolicySpec.For(Box(-1f, 1f, 3), Discrete(2), A2COptions())
                use model = A2C.Training.Tests.Helpers.newModel spec

                let e =
                    thrown<ArgumentException>(fun () ->
                        OnnxExport.Export(model, Box(-1f, 1f, 4), Discrete(2), null, "x") |> ignore)

                Expect.stringContains e.Message "observations of 3 floats" "the model's size"
                Expect.stringContains e.Message "has 4" "the space's size"

                let e =
                    thrown<ArgumentException>(fun () ->
                        OnnxExport.Export(model, Box(-1f, 1f, 3), Discrete(3), null, "x") |> ignore)

                Expect.stringContains e.Message "Discrete(3)" "the action space"
            }

            test "an unwritable path is an IOException naming it, and no file or temporary is left" {
                let spec = PolicySpec.For(Box(-1f, 1f, 3), Discrete(2), A2COptions())
                use model = A2C.Training.Tests.Helpers.newModel spec
                let dir = Path.Combine(Path.GetTempPath(), $"a2c-export-{Guid.NewGuid():N}")
                let path = Path.Combine(dir, "missing", "policy.onnx")

                try
                    Directory.CreateDirectory dir |> ignore

                    let e =
                        thrown<IOException>(fun () ->
                            OnnxExport.Write(path, model, Box(-1f, 1f, 3), Discrete(2), null, "x") |> ignore)

                    Expect.stringContains e.Message path "names the file"
                    Expect.isEmpty (Directory.GetFileSystemEntries dir) "nothing written"
                finally
                    Directory.Delete(dir, true)
            }
        ]
