/// The policy operators (Act, ActContinuous): the agent's own actions on a stream of
/// observations, and a simulator's loop driven through them.
module A2C.Training.Tests.Acting.PolicyOperatorsTests

open System
open System.Reactive.Concurrency
open System.Reactive.Linq
open System.Reactive.Subjects
open System.Threading
open A2C.Envs
open A2C.Envs.Simulators
open A2C.Envs.Spaces
open A2C.Training
open Expecto
open TorchSharp
open A2C.Envs.Tests.Simulators.SimulatorFakes
open A2C.Training.Tests.Helpers

[<Tests>]
let tests =
    testSequenced
    <| testList
        "acting"
        [
            test
                "ActIntegers gives a MultiDiscrete agent's own actions, one array per observation; Act refuses it, naming ActIntegers" {
                use env = Registry.Make "IdentityMultiDiscrete-v0"
                let spec = PolicySpec.For(env.ObservationSpace, env.ActionSpace, A2COptions())
                use model = newModel spec
                let rng = Rng 4L

                let observations =
                    [ for _ in 1..30 -> Array.init 2 (fun k -> float32 (rng.NextInt(3 + k))) ]

                use viaOperator = new Agent(model, 6L, torch.CPU)
                use direct = new Agent(model, 6L, torch.CPU)

                let actual =
                    guarded (fun () -> observations.ToObservable().ActIntegers(viaOperator, false).ToList().Wait())

                let expected =
                    [
                        for o in observations do
                            let action = [| 0; 0 |]
                            direct.Act(o, 1, false, action, [||], [| 0f |])
                            action
                    ]

                Expect.equal (List.ofSeq actual) expected "sampled, as the agent samples"
                Expect.isTrue (actual |> Seq.forall (fun a -> a[0] < 3 && a[1] < 4)) "inside nvec"

                let refused =
                    Expect.throwsT<ArgumentException>
                        (fun () -> observations.ToObservable().Act(viaOperator) |> ignore)
                        "Act"

                ()
            }

            test
                "the policy operator gives the agent's own actions: sampled or not, on a scheduler or not, with a normalizer" {
                use model =
                    newModel (PolicySpec(4, 3, false, NetKind.Separate, [| 16 |], Activation.Tanh, true, 0f))

                let rng = Rng 3L

                let observations =
                    [ for _ in 1..50 -> Array.init 4 (fun _ -> float32 (rng.Normal())) ]

                use loop = new EventLoopScheduler()

                for deterministic, scheduler in [ true, None; false, None; false, Some(loop :> IScheduler) ] do
                    use viaOperator = new Agent(model, 5L, torch.CPU)
                    use direct = new Agent(model, 5L, torch.CPU)

                    let actual =
                        guarded (fun () ->
                            observations
                                .ToObservable()
                                .Act(viaOperator, deterministic, Option.toObj scheduler)
                                .ToList()
                                .Wait())

                    let expected =
                        [
                            for o in observations do
                                let action = [| 0 |]
                                direct.Act(o, 1, deterministic, action, [||], [| 0f |])
                                action.[0]
                        ]

                    Expect.equal
                        (List.ofSeq actual)
                        expected
                        $"deterministic {deterministic}, scheduler {scheduler.IsSome}"

                // With the run's normalizer, the agent sees normalized observations.
                let normalizer = Normalizer(1, 4, 0.99f)

                normalizer.Reset(Array.map (fun x -> 3f * x + 1f) (Array.concat observations))
                |> ignore

                use viaOperator = new Agent(model, 5L, torch.CPU)

                let actual =
                    guarded (fun () ->
                        observations.ToObservable().Act(viaOperator, true, normalizer = normalizer).ToList().Wait())

                let greedy (o: float32[]) =
                    let action = [| 0 |]
                    viaOperator.Act(o, 1, true, action, [||], [| 0f |])
                    action.[0]

                let expected = [ for o in observations -> greedy (normalizer.Observations o) ]
                Expect.notEqual expected [ for o in observations -> greedy o ] "normalizing changes some actions here"
                Expect.equal (List.ofSeq actual) expected "with a normalizer"

                let error =
                    thrown<ArgumentException>(fun () ->
                        [ [| 0f; 0f; 0f; 0f |]; [| 0f; 0f; 0f |] ].ToObservable().Act(viaOperator).ToList().Wait()
                        |> ignore)

                Expect.stringContains error.Message "observation 1 has 3 values; the policy takes 4" error.Message
            }

            test "the policy operator gives the Gaussian policy's actions, clipped to the box when asked" {
                use model =
                    newModel (PolicySpec(3, 2, true, NetKind.Separate, [| 16 |], Activation.Tanh, true, 0f))

                let rng = Rng 4L

                let observations =
                    [ for _ in 1..50 -> Array.init 3 (fun _ -> float32 (rng.Normal())) ]

                let box = Box(-0.5f, 0.5f, 2)
                use viaOperator = new Agent(model, 6L, torch.CPU)
                use direct = new Agent(model, 6L, torch.CPU)

                let actual =
                    guarded (fun () ->
                        observations.ToObservable().ActContinuous(viaOperator, false, box).ToList().Wait())

                let expected =
                    [
                        for o in observations do
                            let action = [| 0f; 0f |]
                            direct.Act(o, 1, false, [||], action, [| 0f |])
                            box.Clip(Span action)
                            action
                    ]

                Expect.equal (List.ofSeq actual) expected "the same clipped samples"
                Expect.exists expected (fun a -> abs a.[0] = 0.5f || abs a.[1] = 0.5f) "some were clipped"
            }

            test
                "a simulator's own loop drives an env through EnvSimulator and the agent through Act: the episodes of a direct loop" {
                use model =
                    newModel (PolicySpec(4, 2, false, NetKind.Separate, [| 16 |], Activation.Tanh, true, 0f))

                let directReturns =
                    use agent = new Agent(model, 9L, torch.CPU)
                    use env = Registry.Make "CartPole-v1"
                    let returns = ResizeArray()
                    let mutable observation = EnvExtensions.Reset(env, Nullable 4)
                    let mutable episodeReturn = 0.0
                    let action = [| 0 |]

                    while returns.Count < 5 do
                        agent.Act(observation, 1, false, action, [||], [| 0f |])
                        let transition = EnvExtensions.Step(env, action.[0])
                        episodeReturn <- episodeReturn + transition.Reward

                        if transition.Terminated || transition.Truncated then
                            returns.Add episodeReturn
                            episodeReturn <- 0.0
                            observation <- EnvExtensions.Reset(env)
                        else
                            observation <- transition.Observation

                    List.ofSeq returns

                use agent = new Agent(model, 9L, torch.CPU)
                use env = Registry.Make "CartPole-v1"
                let simulator = EnvSimulator(env)
                use observations = new Subject<float32[]>()
                // The scheduler keeps the agent on one thread and breaks the loop's recursion.
                use loop = new EventLoopScheduler()
                use finished = new ManualResetEventSlim()
                let returns = ResizeArray()
                let mutable episodeReturn = 0.0

                use _ =
                    observations
                        .Act(agent, false, loop)
                        .Subscribe(fun action -> simulator.OnNext(DiscreteActionCommand action))

                use _ =
                    simulator.Subscribe(fun tick ->
                        episodeReturn <- episodeReturn + tick.Reward

                        if not tick.Done then
                            observations.OnNext tick.Observation
                        else
                            returns.Add episodeReturn
                            episodeReturn <- 0.0

                            if returns.Count < 5 then
                                simulator.OnNext(ResetCommand(Nullable()))
                            else
                                finished.Set())

                simulator.OnNext(ResetCommand(Nullable 4))
                Expect.isTrue (finished.Wait(TimeSpan.FromSeconds 20.0)) "five episodes within 20 s"
                Expect.equal (List.ofSeq returns) directReturns "the same episodes"
            }

        ]
