/// The push adapter with every space kind: integer-vector actions reach the simulators as commands,
/// ticks are checked against integer observation spaces, and Dict observations can be built per key.
module A2C.Envs.Tests.Simulators.SimulatorSpacesTests

open System
open System.Collections.Generic
open A2C.Envs
open A2C.Envs.Simulators
open A2C.Envs.Spaces
open A2C.Envs.Vector
open Expecto
open A2C.Envs.Tests.Simulators.SimulatorFakes
open A2C.Envs.Tests.Spaces.SpaceFakes

let private step (env: IVectorEnv) (actions: Choice<int[], float32[]>) =
    match actions with
    | Choice1Of2 ints -> env.Step(ReadOnlySpan ints)
    | Choice2Of2 floats -> env.Step(ReadOnlySpan floats)

/// A simulator whose every tick carries `observation`, recording the commands it receives.
let private constant (name: string) (observation: float32[]) (commands: ResizeArray<SimulatorCommand>) =
    endpoint name (fun _ command ->
        commands.Add command
        [ SimulatorTick(Array.copy observation) ])

[<Tests>]
let tests =
    testList
        "simulators that push: every space"
        [
            test "over EnvSimulator endpoints, every observation and action space steps exactly as VectorEnv" {
                for _, observation in observationSpaces () do
                    for _, action in actionSpaces () do
                        let envs = [ for _ in 1..3 -> new SpaceEnv(observation, action) :> IEnv ]

                        use expected =
                            new VectorEnv([ for _ in 1..3 -> new SpaceEnv(observation, action) :> IEnv ])

                        use actual =
                            new SimulatorVectorEnv([ for e in envs -> EnvSimulator(e).Endpoint ], observation, action)

                        expected.Reset(Nullable 6)
                        actual.Reset(Nullable 6)
                        Expect.equal actual.Observations expected.Observations $"{observation} x {action}: reset"
                        let rng = Rng 5L

                        for t in 1..9 do
                            let actions = randomActions action 3 rng
                            step expected actions
                            step actual actions
                            Expect.equal actual.Observations expected.Observations $"{observation} x {action}: step {t}"
                            Expect.equal actual.Rewards expected.Rewards $"{observation} x {action}: rewards at {t}"

                            Expect.equal
                                actual.FinalObservations
                                expected.FinalObservations
                                $"{observation} x {action}: finals at {t}"
            }

            test
                "MultiDiscrete and MultiBinary actions arrive as IntegerVectorActionCommand, one new array per simulator" {
                let commands = [ ResizeArray<SimulatorCommand>(); ResizeArray<SimulatorCommand>() ]

                use env =
                    new SimulatorVectorEnv(
                        [ for i in 0..1 -> constant $"sim-{i}" [| 0f |] commands.[i] ],
                        Box(-1f, 1f, 1),
                        MultiDiscrete(3, 2)
                    )

                guarded (fun () ->
                    env.Reset(Nullable 0)
                    env.Step(ReadOnlySpan [| 2; 1; 0; 1 |]))

                let sent i =
                    match commands.[i].[1] with
                    | :? IntegerVectorActionCommand as c -> List.ofArray c.Action
                    | other -> failtestf "simulator %d got %O" i other

                Expect.equal (sent 0) [ 2; 1 ] "sim-0's choices"
                Expect.equal (sent 1) [ 0; 1 ] "sim-1's choices"
                Expect.stringContains (string commands.[0].[1]) "Action = [2, 1]" "prints its integers"
            }

            test
                "an action outside the space is refused before any is sent, naming the simulator, the choice and the space" {
                let commands = [ ResizeArray<SimulatorCommand>(); ResizeArray<SimulatorCommand>() ]

                use env =
                    new SimulatorVectorEnv(
                        [ for i in 0..1 -> constant $"sim-{i}" [| 0f |] commands.[i] ],
                        Box(-1f, 1f, 1),
                        MultiDiscrete(3, 3)
                    )

                guarded (fun () -> env.Reset(Nullable 0))

                let e = thrown<ArgumentException>(fun () -> env.Step(ReadOnlySpan [| 0; 0; 1; 5 |]))

                Expect.stringContains
                    e.Message
                    "the action for simulator 'sim-1' (index 1): choice 1 is 5, outside [0, 2] of MultiDiscrete([3, 3])"
                    "named"

                Expect.equal commands.[0].Count 1 "sim-0 got no action"
                let e = thrown<ArgumentException>(fun () -> env.Step(ReadOnlySpan [| 0; 0; 1 |]))
                Expect.stringContains e.Message "expected 2 x 2 integers" "count"

                use binary =
                    new SimulatorVectorEnv([ constant "sim" [| 0f |] (ResizeArray()) ], Box(-1f, 1f, 1), MultiBinary 2)

                guarded (fun () -> binary.Reset(Nullable 0))
                let e = thrown<ArgumentException>(fun () -> binary.Step(ReadOnlySpan [| 1; 3 |]))
                Expect.stringContains e.Message "switch 1 is 3, not 0 or 1 of MultiBinary(2)" "MultiBinary"
                env.Step(ReadOnlySpan [| 0; 0; 1; 2 |])
                Expect.equal commands.[1].Count 2 "valid actions still go out"
            }

            test "a tick outside an integer observation space fails, naming the simulator, the key and the space" {
                let dict = sensors ()
                let good = Array.append (Array.create 12 4f) [| 1f; 0.5f; 0.5f |]
                let badPixel = Array.copy good
                badPixel.[3] <- 300f

                use env =
                    new SimulatorVectorEnv([ constant "cam" badPixel (ResizeArray()) ], dict, Discrete 2)

                let e = thrown<SimulatorException>(fun () -> env.Reset(Nullable 0))
                Expect.stringContains e.Message "'cam'" "the simulator"
                Expect.stringContains e.Message "its observation is outside the observation space" "what"

                Expect.stringContains
                    e.Message
                    "key 'camera' component 3 is 300, outside [0, 255]"
                    "key, component, bounds"

                let badGear = Array.copy good
                badGear.[12] <- 1.5f

                use env =
                    new SimulatorVectorEnv([ constant "gearbox" badGear (ResizeArray()) ], dict, Discrete 2)

                let e = thrown<SimulatorException>(fun () -> env.Reset(Nullable 0))
                Expect.stringContains e.Message "key 'gear' is 1.5, not an integer in [0, 2] of Discrete(3)" "the dtype"

                use md =
                    new SimulatorVectorEnv(
                        [ constant "md" [| 0f; 4f |] (ResizeArray()) ],
                        MultiDiscrete(2, 4),
                        Discrete 2
                    )

                let e = thrown<SimulatorException>(fun () -> md.Reset(Nullable 0))

                Expect.stringContains
                    e.Message
                    "choice 1 is 4, not an integer in [0, 3] of MultiDiscrete([2, 4])"
                    "MultiDiscrete"

                use short =
                    new SimulatorVectorEnv([ constant "short" good.[0..13] (ResizeArray()) ], dict, Discrete 2)

                let e = thrown<SimulatorException>(fun () -> short.Reset(Nullable 0))
                Expect.stringContains e.Message "its observation has 14 values; the observation space Dict(" "length"
            }

            test "SimulatorTick.FromParts lays a Dict observation out by key, and names a missing or unknown key" {
                let space = sensors ()

                let parts =
                    Dictionary<string, float32[]>(
                        dict
                            [
                                "speed", [| 0.25f; -0.25f |]
                                "gear", [| 2f |]
                                "camera", Array.init 12 float32
                            ]
                    )

                let tick = SimulatorTick.FromParts(space, parts, 1.5, terminated = true)

                Expect.equal
                    tick.Observation
                    (Array.concat [ Array.init 12 float32; [| 2f |]; [| 0.25f; -0.25f |] ])
                    "key order"

                Expect.equal (tick.Reward, tick.Terminated, tick.Truncated) (1.5, true, false) "the rest"
                Expect.isNull (space.ObservationViolation(ReadOnlySpan tick.Observation)) "an element"
                parts.Remove "gear" |> ignore

                let e =
                    thrown<ArgumentException>(fun () -> SimulatorTick.FromParts(space, parts) |> ignore)

                Expect.stringContains e.Message "missing the key 'gear' of Dict(" "missing key and space"
                parts.["gear"] <- [| 0f |]
                parts.["radar"] <- [| 0f |]

                let e =
                    thrown<ArgumentException>(fun () -> SimulatorTick.FromParts(space, parts) |> ignore)

                Expect.stringContains e.Message "the key 'radar'" "unknown key"
            }

            test "EnvSimulator applies an integer-vector action, and ends its ticks naming a rejected one" {
                use env = new SpaceEnv(Box(-1f, 1f, 2), MultiDiscrete(3, 3))
                let simulator = EnvSimulator(env, "md")
                let ticks = ResizeArray<SimulatorTick>()
                let mutable error: exn | null = null

                use _ =
                    simulator.Subscribe
                        { new IObserver<SimulatorTick> with
                            member _.OnNext t = ticks.Add t
                            member _.OnError e = error <- e
                            member _.OnCompleted() = ()
                        }

                simulator.OnNext(ResetCommand(Nullable 1))
                simulator.OnNext(IntegerVectorActionCommand [| 2; 1 |])
                Expect.equal ticks.[1].Reward 4.0 "1 x 2 + 2 x 1"
                simulator.OnNext(IntegerVectorActionCommand [| 0; 3 |])
                Expect.equal ticks.Count 2 "no tick for a rejected action"
                let message = (nonNull error).Message

                Expect.stringContains
                    message
                    "md could not apply IntegerVectorActionCommand { Action = [0, 3] }"
                    "the command"

                Expect.stringContains message "choice 1 is 3, outside [0, 2] of MultiDiscrete([3, 3])" "why"
            }
        ]
