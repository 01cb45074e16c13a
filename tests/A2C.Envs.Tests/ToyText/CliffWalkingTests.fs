/// CliffWalking-v1 and CliffWalkingSlippery-v1 as Gymnasium 1.4 defines them: the cliff, the
/// optimal walk, the slip law, no time limit unless gym.make's max_episode_steps gives one.
module A2C.Envs.Tests.ToyText.CliffWalkingTests

open System
open System.Text.Json.Nodes
open A2C.Envs
open A2C.Envs.ToyText
open A2C.Envs.Tests
open Expecto

let private kwargs (json: string) =
    (nonNull (JsonNode.Parse json)).AsObject()

[<Tests>]
let tests =
    testList
        "CliffWalking"
        [
            test "a step into the cliff costs 100 and puts the walker back at the start, without ending the episode" {
                use env = new CliffWalking()
                let start, steps = Helpers.playDiscrete env 0 [ 1; 0; 1; 2 ]
                Expect.equal start 36 "the start is (3, 0)"

                Expect.equal
                    steps
                    [
                        36, -100.0, false, false
                        24, -1.0, false, false
                        25, -1.0, false, false
                        36, -100.0, false, false
                    ]
                    "right into the cliff; up; right; down into the cliff"
            }

            test "the walk along the cliff's edge is the optimum: 13 steps, return -13" {
                use env = new CliffWalking()
                let _, steps = Helpers.playDiscrete env 0 ([ 0 ] @ List.replicate 11 1 @ [ 2 ])
                Expect.equal (steps |> List.sumBy (fun (_, r, _, _) -> r)) -13.0 "return"
                Expect.equal (List.last steps) (47, -1.0, true, false) "the goal ends it"

                Expect.equal
                    (steps |> List.filter (fun (_, _, t, _) -> t) |> List.length)
                    1
                    "only the last step ends it"
            }

            test "slippery: the intended move or either perpendicular one, a third each, in Gymnasium's order" {
                use env = new CliffWalking(isSlippery = true)
                let third = 1.0 / 3.0

                Expect.sequenceEqual
                    (env.Transitions(17, 0))
                    [
                        Transition(third, 16, -1.0, false)
                        Transition(third, 5, -1.0, false)
                        Transition(third, 18, -1.0, false)
                    ]
                    "up from (1, 5): left, up, right"

                Expect.sequenceEqual
                    (env.Transitions(24, 2))
                    [
                        Transition(third, 25, -1.0, false)
                        Transition(third, 36, -1.0, false)
                        Transition(third, 24, -1.0, false)
                    ]
                    "down from (2, 0): right (its a - 1) is (2, 1), down is the start, left is off the grid and stays"

                Expect.sequenceEqual
                    (env.Transitions(35, 2) |> Seq.map (fun t -> t.Next, t.Reward, t.Terminated))
                    [ (35, -1.0, false); (47, -1.0, true); (34, -1.0, false) ]
                    "down from (2, 11): right stays, down is the goal, left"
            }

            test "over many seeds, a slippery step goes each way a third of the time" {
                use env = new CliffWalking(isSlippery = true)
                let observation = [| 0f |]

                let counts =
                    [
                        for seed in 0..2999 do
                            env.Reset(Span observation, Nullable seed)
                            env.Step(0, Span observation) |> ignore // up from the start: left stays, up, right falls
                            yield int observation[0]
                    ]
                    |> List.countBy id
                    |> Map.ofList

                // Binomial(3000, 1/3): std 26; five of them either way. Left (stays) and right (the cliff) both end at 36.
                Expect.isLessThan (abs (float counts[24] - 1000.0)) 130.0 $"up: {counts[24]}"
                Expect.isLessThan (abs (float counts[36] - 2000.0)) 130.0 $"back at the start: {counts[36]}"
            }

            test "registered as Gymnasium registers them: no time limit, no threshold, slippery by id or kwarg" {
                for id in [ "CliffWalking-v1"; "CliffWalkingSlippery-v1" ] do
                    let spec = Registry.Spec id
                    Expect.equal (spec.MaxEpisodeSteps, spec.RewardThreshold) (Nullable(), Nullable()) id

                use plain = Registry.Make "CliffWalking-v1"
                use slippery = Registry.Make "CliffWalkingSlippery-v1"

                use dry =
                    Registry.Make("CliffWalkingSlippery-v1", kwargs """{"is_slippery": false}""")

                Expect.isFalse ((plain.Unwrapped :?> CliffWalking).IsSlippery) "v1 is not slippery"
                Expect.isTrue ((slippery.Unwrapped :?> CliffWalking).IsSlippery) "the slippery id"
                Expect.isFalse ((dry.Unwrapped :?> CliffWalking).IsSlippery) "its kwarg"
                Expect.equal (string plain.ObservationSpace) "Discrete(48)" "48 states"
            }

            test "gym.make's max_episode_steps gives any env a time limit, and a bad one is refused" {
                use limited =
                    Registry.Make("CliffWalking-v1", kwargs """{"max_episode_steps": 3}""")

                let _, steps = Helpers.playDiscrete limited 0 [ 0; 0; 0 ]

                Expect.equal
                    (steps |> List.map (fun (_, _, _, truncated) -> truncated))
                    [ false; false; true ]
                    "truncated at 3"

                use cartPole = Registry.Make("CartPole-v1", kwargs """{"max_episode_steps": 2}""")
                let obs = Helpers.reset cartPole 0
                Helpers.stepDiscrete cartPole 1 |> ignore
                let _, second = Helpers.stepDiscrete cartPole 1
                Expect.isTrue second.Truncated $"an env with no kwargs of its own takes it too ({obs.Length} numbers)"

                for bad in [ "0"; "-2"; "2.5"; "\"ten\"" ] do
                    let message =
                        try
                            use _ =
                                Registry.Make("CliffWalking-v1", kwargs $$"""{"max_episode_steps": {{bad}}}""")

                            "no exception"
                        with :? ArgumentException as e ->
                            e.Message

                    Expect.stringContains message "max_episode_steps is a positive whole number" bad
            }

            test "a snapshot restores the walker and the generator" {
                use env = new CliffWalking(isSlippery = true)
                let observation = [| 0f |]
                env.Reset(Span observation, Nullable 8)
                env.Step(0, Span observation) |> ignore
                let snapshot = env.SaveSnapshot()

                let run () =
                    [
                        for a in [ 1; 1; 0; 1; 2; 1; 1 ] ->
                            let r = env.Step(a, Span observation) in int observation[0], r.Reward
                    ]

                let first = run ()
                env.LoadSnapshot(ReadOnlySpan snapshot)
                Expect.equal (run ()) first "the same steps again"
            }
        ]
