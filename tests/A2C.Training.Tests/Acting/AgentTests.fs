module A2C.Training.Tests.Acting.AgentTests

open System
open A2C.Core
open A2C.Training
open A2C.Training.Tests.Helpers
open Expecto
open TorchSharp

/// A gSDE policy over 3 observations and 2 action dims, latent width 8.
let private sdeSpec fullStd =
    PolicySpec(3, 2, true, NetKind.Separate, [| 8 |], Activation.Tanh, false, -0.5f, UseSde = true, FullStd = fullStd)

let private observations = [| 0.3f; -0.2f; 0.9f; -1.0f; 0.5f; 0.1f |]

/// Actions and values of `agent` for the two observations.
let private act (agent: Agent) deterministic =
    let actions = Array.zeroCreate<float32> 4
    let values = Array.zeroCreate<float32> 2
    agent.Act(observations, 2, deterministic, [||], actions, values)
    actions

let private means (model: ActorCritic) =
    use _ = torch.NewDisposeScope()
    use _ = torch.no_grad ()
    let struct (actor, _) = model.Evaluate(torch.tensor(observations).reshape(2L, 3L))
    actor.data<float32>().ToArray()

[<Tests>]
let tests =
    testSequenced
    <| testList
        "agent, gSDE"
        [
            test "auto picks the torch engine for gSDE; dotnet is refused, saying to use torch" {
                use model = newModel (sdeSpec true)
                use agent = new Agent(model, 7L, torch.CPU)
                Expect.equal agent.Engine Engine.Torch "auto"

                let e =
                    Expect.throwsC (fun () -> new Agent(model, 7L, torch.CPU, Engine.DotNet) |> ignore) id

                Expect.stringContains
                    e.Message
                    "engine dotnet does not compute gSDE (use_sde); use --engine torch"
                    "names the fix"
            }

            test "deterministic acting is the mean, whatever the exploration matrices" {
                use model = newModel (sdeSpec true)
                use agent = new Agent(model, 7L, torch.CPU)
                let mean = means model
                let first = act agent true
                agent.ResetNoise 2
                let second = act agent true
                Expect.sequenceEqual first mean "the mean"
                Expect.sequenceEqual second mean "the mean after new matrices"
                Expect.notEqual (act agent false) mean "sampled actions are not the mean"
            }

            test "same seed, same actions; another seed, other actions; the noise stays until it is resampled" {
                let run seed (freq: int) =
                    use model = newModel (sdeSpec false)
                    use agent = new Agent(model, seed, torch.CPU, SdeSampleFreq = freq)
                    let policy = agent :> IPolicy

                    [
                        for step in 0..5 do
                            policy.BeginStep step
                            act agent false
                    ]

                let a = run 7L 2
                Expect.equal (run 7L 2) a "same seed, same actions"
                Expect.notEqual (run 8L 2) a "another seed"
                // One matrix per rollout (-1): the observations repeat, so the actions do too.
                let once = run 7L -1
                Expect.isTrue (once |> List.forall (fun x -> x = once.Head)) "fixed between resamplings"
                Expect.sequenceEqual a.[0] once.[0] "step 0 draws the same first matrices"
                Expect.equal a.[1] a.[0] "sde_sample_freq 2: step 1 keeps them"
                Expect.notEqual a.[2] a.[1] "step 2 draws new ones"
                Expect.equal a.[3] a.[2] "step 3 keeps them"
            }

            test "exploration noise has the gSDE std: sqrt(latent^2 @ exp(log_std)^2)" {
                for fullStd in [ true; false ] do
                    use model = newModel (sdeSpec fullStd)
                    use agent = new Agent(model, 11L, torch.CPU)
                    let mean = means model
                    let draws = 4000

                    let noise =
                        Array.init draws (fun _ ->
                            agent.ResetNoise 2
                            Array.map2 (-) (act agent false) mean)

                    let expected =
                        use _ = torch.NewDisposeScope()
                        use _ = torch.no_grad ()

                        let struct (_, _, latent) =
                            model.EvaluateWithLatent(torch.tensor(observations).reshape(2L, 3L))

                        let std = Distributions.sdeStd latent (nonNull model.LogStd) 2L false
                        // Without the epsilon the noise has: the matrices' own variance.
                        (std * std - Distributions.sdeEpsilon).data<float32>().ToArray()

                    for k in 0..3 do
                        let variance = noise |> Array.averageBy (fun n -> float n.[k] * float n.[k])
                        let mean' = noise |> Array.averageBy (fun n -> float n.[k])

                        let label =
                            $"full_std {fullStd}, entry {k}: variance {variance}, expected {expected.[k]}"

                        Expect.isLessThan (abs (variance / float expected.[k] - 1.0)) 0.1 label

                        Expect.isLessThan
                            (abs mean')
                            (4.0 * sqrt (float expected.[k] / float draws))
                            $"{label}: zero mean"
            }

            test "use_sde with discrete actions is refused, naming the action space" {
                let options =
                    A2COptions(Env = "CartPole-v1", UseSde = true, NEnvs = 2, TotalTimesteps = 100L)

                let e = Expect.throwsC (fun () -> new Trainer(options) |> ignore) id

                Expect.stringContains
                    e.Message
                    "use_sde needs a Box action space; CartPole-v1 has Discrete(2) actions"
                    "the message"
            }
        ]
