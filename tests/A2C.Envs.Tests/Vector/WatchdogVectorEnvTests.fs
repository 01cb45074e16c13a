module A2C.Envs.Tests.Vector.WatchdogVectorEnvTests

open System
open System.Diagnostics
open System.Threading
open A2C.Envs
open A2C.Envs.Spaces
open A2C.Envs.Vector
open A2C.Envs.Tests.Helpers
open Expecto

/// A two-float env with episodes of 3 steps: the observation is [t, action], the reward the action.
/// It can hang at its k-th step or reset call (counting from 0, auto-resets included) until
/// `release` is set (10 s at most, so an abandoned worker thread always ends), or throw at its k-th
/// step. Counts its calls and records whether it was disposed.
type private FakeEnv
    (name: string, release: ManualResetEventSlim, ?hangAtStep: int, ?hangAtReset: int, ?throwAtStep: int) =
    let mutable t = 0
    let mutable steps = 0
    let mutable resets = 0

    let hang () =
        release.Wait(TimeSpan.FromSeconds 10.0) |> ignore

    /// Step calls so far (the one in progress included).
    member _.Steps = steps
    member val Disposed = false with get, set

    interface IEnv with
        member _.Name = name
        member _.ObservationSpace = Box(-100f, 100f, 2)
        member _.ActionSpace = Discrete(2) :> Space
        member this.Unwrapped = this :> IEnv

        member _.Reset(observation, _) =
            let k = resets
            resets <- resets + 1

            if hangAtReset = Some k then
                hang ()

            t <- 0
            observation.[0] <- 0f
            observation.[1] <- 0f

        member _.Step(action: int, observation: Span<float32>) =
            let k = steps
            steps <- steps + 1

            if hangAtStep = Some k then
                hang ()

            if throwAtStep = Some k then
                raise (InvalidOperationException "the simulator crashed")

            t <- t + 1
            observation.[0] <- float32 t
            observation.[1] <- float32 action
            StepResult(float action, (t = 3), false)

        member _.Step(_: ReadOnlySpan<float32>, _: Span<float32>) : StepResult =
            raise (ArgumentException "discrete actions only")

        member this.Dispose() = this.Disposed <- true

let private vectorOf (envs: FakeEnv list) =
    new VectorEnv([| for e in envs -> e :> IEnv |])

let private milliseconds (ms: float) = TimeSpan.FromMilliseconds ms

