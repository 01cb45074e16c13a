/// FrozenLake-v1 as Gymnasium 1.4 plays it: seeded slippery episodes recorded by
/// tests/reference/numpy_streams.py (a transcription of Gymnasium's transition table driven by a real
/// numpy), the transition law, and refused maps.
module A2C.Envs.Tests.ToyText.FrozenLakeTests

open System
open System.Text.Json.Nodes
open A2C.Envs
open A2C.Envs.ToyText
open A2C.Envs.Tests
open Expecto
open FsCheck
open FsCheck.FSharp

let private lakeActions =
    [| 1; 2; 2; 1; 1; 2; 1; 2; 2; 1; 1; 2; 2; 1; 2; 2; 1; 1; 2; 2 |]

/// (map, slippery, success rate, seed, first state, [(state, reward, terminated)] until the end).
let private recorded =
    [
        "4x4",
        true,
        0.3333333333333333,
        0,
        0,
        [
            0, 0.0, false
            4, 0.0, false
            8, 0.0, false
            9, 0.0, false
            10, 0.0, false
            11, 0.0, true
        ]
        "4x4", true, 0.3333333333333333, 7, 0, [ 1, 0.0, false; 1, 0.0, false; 5, 0.0, true ]
        "4x4", false, 1.0, 3, 0, [ 4, 0.0, false; 5, 0.0, true ]
        "8x8",
        true,
        0.3333333333333333,
        42,
        0,
        [
            8, 0.0, false
            0, 0.0, false
            0, 0.0, false
            0, 0.0, false
            1, 0.0, false
            1, 0.0, false
            2, 0.0, false
            10, 0.0, false
            11, 0.0, false
            19, 0.0, true
        ]
        "4x4", true, 0.8, 5, 0, [ 4, 0.0, false; 5, 0.0, true ]
    ]

/// The start state and, per step, (state, reward, terminated).
let private play (env: IEnv) seed actions =
    let start, steps = Helpers.playDiscrete env seed actions
    start, steps |> List.map (fun (s, r, t, _) -> s, r, t)

