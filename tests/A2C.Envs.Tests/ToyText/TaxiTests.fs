/// Taxi-v4 as Gymnasium 1.4 defines it: the table's pickups, drop-offs and walls by hand, the start
/// distribution, v4's rain and the fickle passenger, and refused kwargs.
module A2C.Envs.Tests.ToyText.TaxiTests

open System
open System.Collections.Generic
open System.Text.Json.Nodes
open A2C.Envs
open A2C.Envs.ToyText
open A2C.Envs.Tests
open Expecto

let private decode s =
    let struct (row, column, passenger, destination) = Taxi.Decode s
    row, column, passenger, destination

let private outcome (p: float) (row, column, passenger, destination) (reward: float) terminated =
    Transition(p, Taxi.Encode(row, column, passenger, destination), reward, terminated)

let private only (env: Taxi) (row, column, passenger, destination) action =
    let outcomes =
        env.Transitions(Taxi.Encode(row, column, passenger, destination), action)

    Expect.equal outcomes.Count 1 "one outcome"
    outcomes[0]

/// The shortest actions from `start` to a state `goal` accepts, over the deterministic table.
let private route (env: Taxi) (start: int) (goal: int -> bool) =
    let previous = Dictionary<int, int * int>()
    let queue = Queue<int>([ start ])
    let mutable found = None

    while found.IsNone && queue.Count > 0 do
        let s = queue.Dequeue()

        if goal s then
            found <- Some s
        else
            for a in 0..5 do
                let next = env.Transitions(s, a).[0].Next

                if next <> start && not (previous.ContainsKey next) then
                    previous[next] <- (s, a)
                    queue.Enqueue next

    let rec back s acc =
        if s = start then
            acc
        else
            let p, a = previous[s] in back p (a :: acc)

    back (Option.get found) []

/// The start state and, per step, (state, reward, terminated).
let private play (env: IEnv) seed actions =
    let start, steps = Helpers.playDiscrete env seed actions
    start, steps |> List.map (fun (s, r, t, _) -> s, r, t)

