/// What the A2C.Policy tests share: a policy's outputs as the export tests name them, and the check
/// that they agree with the training engine's forward pass on the same raw observations.
module A2C.Policy.Tests.PolicyChecks

open System
open System.IO
open A2C.Envs.Spaces
open A2C.Runtime
open A2C.Training
open A2C.Training.Tests.Export.OnnxChecks
open Expecto

/// The repository's root, from tests/A2C.Policy.Tests/bin/Release/net10.0.
let root =
    Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."))

/// A policy's outputs for raw observations, by the ONNX graph's output names.
let policyOutputs (policy: Policy) (raw: float32[]) =
    let outputs = policy.Evaluate(ReadOnlySpan<float32> raw)

    [
        if policy.ActionKind = ActionKind.Box then
            "mean", outputs.Mean
            "std", outputs.Std
        else
            "logits", outputs.Logits
        "value", outputs.Values
    ]
    |> Map.ofList

/// The largest |actual - expected| / max(1, |expected|).
let excess (actual: float32[]) (expected: float32[]) =
    Array.map2 (fun (a: float32) (b: float32) -> abs (float a - float b) / max 1.0 (abs (float b))) actual expected
    |> Array.max

/// A2C.Policy on the exported bytes agrees with the engine on raw, output by output, within the
/// export tests' bound; returns the largest absolute difference of each output.
let policyAgrees (label: string) (bytes: byte[]) (model: ActorCritic) (normalizer: Normalizer | null) (raw: float32[]) =
    let policy = Policy.Load(bytes, label)
    let count = raw.Length / policy.ObservationSize
    let engine = runEngine model normalizer raw count
    let actual = policyOutputs policy raw
    Expect.equal (Set.ofSeq actual.Keys) (Set.ofSeq engine.Keys) $"{label}: A2C.Policy's outputs"

    [
        for KeyValue(name, expected) in engine do
            let values = actual[name]
            Expect.equal values.Length expected.Length $"{label}: {name}'s length"
            Expect.isTrue (values |> Array.forall Single.IsFinite) $"{label}: A2C.Policy's {name} is finite"

            Expect.isLessThan
                (excess values expected)
                tolerance
                $"{label}: max |A2C.Policy - engine| / max(1, |engine|) of {name} over {count} observations"

            name,
            Array.map2 (fun (a: float32) (b: float32) -> abs (a - b)) values expected
            |> Array.max
    ]
    |> Map.ofList

/// Trains briefly, exports, and checks ONNX Runtime and A2C.Policy against the engine on 1,000
/// observations; returns the trainer (to dispose), the file and the observations.
let trainedAgrees (label: string) (options: A2COptions) =
    let trainer = trained options
    let exported = OnnxExport.Export trainer
    let raw = rollout options.Env samples 11
    let space = trainer.Env.SingleObservationSpace
    agree label exported.Bytes trainer.Agent.Model trainer.Normalizer space raw

    let differences =
        policyAgrees label exported.Bytes trainer.Agent.Model trainer.Normalizer raw

    printfn
        "%s: %s"
        label
        (differences
         |> Seq.map (fun (KeyValue(k, v)) -> $"{k} {v:E1}")
         |> String.concat ", ")

    trainer, exported.Bytes, raw

/// Brief training on env.
let short (env: string) =
    A2COptions(Env = env, TotalTimesteps = 3000L, Seed = 3)
