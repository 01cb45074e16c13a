module A2C.Envs.Tests.Simulators.SimulatorVectorEnvTests

open System
open A2C.Envs
open A2C.Envs.Simulators
open A2C.Envs.Spaces
open A2C.Envs.Vector
open Expecto
open A2C.Envs.Tests.Simulators.SimulatorFakes

[<Tests>]
let tests =
    testSequenced
    <| testList
        "simulators that push"
        [
            test
                "the adapter steps threaded simulators in lockstep, with rewards, same-step resets and final observations" {
                let seeds = newSeeds ()
                let sims = threeSims seeds None None

                try
                    use env = adapterOver sims 5000.0

                    guarded (fun () ->
                        env.Reset(Nullable 5)

                        Expect.equal
                            [ for s in seeds -> List.ofSeq s ]
                            [ [ Nullable 5 ]; [ Nullable 6 ]; [ Nullable 7 ] ]
                            "simulator i is reset with seed + i"

                        Expect.equal env.Observations [| 0f; 0f; 0f; 0f; 1f; 0f; 0f; 2f; 0f |] "first ticks, in order"
                        env.Step(ReadOnlySpan [| 1; 0; 1 |])
                        Expect.equal env.Rewards [| 1f; 0f; 1f |] "each simulator applied its own action"
                        Expect.equal env.Observations [| 1f; 0f; 1f; 1f; 1f; 0f; 1f; 2f; 1f |] "second ticks"
                        env.Step(ReadOnlySpan [| 1; 1; 0 |])
                        Expect.equal env.Rewards [| 11f; 1f; 0f |] "sim-0's episode ends with its bonus"
                        Expect.equal env.Terminated [| true; false; false |] "sim-0 terminated"
                        Expect.equal env.FinalObservations.[0..2] [| 2f; 0f; 1f |] "its last tick is kept"

                        Expect.equal
                            env.Observations.[0..2]
                            [| 0f; 0f; 0f |]
                            "and its next episode's first tick is the observation"

                        Expect.equal
                            (env.FinishedEpisodes.ToArray())
                            [| EpisodeStats(0, 12.0, 2, true) |]
                            "return and length"

                        Expect.equal
                            (List.ofSeq seeds.[0])
                            [ Nullable 5; Nullable() ]
                            "the auto-reset continues the seed"

                        env.Step(ReadOnlySpan [| 0; 0; 0 |])
                        Expect.equal env.Terminated [| false; true; false |] "sim-1 terminated at its 3rd step"
                        env.Step(ReadOnlySpan [| 0; 0; 1 |])
                        Expect.equal env.Terminated [| true; false; false |] "sim-0 ended its second episode"
                        Expect.equal env.Truncated [| false; false; true |] "sim-2 truncated at its 4th step"
                        Expect.equal env.FinalObservations.[0..2] [| 2f; 0f; 0f |] "sim-0's last tick"
                        Expect.equal env.FinalObservations.[6..8] [| 4f; 2f; 1f |] "sim-2's last tick"

                        Expect.equal
                            (env.FinishedEpisodes.ToArray())
                            [| EpisodeStats(0, 10.0, 2, true); EpisodeStats(2, 12.0, 4, false) |]
                            "both episodes, by index")
                finally
                    disposeAll sims
            }

            test "over EnvSimulator endpoints, the adapter takes exactly VectorEnv's steps, discrete or box" {
                for id in [ "LineWalk-v0"; "CartPole-v1"; "Pendulum-v1" ] do
                    use expected = VectorEnv.Make(id, 3)
                    let envs = [ for _ in 1..3 -> Registry.Make id ]

                    use actual =
                        new SimulatorVectorEnv(
                            [ for e in envs -> EnvSimulator(e).Endpoint ],
                            expected.SingleObservationSpace,
                            expected.SingleActionSpace
                        )

                    let rng = Rng 11L
                    expected.Reset(Nullable 3)
                    actual.Reset(Nullable 3)
                    Expect.equal actual.Observations expected.Observations $"{id}: reset"
                    let mutable episodes = 0

                    for t in 1..400 do
                        if id = "Pendulum-v1" then
                            let actions = Array.init 3 (fun _ -> float32 (rng.Uniform(-2.0, 2.0)))
                            expected.Step(ReadOnlySpan actions)
                            actual.Step(ReadOnlySpan actions)
                        else
                            let actions = Array.init 3 (fun _ -> rng.NextInt 2)
                            expected.Step(ReadOnlySpan actions)
                            actual.Step(ReadOnlySpan actions)

                        Expect.equal actual.Observations expected.Observations $"{id} step {t}: observations"
                        Expect.equal actual.Rewards expected.Rewards $"{id} step {t}: rewards"
                        Expect.equal actual.Terminated expected.Terminated $"{id} step {t}: terminated"
                        Expect.equal actual.Truncated expected.Truncated $"{id} step {t}: truncated"

                        Expect.equal
                            (actual.FinishedEpisodes.ToArray())
                            (expected.FinishedEpisodes.ToArray())
                            $"{id} step {t}: episodes"

                        for e in expected.FinishedEpisodes.ToArray() do
                            let o = expected.ObservationSize

                            let final (v: IVectorEnv) =
                                v.FinalObservations.[e.Env * o .. e.Env * o + o - 1]

                            Expect.equal (final actual) (final expected) $"{id} step {t}: final observation"

                        episodes <- episodes + expected.FinishedEpisodes.Length

                    Expect.isGreaterThan episodes 5 $"{id}: episodes ended along the way"

                    for e in envs do
                        e.Dispose()
            }

            test "a simulator that stops ticking fails Step with a timeout naming it; the env then refuses to go on" {
                let sims = threeSims (newSeeds ()) (Some 3) None

                try
                    use env = adapterOver sims 200.0
                    // sim-1 answers the reset and two actions, then falls silent.
                    guarded (fun () ->
                        env.Reset(Nullable 0)

                        for _ in 1..2 do
                            env.Step(ReadOnlySpan [| 0; 0; 0 |]))

                    let e =
                        thrown<SimulatorTimeoutException>(fun () -> env.Step(ReadOnlySpan [| 0; 0; 0 |]))

                    Expect.equal (e.Index, e.SimulatorName) (1, "sim-1") "names the silent simulator"
                    Expect.stringContains e.Message "simulator 'sim-1' (index 1)" e.Message
                    Expect.stringContains e.Message "200 ms" "states the timeout"
                    Expect.stringContains e.Message "it owes the answer to its action at step 2" "and what it owes"

                    let after =
                        thrown<InvalidOperationException>(fun () -> env.Step(ReadOnlySpan [| 0; 0; 0 |]))

                    Expect.stringContains after.Message "sim-1" "later calls carry the first failure"
                finally
                    disposeAll sims
            }

            test "invalid ticks are refused with messages that name the simulator, the step and the field" {
                let ok = SimulatorTick([| 0f; 0f; 0f |])

                /// The message of the failure when simulator 'bad' (index 1, beside a good one) resets
                /// and answers its first two actions well, then answers the third (step 2) with `bad`.
                let failure (bad: SimulatorTick list) =
                    let answer n (_: SimulatorCommand) = if n <= 2 then [ ok ] else bad

                    use env =
                        new SimulatorVectorEnv(
                            [ endpoint "good" (fun _ _ -> [ ok ]); endpoint "bad" answer ],
                            scriptedSpace,
                            Discrete(2),
                            options 5000.0
                        )

                    let e =
                        thrown<SimulatorException>(fun () ->
                            env.Reset(Nullable 0)

                            for _ in 0..2 do
                                env.Step(ReadOnlySpan [| 0; 0 |]))

                    Expect.equal (e.Index, e.SimulatorName) (1, "bad") "index and name"
                    e.Message

                let expectParts (message: string) (parts: string list) =
                    for part in "simulator 'bad' (index 1)" :: parts do
                        Expect.stringContains message part message

                expectParts
                    (failure [ SimulatorTick([| 0f; 0f |]) ])
                    [ "action at step 2"; "observation has 2 values"; "has 3" ]

                expectParts
                    (failure [ SimulatorTick([| 0f; nanf; 0f |]) ])
                    [ "action at step 2"; "observation[1] is NaN" ]

                expectParts
                    (failure [ SimulatorTick([| 0f; 0f; 0f |], infinity) ])
                    [ "action at step 2"; "reward is Infinity" ]

                expectParts
                    (failure [ SimulatorTick(Unchecked.defaultof<float32[]>) ])
                    [ "action at step 2"; "observation is null" ]
                // A second tick for one action breaks the one-tick-per-command contract.
                expectParts (failure [ ok; ok ]) [ "after step 2"; "no command asked for" ]

                // A reset must start an episode, not end one: at Reset, and at a step's auto-reset.
                let endedStart = SimulatorTick([| 0f; 0f; 0f |], 0.0, true, false)

                let answer n (command: SimulatorCommand) =
                    match command with
                    | :? ResetCommand when n > 0 -> [ endedStart ]
                    | :? ResetCommand -> [ ok ]
                    | _ -> [ SimulatorTick([| 1f; 0f; 0f |], 1.0, true, false) ]

                use env =
                    new SimulatorVectorEnv([ endpoint "bad" answer ], scriptedSpace, Discrete(2), options 5000.0)

                env.Reset(Nullable 0)
                let e = thrown<SimulatorException>(fun () -> env.Step(ReadOnlySpan [| 0 |]))
                Expect.stringContains e.Message "its reset request (auto-reset at step 0)" e.Message

                Expect.stringContains
                    e.Message
                    "it says terminated; the first tick of an episode cannot end it"
                    e.Message

                use env =
                    new SimulatorVectorEnv(
                        [ endpoint "bad" (fun _ _ -> [ endedStart ]) ],
                        scriptedSpace,
                        Discrete(2),
                        options 5000.0
                    )

                let e = thrown<SimulatorException>(fun () -> env.Reset(Nullable 0))
                Expect.stringContains e.Message "the answer to its reset request: it says terminated" e.Message

                let refusing =
                    SimulatorEndpoint(
                        "refusing",
                        Broadcast<SimulatorTick>(),
                        { new IObserver<SimulatorCommand> with
                            member _.OnNext _ =
                                raise (IO.IOException "the socket is closed")

                            member _.OnError _ = ()
                            member _.OnCompleted() = ()
                        }
                    )

                use env =
                    new SimulatorVectorEnv([ refusing ], scriptedSpace, Discrete(2), options 5000.0)

                let e = thrown<SimulatorException>(fun () -> env.Reset(Nullable 0))

                Expect.stringContains
                    e.Message
                    "simulator 'refusing' (index 0) refused its reset request: the socket is closed"
                    e.Message
            }
        ]
