/// The rollout stream over simulators that push: batches, and the errors of a simulator that
/// falls silent or fails, as the stream reports them.
module A2C.Training.Tests.Rollouts.SimulatorRolloutTests

open System
open System.Reactive.Concurrency
open System.Reactive.Linq
open A2C.Envs.Simulators
open A2C.Envs.Spaces
open A2C.Envs.Vector
open A2C.Training
open Expecto
open A2C.Envs.Tests.Simulators.SimulatorFakes

/// Action i mod 2 for env i; V(s) = 0.5 everywhere.
type private ParityPolicy() =
    interface IPolicy with
        member _.Act(_, count, discrete, _, values) =
            for i in 0 .. count - 1 do
                discrete.[i] <- i % 2
                values.[i] <- 0.5f

        member _.Values(_, count, values) =
            for i in 0 .. count - 1 do
                values.[i] <- 0.5f

/// What the rollout stream over `env` fails with (within 100 rollouts of the parity policy).
let private rolloutFailure (env: IVectorEnv) =
    thrown<RolloutException>(fun () ->
        RolloutStream.Create(env, ParityPolicy(), Nullable 0, Scheduler.CurrentThread).Take(100).ToList().Wait()
        |> ignore)


[<Tests>]
let tests =
    testSequenced
    <| testList
        "simulators that push"
        [
            test "the rollout stream collects batches from threaded simulators unchanged" {
                let sims = threeSims (newSeeds ()) None None

                try
                    use env = adapterOver sims 5000.0

                    let batches =
                        guarded (fun () ->
                            RolloutStream
                                .Create(env, ParityPolicy(), Nullable 0, Scheduler.CurrentThread)
                                .Take(8)
                                .ToList()
                                .Wait())

                    for b in batches do
                        Expect.equal b.Observations.Length 9 "N x obs"
                        Expect.equal b.Rewards.Length 3 "one reward per simulator"

                    let column (field: StepBatch -> 'a[]) i = [ for b in batches -> (field b).[i] ]

                    Expect.equal
                        (column (fun b -> b.Terminated.ToArray()) 0)
                        [ false; true; false; true; false; true; false; true ]
                        "sim-0 ends every 2 steps"

                    Expect.equal
                        (column (fun b -> b.Terminated.ToArray()) 1)
                        [ false; false; true; false; false; true; false; false ]
                        "sim-1 every 3"

                    Expect.equal
                        (column (fun b -> b.Truncated.ToArray()) 2)
                        [ false; false; false; true; false; false; false; true ]
                        "sim-2 truncated every 4"

                    Expect.equal
                        (column (fun b -> b.FinalValues.ToArray()) 2)
                        [ 0f; 0f; 0f; 0.5f; 0f; 0f; 0f; 0.5f ]
                        "bootstrapped from the final observation's value"

                    Expect.equal
                        (column (fun b -> b.Rewards.ToArray()) 1)
                        [ 1f; 1f; 11f; 1f; 1f; 11f; 1f; 1f ]
                        "sim-1 got action 1"

                    Expect.equal
                        (batches.[1].NextObservations.ToArray().[0..2])
                        [| 0f; 0f; 0f |]
                        "auto-reset in the same step"

                    Expect.equal
                        [
                            for b in batches do
                                for e in b.FinishedEpisodes.ToArray() -> e.Env, e.Length
                        ]
                        [ 0, 2; 1, 3; 0, 2; 2, 4; 0, 2; 1, 3; 0, 2; 2, 4 ]
                        "finished episodes, in order"

                    env.Dispose()

                    for s in sims do
                        Expect.isTrue
                            (s.Finished(TimeSpan.FromSeconds 10.0))
                            "disposing the adapter completes each simulator's inputs"
                finally
                    disposeAll sims
            }

            test "the rollout stream over a silent simulator ends with a RolloutException wrapping the timeout" {
                // sim-1 (episodes of 3) answers the reset and three actions, the third ending its
                // episode, then leaves the auto-reset request unanswered.
                let sims = threeSims (newSeeds ()) (Some 4) None

                try
                    use env = adapterOver sims 200.0

                    let e = rolloutFailure env

                    Expect.equal (e.Env, e.Step) (1, 2L) "sim-1 at step 2"
                    Expect.isTrue (e.InnerException :? SimulatorTimeoutException) "wraps the timeout"

                    for part in
                        [
                            "simulator 'sim-1' (index 1) sent no tick within the timeout of 200 ms"
                            "its reset request (auto-reset at step 2)"
                        ] do
                        Expect.stringContains e.Message part e.Message
                finally
                    disposeAll sims
            }

            test "a simulator whose tick stream errors or completes is reported by name" {
                let sims = threeSims (newSeeds ()) None (Some 4)

                try
                    use env = adapterOver sims 5000.0

                    let e = rolloutFailure env

                    Expect.equal e.Env 2 "sim-2"
                    Expect.stringContains e.Message "simulator 'sim-2' (index 2) failed: physics exploded" e.Message
                finally
                    disposeAll sims

                use completing =
                    new ThreadedSim("short-lived", scripted 5 0f false (ResizeArray()), completeAt = 3)

                use env =
                    new SimulatorVectorEnv([ completing.Endpoint ], scriptedSpace, Discrete(2), options 5000.0)

                guarded (fun () ->
                    env.Reset(Nullable 0)
                    env.Step(ReadOnlySpan [| 0 |]))

                let e = thrown<SimulatorException>(fun () -> env.Step(ReadOnlySpan [| 0 |]))

                Expect.stringContains
                    e.Message
                    "simulator 'short-lived' (index 0) stopped: its tick stream completed"
                    e.Message
            }

        ]