[<Tests>]
let tests =
    testList
        "Taxi"
        [
            test "encode and decode are inverse over the 500 states, as Gymnasium numbers them" {
                for s in 0..499 do
                    Expect.equal (let r, c, p, d = decode s in Taxi.Encode(r, c, p, d)) s $"state {s}"

                Expect.equal (Taxi.Encode(4, 4, 4, 3)) 499 "the last state"
                Expect.equal (Taxi.Encode(1, 2, 3, 0)) 152 "((1 * 5 + 2) * 5 + 3) * 4 + 0"
            }

            test "pickups and drop-offs pay as Gymnasium's table does" {
                use env = new Taxi()
                // At R (0, 0) with the passenger there, bound for G.
                Expect.equal
                    (only env (0, 0, 0, 1) 4)
                    (outcome 1.0 (0, 0, 4, 1) -1.0 false)
                    "a pickup at the passenger's stand"

                Expect.equal
                    (only env (0, 0, 4, 1) 4)
                    (outcome 1.0 (0, 0, 4, 1) -10.0 false)
                    "a pickup with the passenger aboard"

                Expect.equal
                    (only env (2, 2, 0, 1) 4)
                    (outcome 1.0 (2, 2, 0, 1) -10.0 false)
                    "a pickup away from the passenger"

                Expect.equal
                    (only env (0, 4, 4, 1) 5)
                    (outcome 1.0 (0, 4, 1, 1) 20.0 true)
                    "a drop-off at the destination ends it"

                Expect.equal
                    (only env (4, 0, 4, 1) 5)
                    (outcome 1.0 (4, 0, 2, 1) -1.0 false)
                    "a drop-off at another stand leaves them there"

                Expect.equal
                    (only env (2, 2, 4, 1) 5)
                    (outcome 1.0 (2, 2, 4, 1) -10.0 false)
                    "a drop-off between stands"
            }

            test "walls and the grid's edge stop the taxi, at the cost of a step" {
                use env = new Taxi()
                let moved state action = decode (only env state action).Next
                Expect.equal (moved (0, 1, 0, 1) 2) (0, 1, 0, 1) "east of (0, 1) is a wall"
                Expect.equal (moved (0, 1, 0, 1) 3) (0, 0, 0, 1) "west of (0, 1) is open"
                Expect.equal (moved (3, 0, 0, 1) 2) (3, 0, 0, 1) "east of (3, 0) is a wall"
                Expect.equal (moved (2, 0, 0, 1) 2) (2, 1, 0, 1) "the middle row is open"
                Expect.equal (moved (0, 3, 0, 1) 1) (0, 3, 0, 1) "north of the top row"
                Expect.equal (moved (4, 3, 0, 1) 0) (4, 3, 0, 1) "south of the bottom row"
                Expect.equal (only env (0, 1, 0, 1) 2).Reward -1.0 "a step into a wall costs 1"
            }

            test
                "a reset starts with the passenger at a stand other than their destination, uniformly over the 300 such states" {
                use env = new Taxi()
                let observation = [| 0f |]

                let starts =
                    [
                        for seed in 0..5999 do
                            env.Reset(Span observation, Nullable seed)
                            yield int observation[0]
                    ]

                for s in starts do
                    let _, _, passenger, destination = decode s
                    Expect.isLessThan passenger 4 "the passenger waits at a stand"
                    Expect.notEqual passenger destination "not at their destination"

                // 6000 draws over 300 states: each is seen (a miss has odds of about 1 in a million).
                Expect.equal (List.distinct starts |> List.length) 300 "every start state occurs"
            }

            test "a seeded episode picks the passenger up and delivers them: -1 a step, +20 at the end" {
                use env = new Taxi()
                let start, _ = play env 11 []
                let _, _, passenger, destination = decode start
                let toPickup = route env start (fun s -> let _, _, p, _ = decode s in p = 4)

                let afterPickup =
                    List.fold (fun s a -> env.Transitions(s, a).[0].Next) start toPickup

                let toDropoff = route env afterPickup (fun s -> let _, _, p, d = decode s in p = d)
                let _, steps = play env 11 (toPickup @ toDropoff)
                Expect.equal (List.last toPickup) 4 "the route ends with a pickup"
                Expect.equal (List.last toDropoff) 5 "and a drop-off"

                Expect.all
                    (List.take (steps.Length - 1) steps)
                    (fun (_, r, t) -> r = -1.0 && not t)
                    "every other step costs 1"

                let final, reward, terminated = List.last steps
                Expect.equal (reward, terminated) (20.0, true) "delivered"

                Expect.equal
                    (decode final)
                    (let struct (r, c) = Taxi.Stands[destination] in r, c, destination, destination)
                    $"at the destination (passenger from {passenger})"
            }

            test "v4's rain: ahead at rainy_probability, each side at half the rest, and no veer when ahead is blocked" {
                use env = new Taxi(isRainy = true, rainyProbability = 0.7)

                Expect.sequenceEqual
                    (env.Transitions(Taxi.Encode(2, 2, 0, 1), 0))
                    [
                        outcome 0.7 (3, 2, 0, 1) -1.0 false
                        outcome 0.15000000000000002 (2, 3, 0, 1) -1.0 false
                        outcome 0.15000000000000002 (2, 1, 0, 1) -1.0 false
                    ]
                    "south from (2, 2): ahead, then its left (east), then its right (west)"

                Expect.sequenceEqual
                    (env.Transitions(Taxi.Encode(1, 3, 0, 1), 3) |> Seq.map (fun t -> decode t.Next))
                    [ (1, 2, 0, 1); (2, 3, 0, 1); (0, 3, 0, 1) ]
                    "west from (1, 3): ahead, left is south, right is north"

                Expect.sequenceEqual
                    (env.Transitions(Taxi.Encode(0, 1, 0, 1), 2))
                    [ outcome 1.0 (0, 1, 0, 1) -1.0 false ]
                    "east of (0, 1) is a wall: the taxi stays"

                Expect.equal (env.Transitions(Taxi.Encode(0, 0, 0, 1), 4).Count) 1 "a pickup never veers"
            }

            test "a fickle passenger changes destination on the taxi's first move after the pickup, and only then" {
                let destinations (fickle: float) =
                    use env = new Taxi(ficklePassenger = true, fickleProbability = fickle)
                    let start, _ = play env 5 []
                    let toPickup = route env start (fun s -> let _, _, p, _ = decode s in p = 4)
                    let pickedUp = List.fold (fun s a -> env.Transitions(s, a).[0].Next) start toPickup
                    let row, _, _, _ = decode pickedUp
                    let moves = if row < 4 then [ 0; 1 ] else [ 1; 0 ]
                    let _, steps = play env 5 (toPickup @ moves)
                    let _, _, _, original = decode start

                    original,
                    [
                        for s, _, _ in List.skip toPickup.Length steps -> let _, _, _, d = decode s in d
                    ]

                let original, always = destinations 1.0
                Expect.notEqual always[0] original "probability 1: a new destination after the first move"
                Expect.equal always[1] always[0] "and no second change"
                let original', never = destinations 0.0
                Expect.equal never [ original'; original' ] "probability 0: the same destination"
            }

            test "the action mask allows exactly the actions that change the state, as Gymnasium's action_mask does" {
                use env = new Taxi()
                let valid = Array.zeroCreate 6

                for s in 0..499 do
                    Taxi.ActionMask(ReadOnlySpan [| float32 s |], Span valid)

                    for a in 0..5 do
                        let changes = env.Transitions(s, a).[0].Next <> s
                        Expect.equal valid[a] changes $"state {s}, action {a}"

                Expect.isTrue ((Registry.Spec "Taxi-v4").ActionMask <> null) "the registry gives it"
                Expect.isTrue ((Registry.Spec "CliffWalking-v1").ActionMask = null) "CliffWalking has none"

                let refused =
                    try
                        Taxi.ActionMask(ReadOnlySpan [| 500f |], Span valid)
                        "no exception"
                    with :? ArgumentException as e ->
                        e.Message

                Expect.stringContains refused "a state in 0..499" "a state outside Taxi"
            }

            test "registered as Gymnasium 1.4 registers Taxi-v4, with its kwargs" {
                let spec = Registry.Spec "Taxi-v4"

                Expect.equal
                    (spec.MaxEpisodeSteps, spec.RewardThreshold)
                    (Nullable 200, Nullable 8.0)
                    "time limit and threshold"

                use env = Registry.Make "Taxi-v4"
                Expect.equal (string env.ObservationSpace) "Discrete(500)" "500 states"
                Expect.equal (string env.ActionSpace) "Discrete(6)" "four moves, pickup, drop-off"

                Expect.equal
                    (List.ofSeq spec.KwargNames)
                    [ "is_rainy"; "fickle_passenger"; "rainy_probability"; "fickle_probability" ]
                    "Gymnasium's names"

                use rainy =
                    Registry.Make("Taxi-v4", JsonObject(dict [ "is_rainy", JsonValue.Create true :> JsonNode ]))

                Expect.isTrue ((rainy.Unwrapped :?> Taxi).IsRainy) "is_rainy through the registry"
            }

            test "a bad kwarg value is refused naming it" {
                let refusal (json: string) =
                    try
                        use _ = Registry.Make("Taxi-v4", (nonNull (JsonNode.Parse json)).AsObject())
                        "no exception"
                    with :? ArgumentException as e ->
                        e.Message

                Expect.stringContains
                    (refusal """{"rainy_probability": 1.5}""")
                    "rainy_probability is a probability"
                    "out of range"

                Expect.stringContains (refusal """{"is_rainy": "yes"}""") "is_rainy is true or false" "wrong type"
                Expect.stringContains (refusal """{"raining": true}""") "no env kwarg raining" "unknown name"
            }

            test "a snapshot restores the state, the fickle flag and the generator" {
                use env = new Taxi(isRainy = true, ficklePassenger = true, fickleProbability = 0.5)
                let observation = [| 0f |]
                env.Reset(Span observation, Nullable 3)
                let snapshot = env.SaveSnapshot()

                let run () =
                    [
                        for a in [ 0; 2; 1; 3; 4; 0; 2; 5 ] ->
                            let r = env.Step(a, Span observation) in int observation[0], r.Reward
                    ]

                let first = run ()
                env.LoadSnapshot(ReadOnlySpan snapshot)
                Expect.equal (run ()) first "the same steps again"
            }
        ]