[<Tests>]
let tests =
    testList
        "FrozenLake"
        [
            test "seeded episodes are Gymnasium's: slippery 4x4 and 8x8, another success_rate, not slippery" {
                for map, slippery, rate, seed, first, expected in recorded do
                    use env = new FrozenLake(mapName = map, isSlippery = slippery, successRate = rate)
                    let start, steps = play env seed lakeActions
                    Expect.equal start first $"{map} slippery={slippery} rate={rate} seed={seed}: first state"
                    Expect.equal steps expected $"{map} slippery={slippery} rate={rate} seed={seed}: steps"
            }

            test "not slippery, the shortest path reaches the goal: reward 1 on the last step only" {
                use env = new FrozenLake(isSlippery = false)
                let _, steps = play env 0 [ 1; 1; 2; 2; 1; 2 ]

                Expect.equal
                    steps
                    [
                        4, 0.0, false
                        8, 0.0, false
                        9, 0.0, false
                        10, 0.0, false
                        14, 0.0, false
                        15, 1.0, true
                    ]
                    "recorded"
            }

            test "registered as Gymnasium registers them: spaces, time limits and thresholds" {
                let spec = Registry.Spec "FrozenLake-v1"
                Expect.equal (spec.MaxEpisodeSteps, spec.RewardThreshold) (Nullable 100, Nullable 0.70) "4x4"
                let spec8 = Registry.Spec "FrozenLake8x8-v1"
                Expect.equal (spec8.MaxEpisodeSteps, spec8.RewardThreshold) (Nullable 200, Nullable 0.85) "8x8"
                use env = Registry.Make "FrozenLake8x8-v1"
                Expect.equal (string env.ObservationSpace) "Discrete(64)" "one state a tile"
                Expect.equal (string env.ActionSpace) "Discrete(4)" "left, down, right, up"
            }

            testProperty
                "slippery moves go where intended or perpendicular, never backwards, at the success rate's odds"
            <| fun (seed: uint16) ->
                use env = new FrozenLake(isSlippery = true, successRate = 0.6)
                let observation = [| 0f |]
                env.Reset(Span observation, Nullable(int seed))
                // From the start (0, 0), right (2) lands on 1 (intended), 4 (down) or stays at 0 (up, off the grid).
                let result = env.Step(2, Span observation)
                Expect.contains [ 1f; 4f; 0f ] observation[0] "right, down or up"
                Expect.isFalse result.Terminated "none of them is a hole"

            test "over many seeds, the intended move happens at the success rate" {
                use env = new FrozenLake(isSlippery = true, successRate = 0.6)
                let observation = [| 0f |]
                let n = 4000

                let intended =
                    [ 0 .. n - 1 ]
                    |> List.filter (fun seed ->
                        env.Reset(Span observation, Nullable seed)
                        env.Step(2, Span observation) |> ignore
                        observation[0] = 1f)
                    |> List.length

                // Binomial(4000, 0.6): std 31; five of them either way.
                Expect.isLessThan (abs (float intended - 0.6 * float n)) 155.0 $"{intended} of {n}"
            }

            test "gym.make's kwargs through the registry: is_slippery, map_name, desc and reward_schedule" {
                let make (json: string) =
                    Registry.Make("FrozenLake-v1", (nonNull (JsonNode.Parse json)).AsObject())

                use steady = make """{"is_slippery": false}"""
                let _, steps = play steady 0 [ 1; 1; 2; 2; 1; 2 ]
                Expect.equal (List.last steps) (15, 1.0, true) "not slippery: the shortest path reaches the goal"
                use big = make """{"map_name": "8x8"}"""
                Expect.equal (string big.ObservationSpace) "Discrete(64)" "8x8"

                use custom =
                    make """{"desc": ["SH", "FG"], "is_slippery": false, "reward_schedule": [2, -1, 0.5]}"""

                let _, intoHole = play custom 0 [ 2 ]
                Expect.equal intoHole [ 1, -1.0, true ] "a hole pays the schedule's -1"
                let _, toGoal = play custom 0 [ 1; 2 ]
                Expect.equal toGoal [ 2, 0.5, false; 3, 2.0, true ] "frozen 0.5, then the goal's 2"

                Expect.equal
                    ((Registry.Spec "FrozenLake-v1").KwargNames |> List.ofSeq)
                    [ "desc"; "map_name"; "is_slippery"; "success_rate"; "reward_schedule" ]
                    "Gymnasium's names"
            }

            test "a kwarg the env does not take, or a value of the wrong type, is refused naming it" {
                let refusal (id: string) (json: string) =
                    try
                        use _ = Registry.Make(id, (nonNull (JsonNode.Parse json)).AsObject())
                        "no exception"
                    with :? ArgumentException as e ->
                        e.Message

                Expect.stringContains
                    (refusal "FrozenLake-v1" """{"slippery": false}""")
                    "no env kwarg slippery; it takes desc, map_name"
                    "unknown name"

                Expect.stringContains
                    (refusal "CartPole-v1" """{"x": 1}""")
                    "CartPole-v1 takes no env kwargs"
                    "an env without kwargs"

                Expect.stringContains
                    (refusal "FrozenLake-v1" """{"is_slippery": "no"}""")
                    "is_slippery is true or false; got \"no\""
                    "a wrong type"

                Expect.stringContains
                    (refusal "FrozenLake-v1" """{"reward_schedule": [1, 0]}""")
                    "three numbers"
                    "a short schedule"

                Expect.stringContains
                    (refusal "FrozenLake-v1" """{"desc": "SFFG"}""")
                    "a list of row strings"
                    "desc as one string"
            }

            test "a bad map is refused naming what is wrong" {
                let message (f: unit -> FrozenLake) =
                    try
                        f () |> ignore
                        "no exception"
                    with :? ArgumentException as e ->
                        e.Message

                Expect.stringContains (message (fun () -> new FrozenLake(mapName = "5x5"))) "\"5x5\"" "unknown map name"
                Expect.stringContains (message (fun () -> new FrozenLake(desc = [ "SF"; "F" ]))) "one length" "ragged"
                Expect.stringContains (message (fun () -> new FrozenLake(desc = [ "SX"; "FG" ]))) "'X'" "bad letter"

                Expect.stringContains
                    (message (fun () -> new FrozenLake(desc = [ "FF"; "FG" ])))
                    "start tile"
                    "no start"

                Expect.stringContains (message (fun () -> new FrozenLake(successRate = 1.5))) "[0, 1]" "rate"
            }
        ]