[<Tests>]
let tests =
    testSequenced
    <| testList
        "WatchdogVectorEnv"
        [
            test
                "steps within the limit pass through unchanged: observations, rewards, flags, final observations and episodes as the envs' own" {
                for id in [ "CartPole-v1"; "Pendulum-v1" ] do
                    use expected = VectorEnv.Make(id, 3)
                    use watched = new WatchdogVectorEnv(VectorEnv.Make(id, 3), TimeSpan.FromSeconds 5.0)

                    Expect.equal
                        (watched.NumEnvs, watched.ObservationSize, string watched.SingleActionSpace)
                        (3, expected.ObservationSize, string expected.SingleActionSpace)
                        $"{id}: shape and spaces"

                    expected.Reset(Nullable 7)
                    watched.Reset(Nullable 7)
                    Expect.equal watched.Observations expected.Observations $"{id}: reset, env i seeded 7 + i"
                    let rng = Rng 5L
                    let mutable episodes = 0

                    for t in 1..300 do
                        if id = "Pendulum-v1" then
                            let actions = Array.init 3 (fun _ -> float32 (rng.Uniform(-2.0, 2.0)))
                            expected.Step(ReadOnlySpan actions)
                            watched.Step(ReadOnlySpan actions)
                        else
                            let actions = Array.init 3 (fun _ -> rng.NextInt 2)
                            expected.Step(ReadOnlySpan actions)
                            watched.Step(ReadOnlySpan actions)

                        Expect.equal watched.Observations expected.Observations $"{id} step {t}: observations"
                        Expect.equal watched.Rewards expected.Rewards $"{id} step {t}: rewards"
                        Expect.equal watched.Terminated expected.Terminated $"{id} step {t}: terminated"
                        Expect.equal watched.Truncated expected.Truncated $"{id} step {t}: truncated"

                        Expect.equal
                            watched.FinalObservations
                            expected.FinalObservations
                            $"{id} step {t}: final observations"

                        Expect.equal
                            (watched.FinishedEpisodes.ToArray())
                            (expected.FinishedEpisodes.ToArray())
                            $"{id} step {t}: episodes"

                        episodes <- episodes + expected.FinishedEpisodes.Length

                    Expect.isGreaterThan episodes 0 $"{id}: episodes ended along the way"
            }

            test
                "a step that hangs past the limit raises EnvironmentTimeoutException naming the env, the step and the limit, at the limit" {
                use release = new ManualResetEventSlim()

                let envs =
                    [
                        new FakeEnv("Fake-v0", release)
                        new FakeEnv("Hang-v0", release, hangAtStep = 2)
                        new FakeEnv("Fake-v0", release)
                    ]

                try
                    use watched = new WatchdogVectorEnv(vectorOf envs, milliseconds 200.0)
                    watched.Reset(Nullable 0)
                    watched.Step(ReadOnlySpan [| 0; 1; 0 |])
                    watched.Step(ReadOnlySpan [| 1; 1; 0 |])
                    let clock = Stopwatch.StartNew()

                    let e =
                        throws<EnvironmentTimeoutException>(fun () -> watched.Step(ReadOnlySpan [| 0; 1; 0 |]))

                    let waited = clock.Elapsed.TotalMilliseconds
                    Expect.equal e.Index 1 "the index of the env that hangs"

                    Expect.stringContains
                        e.Message
                        "environment 1 (Hang-v0) did not finish step 2 within 0.2 s"
                        "names the env, the step and the limit"

                    Expect.stringContains e.Message "its thread is left behind" e.Message
                    Expect.isGreaterThanOrEqual waited 180.0 "it waited for the limit"
                    Expect.isLessThan waited 5000.0 "and gave up there, long before the env woke"
                finally
                    release.Set()
            }

            test "a reset that hangs past the limit is reported the same way, naming the env" {
                use release = new ManualResetEventSlim()

                let envs =
                    [
                        new FakeEnv("Fake-v0", release)
                        new FakeEnv("Fake-v0", release)
                        new FakeEnv("Hang-v0", release, hangAtReset = 0)
                    ]

                try
                    use watched = new WatchdogVectorEnv(vectorOf envs, milliseconds 100.0)
                    let e = throws<EnvironmentTimeoutException>(fun () -> watched.Reset(Nullable 0))
                    Expect.equal e.Index 2 "the index of the env that hangs"

                    Expect.stringContains
                        e.Message
                        "environment 2 (Hang-v0) did not finish reset within 0.1 s"
                        "names the env, the reset and the limit"
                finally
                    release.Set()
            }

            test "an env that throws is reported with its index, as VectorEnv reports it; a throw is not a hang" {
                use release = new ManualResetEventSlim()

                let envs =
                    [
                        new FakeEnv("Fake-v0", release)
                        new FakeEnv("Fake-v0", release)
                        new FakeEnv("Throws-v0", release, throwAtStep = 1)
                    ]

                use watched = new WatchdogVectorEnv(vectorOf envs, TimeSpan.FromSeconds 5.0)
                watched.Reset(Nullable 0)
                watched.Step(ReadOnlySpan [| 0; 1; 0 |])

                let e =
                    throws<SubEnvironmentException>(fun () -> watched.Step(ReadOnlySpan [| 0; 1; 0 |]))

                Expect.equal e.Index 2 "the index of the env that threw"
                Expect.stringContains e.Message "environment 2 (Throws-v0) failed: the simulator crashed" e.Message
                Expect.isTrue (e.InnerException :? InvalidOperationException) "the env's own exception inside"
                // Only a timeout leaves a thread behind; after a throw the envs are free to use.
                watched.Reset(Nullable 0)
                watched.Step(ReadOnlySpan [| 1; 1; 1 |])
                Expect.equal watched.Rewards [| 1f; 1f; 1f |] "steps again after a reset"
            }

            test "after a timeout every later reset or step is refused with the first failure, without calling the envs" {
                use release = new ManualResetEventSlim()
                let stuck = new FakeEnv("Hang-v0", release, hangAtStep = 0)

                try
                    use watched = new WatchdogVectorEnv(vectorOf [ stuck ], milliseconds 100.0)
                    watched.Reset(Nullable 0)

                    throws<EnvironmentTimeoutException>(fun () -> watched.Step(ReadOnlySpan [| 0 |]))
                    |> ignore

                    for what, call in
                        [
                            "step", (fun () -> watched.Step(ReadOnlySpan [| 0 |]))
                            "reset", (fun () -> watched.Reset(Nullable 0))
                        ] do
                        let e = throws<InvalidOperationException> call

                        Expect.stringContains
                            e.Message
                            "this env timed out earlier (environment 0 (Hang-v0) did not finish step 0 within 0.1 s)"
                            $"{what}: carries the first failure"

                        Expect.stringContains e.Message "cannot be used again" $"{what}: says it is final"

                    Expect.equal stuck.Steps 1 "the stuck env was not called again"
                finally
                    release.Set()
            }

            test "Dispose stops the worker and disposes the envs, but leaves them to a thread stuck in them" {
                use release = new ManualResetEventSlim()
                let envs = [ new FakeEnv("Fake-v0", release); new FakeEnv("Fake-v0", release) ]
                let watched = new WatchdogVectorEnv(vectorOf envs, TimeSpan.FromSeconds 5.0)
                watched.Reset(Nullable 0)
                watched.Step(ReadOnlySpan [| 0; 1 |])
                watched.Dispose()
                Expect.equal [ for e in envs -> e.Disposed ] [ true; true ] "the envs are disposed"

                let stuck =
                    [
                        new FakeEnv("Fake-v0", release)
                        new FakeEnv("Hang-v0", release, hangAtStep = 0)
                    ]

                try
                    let watched = new WatchdogVectorEnv(vectorOf stuck, milliseconds 100.0)
                    watched.Reset(Nullable 0)

                    throws<EnvironmentTimeoutException>(fun () -> watched.Step(ReadOnlySpan [| 0; 1 |]))
                    |> ignore

                    watched.Dispose()

                    Expect.equal
                        [ for e in stuck -> e.Disposed ]
                        [ false; false ]
                        "a thread is still inside them: nothing is disposed under it"
                finally
                    release.Set()
            }
        ]
