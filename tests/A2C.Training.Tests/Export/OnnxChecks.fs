/// What the export tests of the library and of the CLI share: observations from env rollouts, an
/// exported file run in ONNX Runtime, the model's own forward pass, and the check that they agree.
module A2C.Training.Tests.Export.OnnxChecks

open System
open System.IO
open A2C.Envs
open A2C.Envs.Spaces
open A2C.Envs.Vector
open A2C.Training
open Expecto
open Microsoft.ML.OnnxRuntime
open TorchSharp

/// Observations each check compares on.
let samples = 1000

/// The largest difference allowed (relative past magnitude 1).
let tolerance = 1e-5

/// A trainer that has learned for a few thousand steps, so the weights are not the initial ones.
let trained (options: A2COptions) =
    let trainer = new Trainer(options)
    trainer.Run() |> ignore
    trainer

/// count observations (raw, flat, row after row) met by acting at random in fresh envs of id.
let rollout (id: string) (count: int) (seed: int) =
    use env = EnvFactory.Create(id, 4)
    let rng = Rng(int64 seed)
    let size = env.ObservationSize
    let seen = ResizeArray<float32>()
    env.Reset(Nullable seed)

    while seen.Count < count * size do
        seen.AddRange env.Observations
        let space = env.SingleActionSpace
        let actions = Array.zeroCreate<float32>(env.NumEnvs * space.FlatSize)

        for i in 0 .. env.NumEnvs - 1 do
            space.Sample(rng, Span(actions, i * space.FlatSize, space.FlatSize))

        match space with
        | :? Box -> env.Step(ReadOnlySpan<float32> actions)
        | _ -> env.Step(ReadOnlySpan<int>(Array.map int actions))

    seen.GetRange(0, count * size).ToArray()

/// The graph's input shape for count observations of space: [count, *shape].
let inputShape (space: Space) (count: int) =
    match space with
    | :? Box as box -> Array.append [| int64 count |] (box.Shape |> Seq.map int64 |> Array.ofSeq)
    | _ -> [| int64 count; int64 space.FlatSize |]

/// Runs an exported file in ONNX Runtime: every output by name, as (values, shape).
let runOnnx (bytes: byte[]) (raw: float32[]) (shape: int64[]) =
    use session = new InferenceSession(bytes)
    use input = OrtValue.CreateTensorValueFromMemory(raw, shape)
    use options = new RunOptions()
    let names = session.OutputMetadata.Keys |> Array.ofSeq
    use outputs = session.Run(options, [| "obs" |], [| input |], names)

    Seq.zip names outputs
    |> Seq.map (fun (name, value) ->
        name, (value.GetTensorDataAsSpan<float32>().ToArray(), value.GetTensorTypeAndShape().Shape))
    |> Map.ofSeq

/// The model's own outputs for the same raw observations: normalized by the run's normalizer, then
/// ActorCritic.EvaluateWithLatent, with the std as the Gaussian (or gSDE) distribution computes it.
let runEngine (model: ActorCritic) (normalizer: Normalizer | null) (raw: float32[]) (count: int) =
    let outputs = PolicyOutputs.Of(model, normalizer, raw, count)

    [
        (if model.Spec.Continuous then "mean" else "logits"), outputs.Actor
        "value", outputs.Values
        match outputs.Std with
        | null -> ()
        | std -> "std", std
    ]
    |> Map.ofList

/// Runs an exported file and the model, and checks every output's shape and its largest difference.
let agree
    (label: string)
    (onnxFile: byte[])
    (model: ActorCritic)
    (normalizer: Normalizer | null)
    (space: Space)
    (raw: float32[])
    =
    let count = raw.Length / space.FlatSize
    let onnx = runOnnx onnxFile raw (inputShape space count)
    let engine = runEngine model normalizer raw count
    let expectedNames = Set.ofSeq engine.Keys
    Expect.equal (Set.ofSeq onnx.Keys) expectedNames $"{label}: the graph's outputs"

    for KeyValue(name, expected) in engine do
        let actual, shape = onnx[name]
        let width = expected.Length / count
        Expect.equal shape [| int64 count; int64 width |] $"{label}: {name}'s shape"
        Expect.isTrue (expected |> Array.forall Single.IsFinite) $"{label}: the engine's {name} is finite"
        // 1e-5 absolute, or relative past magnitude 1: two float32 computations of a value near 26
        // (NatureCNN's critic) each lie about 1e-5 from the float64 result, a few of its ulps.
        let excess =
            Array.map2
                (fun (a: float32) (b: float32) -> abs (float a - float b) / max 1.0 (abs (float b)))
                actual
                expected
            |> Array.max

        Expect.isLessThan
            excess
            tolerance
            $"{label}: max |ONNX - engine| / max(1, |engine|) of {name} over {count} observations"

    // The agreement means something only if the outputs depend on the observation.
    for KeyValue(name, values) in engine do
        if name <> "std" || model.Spec.UseSde then
            Expect.isGreaterThan (Array.distinct values).Length 1 $"{label}: {name} varies with the observation"
