module A2C.Envs.Tests.Vector.VectorEnvTests

open System
open A2C.Envs
open A2C.Envs.Vector
open A2C.Envs.Tests.Helpers
open Expecto

let private actionsFor (rng: Rng) n = Array.init n (fun _ -> rng.NextInt 2)

[<Tests>]
let tests =
    testList
        "VectorEnv"
        [
            test "lockstep equals stepping the envs one by one, auto-reset included" {
                let n = 4
                use vec = VectorEnv.Make("CartPole-v1", n)
                let singles = Array.init n (fun _ -> Registry.Make "CartPole-v1")
                vec.Reset(Nullable 10)
                let singleObs = singles |> Array.mapi (fun i env -> reset env (10 + i))
                Expect.sequenceEqual vec.Observations (Array.concat singleObs) "reset: env i seeded 10 + i"
                let rng = Rng(3L)

                for t in 0..599 do
                    let actions = actionsFor rng n
                    vec.Step(ReadOnlySpan<int>(actions))

                    for i in 0 .. n - 1 do
                        let obs, r = stepDiscrete singles.[i] actions.[i]
                        Expect.equal vec.Terminated.[i] r.Terminated $"t={t} env={i} terminated"
                        Expect.equal vec.Truncated.[i] r.Truncated $"t={t} env={i} truncated"
                        Expect.equal vec.Rewards.[i] (float32 r.Reward) $"t={t} env={i} reward"

                        if r.Done then
                            Expect.sequenceEqual vec.FinalObservations.[i * 4 .. i * 4 + 3] obs "final observation kept"
                            let fresh = Array.zeroCreate 4
                            singles.[i].Reset(span fresh)

                            Expect.sequenceEqual
                                vec.Observations.[i * 4 .. i * 4 + 3]
                                fresh
                                "auto-reset in the same step"
                        else
                            Expect.sequenceEqual vec.Observations.[i * 4 .. i * 4 + 3] obs "observation"

                for env in singles do
                    env.Dispose()
            }

            test "finished episodes are reported with return and length; truncation is marked" {
                use vec = VectorEnv.Make("LineWalk-v0", 2)
                vec.Reset(Nullable 0)
                // env 0 walks right to the edge in 11 steps; env 1 dithers until the 100-step limit.
                let finished = Collections.Generic.List<EpisodeStats>()

                for t in 0..99 do
                    vec.Step(ReadOnlySpan<int>([| 1; t % 2 |]))

                    finished.AddRange(vec.FinishedEpisodes.ToArray())

                let first = finished |> Seq.find (fun e -> e.Env = 0)
                Expect.equal (first.Length, first.Terminated) (11, true) "env 0 terminated after 11 steps"
                Expect.floatClose Accuracy.medium first.Return 1.1 "10 * 0.01 + 1"
                let dither = finished |> Seq.find (fun e -> e.Env = 1)
                Expect.equal (dither.Length, dither.Terminated) (100, false) "env 1 truncated at 100"
                Expect.isTrue vec.Truncated.[1] "truncated flag on the last step"
            }

            test "the same seed reproduces the same run; the parallel option changes nothing" {
                let run threaded =
                    use vec =
                        VectorEnv.Make(
                            "CartPole-v1",
                            8,
                            VectorEnvOptions(Parallel = threaded, MaxDegreeOfParallelism = Nullable 2)
                        )

                    vec.Reset(Nullable 123)
                    let rng = Rng(9L)

                    [
                        for _ in 1..300 do
                            vec.Step(ReadOnlySpan<int>(actionsFor rng 8))
                            yield Array.copy vec.Observations
                    ]

                Expect.equal (run false) (run false) "deterministic"
                Expect.equal (run true) (run false) "threads give the same result"
            }

            test "a failing sub-env is named by index; wrong action counts are refused" {
                use vec = VectorEnv.Make("CartPole-v1", 3)
                vec.Reset(Nullable 0)

                let e =
                    throws<SubEnvironmentException>(fun () -> vec.Step(ReadOnlySpan<int>([| 0; 5; 1 |])))

                Expect.equal e.Index 1 "env 1 got action 5"
                Expect.stringContains e.Message "environment 1 (CartPole-v1)" "names it"

                throws<ArgumentException>(fun () -> vec.Step(ReadOnlySpan<int>([| 0; 1 |])))
                |> ignore
            }

            test "a snapshot restored into fresh envs continues exactly, for every registered env" {
                for spec in Registry.Specs do
                    use a = VectorEnv.Make(spec.Id, 3)
                    a.Reset(Nullable 5)
                    let rng = Rng(11L)

                    let step (vec: VectorEnv) (r: Rng) =
                        match vec.SingleActionSpace with
                        | :? Spaces.Discrete as d -> vec.Step(ReadOnlySpan<int>(Array.init 3 (fun _ -> d.Sample r)))
                        | :? Spaces.Box as b ->
                            vec.Step(ReadOnlySpan<float32>(Array.init 3 (fun _ -> b.Sample r) |> Array.concat))
                        | space ->
                            let integers =
                                Array.init 3 (fun _ ->
                                    let drawn = Array.zeroCreate<float32> space.FlatSize
                                    space.Sample(r, Span drawn)
                                    drawn |> Array.map int)
                                |> Array.concat

                            vec.Step(ReadOnlySpan<int> integers)

                        Array.copy vec.Observations,
                        Array.copy vec.Rewards,
                        Array.copy vec.Terminated,
                        Array.copy vec.Truncated

                    for _ in 1..37 do
                        step a rng |> ignore

                    let snapshot = a.SaveSnapshot()
                    let rngState = rng.SaveSnapshot()
                    use b = VectorEnv.Make(spec.Id, 3)
                    b.LoadSnapshot(ReadOnlySpan snapshot)
                    Expect.sequenceEqual b.Observations a.Observations $"{spec.Id}: observations restored"
                    let rngB = Rng.FromSnapshot(ReadOnlySpan rngState)

                    for t in 1..300 do
                        Expect.equal (step b rngB) (step a rng) $"{spec.Id}: step {t} after the snapshot"
            }

            test "a snapshot of another env or size is refused" {
                use cart = VectorEnv.Make("CartPole-v1", 2)
                cart.Reset(Nullable 0)
                use three = VectorEnv.Make("CartPole-v1", 3)

                throws<ArgumentException>(fun () -> three.LoadSnapshot(ReadOnlySpan(cart.SaveSnapshot())))
                |> ignore

                use pendulum = VectorEnv.Make("Pendulum-v1", 2)

                throws<ArgumentException>(fun () -> pendulum.LoadSnapshot(ReadOnlySpan(cart.SaveSnapshot())))
                |> ignore
            }

            test "stepping before reset is refused" {
                use vec = VectorEnv.Make("CartPole-v1", 2)

                throws<InvalidOperationException>(fun () -> vec.Step(ReadOnlySpan<int>([| 0; 1 |])))
                |> ignore
            }
        ]
