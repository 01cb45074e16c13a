/// A2C.Policy agrees with the training engine (and ONNX Runtime with both) on 1,000 observations
/// from env rollouts for every kind of policy the trainer builds, its deterministic actions are the
/// engine's, and its netstandard2.1 build (scalar kernels) computes what its .NET build does.
module A2C.Policy.Tests.AgreementTests

open System
open System.IO
open System.Runtime.Loader
open A2C.Envs.Spaces
open A2C.Runtime
open A2C.Training
open A2C.Training.Tests.Export.OnnxChecks
open A2C.Policy.Tests.PolicyChecks
open Expecto

/// The engine's deterministic actions (Agent.Act on the normalized observations), clipped to the
/// bounds for Box as SB3's predict clips them, against A2C.Policy's.
let private sameDeterministicActions
    (label: string)
    (varied: bool)
    (trainer: Trainer)
    (bytes: byte[])
    (raw: float32[])
    =
    let policy = Policy.Load bytes
    let count = raw.Length / policy.ObservationSize

    let observations =
        match trainer.Normalizer with
        | null -> raw
        | n -> n.Observations raw

    let integers = Array.zeroCreate<int>(count * policy.ActionSize)
    let floats = Array.zeroCreate<float32>(count * policy.ActionSize)
    trainer.Agent.Act(observations, count, true, integers, floats, Array.zeroCreate count)
    let actions = policy.ActDeterministicBatch(ReadOnlySpan<float32> raw)

    if policy.ActionKind = ActionKind.Box then
        let clipped =
            floats
            |> Array.mapi (fun k v -> min (max v policy.Low[k % policy.ActionSize]) policy.High[k % policy.ActionSize])

        let actual = actions |> Array.collect (fun a -> a.Continuous)

        Expect.isLessThan
            (excess actual clipped)
            tolerance
            $"{label}: deterministic actions = the engine's mean, clipped"
    else
        let actual = actions |> Array.collect (fun a -> a.Integers)
        Expect.equal actual integers $"{label}: deterministic actions = the engine's"

        if varied then
            Expect.isGreaterThan (Array.distinct actual).Length 1 $"{label}: the actions vary with the observation"

/// A trained policy's agreement and deterministic actions; NatureCNN after 1,000 steps still picks
/// one action for every image (its logits vary, which the agreement checks), the others vary.
let private trainedCase (label: string) (options: A2COptions) =
    test label {
        let trainer, bytes, raw = trainedAgrees label options
        use _ = trainer
        sameDeterministicActions label (options.Policy <> PolicyKind.Cnn) trainer bytes raw
    }

/// The netstandard2.1 build of A2C.Policy (scalar kernels), loaded beside the .NET one in its own
/// load context: its outputs for raw, by name.
let private netstandardOutputs (bytes: byte[]) (raw: float32[]) =
    let path =
        Path.Combine(root, "src", "A2C.Policy", "bin", "Release", "netstandard2.1", "A2C.Policy.dll")

    Expect.isTrue (File.Exists path) $"{path} is built"
    let context = AssemblyLoadContext("netstandard2.1 A2C.Policy", true)

    try
        let assembly = context.LoadFromAssemblyPath path
        Expect.notEqual assembly (typeof<Policy>.Assembly) "another build than the .NET one"
        let policyType = nonNull (assembly.GetType "A2C.Runtime.Policy")

        let load =
            nonNull (policyType.GetMethod("Load", [| typeof<byte[]>; typeof<string> |]))

        let policy = load.Invoke(null, [| box bytes; box "policy.onnx" |])
        let flags = Reflection.BindingFlags.NonPublic ||| Reflection.BindingFlags.Instance
        let evaluate = nonNull (policyType.GetMethod("EvaluateArray", flags))
        let outputs = nonNull (evaluate.Invoke(policy, [| box raw |]))

        let read name =
            nonNull ((nonNull (outputs.GetType().GetProperty(name: string))).GetValue outputs) :?> float32[]

        [
            "logits", read "Logits"
            "mean", read "Mean"
            "std", read "Std"
            "value", read "Values"
        ]
        |> List.filter (fun (_, v) -> v.Length > 0)
        |> Map.ofList
    finally
        context.Unload()

