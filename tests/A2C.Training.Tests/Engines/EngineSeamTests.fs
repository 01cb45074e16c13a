module A2C.Training.Tests.Engines.EngineSeamTests

open System
open A2C.Core
open A2C.Training
open Expecto
open FsCheck
open FsCheck.FSharp
open TorchSharp

/// Real TorchSharp models and autograd in every case: 60 keep the property to a few seconds.
let private config =
    { FsCheckConfig.defaultConfig with
        maxTest = 60
    }

/// A random network and a random rollout for it, with the advantages and returns to learn from.
type private SeamCase =
    {
        Spec: PolicySpec
        Rollout: RolloutBuffer
        Advantages: float32[]
        Returns: float32[]
        Loss: LossOptions
        Seed: int
    }

let private seamCaseGen =
    gen {
        let! observationSize = Gen.choose (1, 10)
        let! actions = Gen.choose (1, 4)
        let! continuous = Gen.elements [ false; true ]
        let! net = Gen.elements [ NetKind.Separate; NetKind.Shared ]
        let! depth = Gen.choose (0, 2)
        let! arch = Gen.listOfLength depth (Gen.elements [ 1; 5; 16; 64 ])
        let! activation = Gen.elements [ Activation.Tanh; Activation.Relu ]
        let! steps = Gen.choose (1, 6)
        let! envs = Gen.choose (1, 9)
        let total = steps * envs
        let number = Gen.choose (-2000, 2000) |> Gen.map (fun x -> float32 x / 1000f)
        let! observations = Gen.arrayOfLength (total * observationSize) number
        let! discrete = Gen.arrayOfLength total (Gen.choose (0, actions - 1))
        let! box = Gen.arrayOfLength (total * actions) number
        let! advantages = Gen.arrayOfLength total number
        let! returns = Gen.arrayOfLength total number
        let! normalize = Gen.elements [ false; true ]
        let! huber = Gen.elements [ false; true ]
        let! entCoef = Gen.elements [ 0f; 0.01f; 0.5f ]
        let! seed = Gen.choose (0, 10_000)

        let rollout =
            RolloutBuffer(steps, envs, observationSize, (if continuous then actions else 1), not continuous)

        observations.CopyTo(rollout.Observations, 0)

        if continuous then
            box.CopyTo(rollout.ContinuousActions, 0)
        else
            discrete.CopyTo(rollout.DiscreteActions, 0)

        return
            {
                Spec = PolicySpec(observationSize, actions, continuous, net, List.toArray arch, activation, true, -0.3f)
                Rollout = rollout
                Advantages = advantages
                Returns = returns
                Loss =
                    { LossOptions.a2cDefaults with
                        NormalizeAdvantage = normalize
                        ValueLoss = (if huber then ValueLoss.Huber else ValueLoss.Mse)
                        EntCoef = entCoef
                    }
                Seed = seed
            }
    }

/// Agreement to float32 rounding, relative to the largest magnitude involved.
let private close (label: string) (expected: float32[]) (actual: float32[]) =
    let scale =
        1f + (Array.append expected actual |> Array.fold (fun m x -> max m (abs x)) 0f)

    let worst =
        Array.map2 (fun (e: float32) (a: float32) -> abs (e - a)) expected actual
        |> Array.fold max 0f

    worst <= 2e-5f * scale
    |> Prop.label $"{label}: largest difference {worst} at scale {scale}"

let private closeNumber (label: string) (expected: float) (actual: float) =
    abs (expected - actual) <= 2e-5 * (1.0 + abs expected)
    |> Prop.label $"{label}: {expected} against {actual}"

/// A CUDA device as an option names it; made without initializing CUDA, which this machine may lack.
let private cuda = torch.Device(DeviceType.CUDA)

/// What one engine computes for a case: inference outputs, the loss and the gradient vector.
let private through (kind: Engine) (model: ActorCritic) (c: SeamCase) =
    let engine = EngineChoice.Create(kind, model, torch.CPU)
    let total = c.Rollout.Steps * c.Rollout.Envs
    let actor = Array.zeroCreate (total * c.Spec.ActionCount)
    let values = Array.zeroCreate total
    engine.Forward(ReadOnlySpan c.Rollout.Observations, total, Span actor, Span values)
    let onlyValues = Array.zeroCreate total
    engine.Forward(ReadOnlySpan c.Rollout.Observations, total, Span<float32>.Empty, Span onlyValues)
    // Stale gradients from before must not leak into the new ones.
    Array.Fill(nonNull model.Flat.HostGradients, 7f)
    let loss = engine.Gradient(c.Rollout, c.Loss, c.Advantages, c.Returns)
    engine.Kind, actor, values, onlyValues, loss, Array.copy (nonNull model.Flat.HostGradients)