[<Tests>]
let tests =
    testSequenced
    <| testList
        "A2C.Policy agreement"
        [
            trainedCase "CartPole-v1 MlpPolicy (separate tanh [64, 64])" (short "CartPole-v1")

            trainedCase
                "CartPole-v1 shared relu trunk without hidden layers"
                (A2COptions(
                    Env = "CartPole-v1",
                    TotalTimesteps = 3000L,
                    Seed = 3,
                    Net = NetKind.Shared,
                    NetArch = [||],
                    Activation = Activation.Relu
                ))

            trainedCase
                "Pendulum-v1 Gaussian with --normalize"
                (A2COptions(Env = "Pendulum-v1", TotalTimesteps = 3000L, Seed = 3, Normalize = true))

            trainedCase
                "Pendulum-v1 gSDE (full_std, shared relu)"
                (A2COptions(
                    Env = "Pendulum-v1",
                    TotalTimesteps = 3000L,
                    Seed = 3,
                    UseSde = true,
                    Net = NetKind.Shared,
                    Activation = Activation.Relu
                ))

            trainedCase
                "MountainCarContinuous-v0 gSDE (full_std false) with --normalize"
                (A2COptions(
                    Env = "MountainCarContinuous-v0",
                    TotalTimesteps = 3000L,
                    Seed = 3,
                    UseSde = true,
                    FullStd = false,
                    Normalize = true,
                    NetArch = [| 32 |]
                ))

            trainedCase
                "ImageIdentity-v0 CnnPolicy (NatureCNN)"
                (A2COptions(Env = "ImageIdentity-v0", Seed = 3, Policy = PolicyKind.Cnn, TotalTimesteps = 1000L))

            trainedCase
                "ImageIdentity-v0 MlpPolicy (pixels / 255)"
                (A2COptions(Env = "ImageIdentity-v0", Seed = 3, Policy = PolicyKind.Mlp, TotalTimesteps = 1000L))

            trainedCase
                "SimpleMultiObs-v0 MultiInputPolicy (Dict) with --normalize"
                (A2COptions(Env = "SimpleMultiObs-v0", Seed = 3, Normalize = true, TotalTimesteps = 1000L))

            trainedCase
                "IdentityMultiDiscrete-v0 (one-hot in, multi-categorical out)"
                (short "IdentityMultiDiscrete-v0")

            trainedCase "IdentityMultiBinary-v0 (Bernoulli)" (short "IdentityMultiBinary-v0")

            test
                "the netstandard2.1 build (scalar loops) agrees with the .NET build (256-bit loops) on a CnnPolicy and a normalized Gaussian" {
                for label, options in
                    [
                        "ImageIdentity-v0", A2COptions(Env = "ImageIdentity-v0", Seed = 3, TotalTimesteps = 1000L)
                        "Pendulum-v1",
                        A2COptions(Env = "Pendulum-v1", TotalTimesteps = 3000L, Seed = 3, Normalize = true)
                    ] do
                    use trainer = trained options
                    let bytes = (OnnxExport.Export trainer).Bytes
                    let raw = rollout options.Env samples 11
                    let expected = policyOutputs (Policy.Load bytes) raw
                    let actual = netstandardOutputs bytes raw
                    Expect.equal (Set.ofSeq actual.Keys) (Set.ofSeq expected.Keys) $"{label}: the same outputs"

                    for KeyValue(name, values) in expected do
                        Expect.isLessThan
                            (excess actual[name] values)
                            tolerance
                            $"{label}: {name}, netstandard2.1 against net10.0"
            }

            test "a Discrete(5, start=-2) observation is one-hot encoded as the engine does, clamped out of range" {
                let space = Discrete(5, -2)
                let spec = PolicySpec.For(space, Discrete(3), A2COptions(OrthoInit = false))
                use model = A2C.Training.Tests.Helpers.newModel spec
                let exported = OnnxExport.Export(model, space, Discrete(3), null, "custom")
                let raw = Array.init samples (fun i -> float32 (i % 9 - 4))
                policyAgrees "Discrete observation" exported.Bytes model null raw |> ignore
            }
        ]