[<Tests>]
let tests =
    testSequenced
    <| testList
        "engine seam"
        [
            test "Auto is the .NET engine on the CPU and TorchSharp elsewhere; the .NET engine is refused off the CPU" {
                Expect.equal (EngineChoice.Resolve(Engine.Auto, torch.CPU)) Engine.DotNet "auto on the CPU"
                Expect.equal (EngineChoice.Resolve(Engine.Auto, cuda)) Engine.Torch "auto on CUDA"
                Expect.equal (EngineChoice.Resolve(Engine.Torch, torch.CPU)) Engine.Torch "torch stays torch"
                Expect.equal (EngineChoice.Resolve(Engine.DotNet, torch.CPU)) Engine.DotNet "dotnet on the CPU"

                Expect.throwsT<ArgumentException>
                    (fun () -> EngineChoice.Resolve(Engine.DotNet, cuda) |> ignore)
                    "dotnet on CUDA"
            }

            test "the agent's engine is the one its learner uses, and a learner on another device is refused" {
                let spec =
                    PolicySpec(3, 2, false, NetKind.Separate, [| 4 |], Activation.Tanh, true, 0f)

                use model = new ActorCritic(spec)

                for kind in [ Engine.Auto; Engine.DotNet; Engine.Torch ] do
                    use agent = new Agent(model, 1L, torch.CPU, kind)
                    use learner = new Learner(agent, A2COptions(), torch.CPU)
                    Expect.equal agent.Engine (EngineChoice.Resolve(kind, torch.CPU)) $"{kind} resolved once"
                    Expect.isTrue (Object.ReferenceEquals(learner.Agent.Compute, agent.Compute)) "one engine for both"

                use agent = new Agent(model, 1L, torch.CPU)

                Expect.throwsT<ArgumentException>
                    (fun () -> new Learner(agent, A2COptions(), cuda) |> ignore)
                    "a learner whose device is not its agent's"
            }

            testPropertyWithConfig
                config
                "both engines give the same actor outputs, values, loss and gradient vector for a rollout"
            <| Prop.forAll (Arb.fromGen seamCaseGen) (fun c ->
                use model = ActorCritic.Seeded(c.Spec, (int64 c.Seed))

                let torchKind, torchActor, torchValues, torchOnly, torchLoss, torchGradients =
                    through Engine.Torch model c

                let kind, actor, values, onlyValues, loss, gradients = through Engine.DotNet model c

                ((torchKind = Engine.Torch && kind = Engine.DotNet) |> Prop.label "kinds")
                .&. close "actor" torchActor actor
                .&. close "values" torchValues values
                .&. close "values alone" values onlyValues
                .&. close "torch values alone" torchValues torchOnly
                .&. closeNumber "total loss" torchLoss.Total loss.Total
                .&. closeNumber "policy loss" torchLoss.Policy loss.Policy
                .&. closeNumber "value loss" torchLoss.Value loss.Value
                .&. closeNumber "entropy" torchLoss.Entropy loss.Entropy
                .&. close "gradients" torchGradients gradients)

            for kind in [ Engine.DotNet; Engine.Torch ] do
                test $"a loss that is not finite is refused by the {kind} engine before it touches the gradients" {
                    let spec =
                        PolicySpec(2, 2, false, NetKind.Separate, [| 8 |], Activation.Tanh, true, 0f)

                    use model = ActorCritic.Seeded(spec, 1L)
                    let engine = EngineChoice.Create(kind, model, torch.CPU)
                    let rollout = RolloutBuffer(2, 1, 2, 1, true)
                    let gradients = nonNull model.Flat.HostGradients
                    Array.Fill(gradients, 3f)

                    Expect.throwsT<NonFiniteUpdateException>
                        (fun () ->
                            engine.Gradient(rollout, LossOptions.a2cDefaults, [| 1f; nanf |], [| 0f; 0f |])
                            |> ignore)
                        "NaN advantage"

                    Expect.isTrue (gradients |> Array.forall ((=) 3f)) "the gradient vector as it was"
                }
        ]
