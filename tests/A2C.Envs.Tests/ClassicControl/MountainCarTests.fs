module A2C.Envs.Tests.ClassicControl.MountainCarTests

open System
open A2C.Envs
open A2C.Envs.ClassicControl
open A2C.Envs.Spaces
open A2C.Envs.Tests
open Expecto

/// The float64 state: the same arithmetic up to the order of additions, so a few ulps at most.
let private stateAccuracy = { absolute = 1e-15; relative = 1e-12 }

/// The float32 observation: the state rounded to float32.
let private obsAccuracy = { absolute = 1e-7; relative = 1e-6 }

let private startedAt (env: PhysicalEnv) (position: float) (velocity: float) =
    let obs = Array.zeroCreate<float32> 2
    env.Reset(Span<float32>(obs), Nullable 0)
    env.SetState(ReadOnlySpan<float>([| position; velocity |]))

let private stepDiscrete (env: MountainCar) (action: int) =
    let obs = Array.zeroCreate<float32> 2
    let result = env.Step(action, Span<float32>(obs))
    result, obs

let private stepContinuous (env: MountainCarContinuous) (action: float32) =
    let obs = Array.zeroCreate<float32> 2
    let result = env.Step(ReadOnlySpan<float32>([| action |]), Span<float32>(obs))
    result, obs

let private expectState (env: PhysicalEnv) (obs: float32[]) (position: float) (velocity: float) what =
    let state = env.GetState()
    Expect.floatClose stateAccuracy state.[0] position $"{what}: position"
    Expect.floatClose stateAccuracy state.[1] velocity $"{what}: velocity"
    Expect.floatClose obsAccuracy (float obs.[0]) position $"{what}: observed position"
    Expect.floatClose obsAccuracy (float obs.[1]) velocity $"{what}: observed velocity"

/// Gymnasium's published MountainCar-v0 update, written out independently of the C# code.
let private publishedDiscrete (position: float) (velocity: float) (action: int) =
    let v = velocity + float (action - 1) * 0.001 - 0.0025 * cos (3.0 * position)
    let v = max -0.07 (min 0.07 v)
    let p = max -1.2 (min 0.6 (position + v))
    let v = if p = -1.2 && v < 0.0 then 0.0 else v
    p, v, (p >= 0.5 && v >= 0.0)

/// The continuous car's state as Gymnasium stores it between steps: rounded to float32.
let private stored (x: float) = float (float32 x)

/// Gymnasium's published MountainCarContinuous-v0 update: (position, velocity, terminated, reward).
/// The goal is tested on the float64 values; the state kept for the next step is rounded to float32.
let private publishedContinuous (position: float) (velocity: float) (action: float32) =
    let raw = float action
    let force = max -1.0 (min 1.0 raw)
    let v = velocity + force * 0.0015 - 0.0025 * cos (3.0 * position)
    let v = max -0.07 (min 0.07 v)
    let p = max -1.2 (min 0.6 (position + v))
    let v = if p = -1.2 && v < 0.0 then 0.0 else v
    let terminated = p >= 0.45 && v >= 0.0
    stored p, stored v, terminated, (if terminated then 100.0 else 0.0) - 0.1 * raw * raw

/// Over 1000 seeded resets: position uniform in [-0.6, -0.4), velocity 0, observation inside the space.
let private expectResetDistribution (env: PhysicalEnv) =
    let obs = Array.zeroCreate<float32> 2

    let positions =
        [|
            for seed in 0..999 do
                env.Reset(Span<float32>(obs), Nullable seed)
                Expect.isTrue (env.ObservationSpace.Contains(ReadOnlySpan<float32>(obs))) $"seed {seed}: {obs}"
                let state = env.GetState()
                Expect.equal state.[1] 0.0 $"seed {seed}: starts at rest"
                Expect.equal obs [| float32 state.[0]; 0.0f |] $"seed {seed}: observation is the state"
                state.[0]
        |]

    Expect.all positions (fun p -> p >= -0.6 && p < -0.4) "position in [-0.6, -0.4)"
    Expect.isLessThan (Array.min positions) -0.59 "positions reach near -0.6"
    Expect.isGreaterThan (Array.max positions) -0.41 "positions reach near -0.4"

let private fixedStates =
    [ -0.5, 0.0; -0.3, 0.02; 0.1, -0.03; -1.0, -0.01; -0.9, 0.065; 0.3, 0.04 ]

let private discreteTests =
    testList
        "MountainCar-v0"
        [
            test "one step from fixed states matches the published update for every action" {
                use env = new MountainCar()

                for (p0, v0) in fixedStates do
                    for action in 0..2 do
                        startedAt env p0 v0
                        let result, obs = stepDiscrete env action
                        let p, v, terminated = publishedDiscrete p0 v0 action
                        let what = $"from ({p0}, {v0}) with action {action}"
                        expectState env obs p v what
                        Expect.equal result.Reward -1.0 $"{what}: reward"
                        Expect.equal result.Terminated terminated $"{what}: terminated"
                        Expect.isFalse result.Truncated $"{what}: the unwrapped env never truncates"
            }

            test "pushing right from (-0.5, 0) matches the hand computation" {
                // cos(3 * -0.5) = cos(-1.5) = 0.0707372016677029
                // velocity = 0 + (2 - 1) * 0.001 - 0.0025 * 0.0707372016677029
                //          = 0.001 - 0.000176843004169257 = 0.000823156995830743
                // position = -0.5 + 0.000823156995830743 = -0.499176843004169257
                use env = new MountainCar()
                startedAt env -0.5 0.0
                let result, obs = stepDiscrete env 2
                expectState env obs -0.499176843004169257 0.000823156995830743 "push right"
                Expect.isFalse result.Terminated "far from the goal"
            }

            test "coasting from (-0.5, 0) slides left by gravity alone" {
                // velocity = 0 + 0 * 0.001 - 0.0025 * 0.0707372016677029 = -0.000176843004169257
                // position = -0.5 - 0.000176843004169257 = -0.500176843004169257
                use env = new MountainCar()
                startedAt env -0.5 0.0
                let _, obs = stepDiscrete env 1
                expectState env obs -0.500176843004169257 -0.000176843004169257 "no push"
            }

            test "driving into the left wall clips the position to -1.2 and zeroes the negative velocity" {
                use env = new MountainCar()
                startedAt env -1.19 -0.05
                let result, obs = stepDiscrete env 0
                let state = env.GetState()
                Expect.equal state.[0] -1.2 "position clipped exactly to the wall"
                Expect.equal state.[1] 0.0 "the inelastic wall stops the car"
                Expect.equal obs [| float32 -1.2; 0.0f |] "observation"
                Expect.isFalse result.Terminated "the wall is not the goal"
            }

            test "at the wall a positive velocity is kept" {
                use env = new MountainCar()
                startedAt env -1.2 0.0
                let _, obs = stepDiscrete env 2
                let p, v, _ = publishedDiscrete -1.2 0.0 2
                Expect.isGreaterThan v 0.0 "pushing right off the wall moves right"
                expectState env obs p v "off the wall"
            }

            test "velocity is clipped to +0.07 and -0.07 before it moves the car" {
                use env = new MountainCar()
                // 0.0699 + 0.001 - 0.0025 * cos(-1.5) = 0.070723... -> 0.07; position -0.5 + 0.07 = -0.43
                startedAt env -0.5 0.0699
                let _, obs = stepDiscrete env 2
                expectState env obs -0.43 0.07 "clipped up"
                // -0.0699 - 0.001 - 0.000176843... = -0.071076... -> -0.07; position -0.5 - 0.07 = -0.57
                startedAt env -0.5 -0.0699
                let _, obs = stepDiscrete env 0
                expectState env obs -0.57 -0.07 "clipped down"
            }

            test "reaching position 0.5 exactly with velocity 0 terminates; one ulp short does not" {
                use env = new MountainCar()
                // With action 1 the new velocity is v0 - 0.0025 cos(3 p0), exactly 0 for this v0,
                // so the position does not move.
                let coastToRest p0 = 0.0025 * cos (3.0 * p0)
                startedAt env 0.5 (coastToRest 0.5)
                let result, _ = stepDiscrete env 1
                Expect.equal (env.GetState()) [| 0.5; 0.0 |] "at the flag, at rest"
                Expect.isTrue result.Terminated "position >= 0.5 and velocity >= 0"
                Expect.equal result.Reward -1.0 "the terminating step still costs 1"

                let below = Math.BitDecrement 0.5
                startedAt env below (coastToRest below)
                let result, _ = stepDiscrete env 1
                Expect.equal (env.GetState()) [| below; 0.0 |] "one ulp short, at rest"
                Expect.isFalse result.Terminated "just below 0.5 is not the goal"
            }

            test "past the goal but rolling back does not terminate" {
                use env = new MountainCar()
                startedAt env 0.55 -0.01
                let result, _ = stepDiscrete env 1
                let state = env.GetState()
                Expect.isGreaterThanOrEqual state.[0] 0.5 "beyond the flag"
                Expect.isLessThan state.[1] 0.0 "moving left"
                Expect.isFalse result.Terminated "the velocity must be >= 0"
            }

            test "seeded resets start in [-0.6, -0.4) at rest, inside the observation space" {
                use env = new MountainCar()
                expectResetDistribution env
            }

            test "the same seed gives the same first observation; different seeds differ" {
                use a = new MountainCar()
                use b = new MountainCar()

                Expect.equal (Helpers.reset a 42) (Helpers.reset b 42) "seed 42 twice"
                Expect.notEqual (Helpers.reset a 1) (Helpers.reset b 2) "seeds 1 and 2"
            }

            test "spaces and registry entry are Gymnasium's" {
                use env = new MountainCar()
                let obsSpace = env.ObservationSpace :?> A2C.Envs.Spaces.Box
                Expect.equal obsSpace.Low [| float32 -1.2; float32 -0.07 |] "observation low"
                Expect.equal obsSpace.High [| float32 0.6; float32 0.07 |] "observation high"

                match env.ActionSpace with
                | :? Discrete as d -> Expect.equal d.N 3 "three actions"
                | other -> failtest $"expected Discrete(3), got {other}"

                Expect.equal (env.StateNames |> List.ofSeq) [ "position"; "velocity" ] "state names"
                let spec = Registry.Spec "MountainCar-v0"
                Expect.equal spec.MaxEpisodeSteps (Nullable 200) "time limit"
                Expect.equal spec.RewardThreshold (Nullable -110.0) "reward threshold"
            }

            test "actions outside Discrete(3) and float vectors are rejected" {
                use env = new MountainCar()
                let obs = Array.zeroCreate<float32> 2
                env.Reset(Span<float32>(obs), Nullable 0)

                Expect.throwsT<ArgumentOutOfRangeException>
                    (fun () -> env.Step(3, Span<float32>(obs)) |> ignore)
                    "action 3"

                Expect.throwsT<ArgumentOutOfRangeException>
                    (fun () -> env.Step(-1, Span<float32>(obs)) |> ignore)
                    "action -1"

                Expect.throwsT<ArgumentException>
                    (fun () -> env.Step(ReadOnlySpan<float32>([| 1.0f |]), Span<float32>(obs)) |> ignore)
                    "a float vector"
            }
        ]

let private continuousTests =
    testList
        "MountainCarContinuous-v0"
        [
            test "one step from fixed states matches the published update for several actions" {
                use env = new MountainCarContinuous()

                for (p0, v0) in fixedStates do
                    for action in [ -1.0f; -0.3f; 0.0f; 0.5f; 1.0f ] do
                        startedAt env p0 v0
                        let result, obs = stepContinuous env action
                        let p, v, terminated, reward = publishedContinuous p0 v0 action
                        let what = $"from ({p0}, {v0}) with action {action}"
                        expectState env obs p v what
                        Expect.floatClose stateAccuracy result.Reward reward $"{what}: reward"
                        Expect.equal result.Terminated terminated $"{what}: terminated"
                        Expect.isFalse result.Truncated $"{what}: the unwrapped env never truncates"
            }

            test "a half push right from (-0.5, 0) matches the hand computation" {
                // velocity = 0 + 0.5 * 0.0015 - 0.0025 * cos(-1.5)
                //          = 0.00075 - 0.000176843004169257 = 0.000573156995830743
                // position = -0.5 + 0.000573156995830743 = -0.499426843004169257
                // reward   = -0.1 * 0.5^2 = -0.025; the state is kept in float32
                use env = new MountainCarContinuous()
                startedAt env -0.5 0.0
                let result, obs = stepContinuous env 0.5f
                expectState env obs (stored -0.499426843004169257) (stored 0.000573156995830743) "half push"
                Expect.floatClose stateAccuracy result.Reward -0.025 "action penalty"
            }

            test "actions beyond [-1, 1] act as +-1 but the penalty squares the raw action, as Gymnasium does" {
                use env = new MountainCarContinuous()

                for (big, unit) in [ 5.0f, 1.0f; -7.0f, -1.0f ] do
                    startedAt env -0.3 0.02
                    let _, clippedObs = stepContinuous env unit
                    let clippedState = env.GetState()
                    startedAt env -0.3 0.02
                    let result, obs = stepContinuous env big
                    Expect.equal (env.GetState()) clippedState $"{big} moves the car as {unit}"
                    Expect.equal obs clippedObs $"{big} observed as {unit}"
                    // Gymnasium: reward -= math.pow(action[0], 2) * 0.1, with the unclipped action.
                    Expect.floatClose stateAccuracy result.Reward (-0.1 * float big * float big) $"penalty of {big}"

                startedAt env -0.3 0.02
                let result, _ = stepContinuous env 5.0f
                Expect.floatClose stateAccuracy result.Reward -2.5 "5^2 * 0.1 = 2.5"
            }

            test "reaching the goal pays 100 minus the action penalty" {
                use env = new MountainCarContinuous()
                // velocity = 0.03 + 0.5 * 0.0015 - 0.0025 * cos(1.32) ~ 0.03013; position ~ 0.4701 >= 0.45
                startedAt env 0.44 0.03
                let result, _ = stepContinuous env 0.5f
                Expect.isTrue result.Terminated "past 0.45 moving right"
                Expect.floatClose stateAccuracy result.Reward (100.0 - 0.025) "100 - 0.1 * 0.5^2"

                startedAt env 0.44 0.03
                let result, _ = stepContinuous env 5.0f
                Expect.isTrue result.Terminated "past 0.45 moving right"
                Expect.floatClose stateAccuracy result.Reward 97.5 "100 - 0.1 * 5^2 (raw action)"
            }

            test
                "reaching position 0.45 exactly with velocity 0 terminates; one ulp short does not, though both are stored as the same float32" {
                use env = new MountainCarContinuous()
                // With action 0 the new velocity is v0 - 0.0025 cos(3 p0), exactly 0 for this v0.
                let coastToRest p0 = 0.0025 * cos (3.0 * p0)
                startedAt env 0.45 (coastToRest 0.45)
                let result, _ = stepContinuous env 0.0f
                Expect.equal (env.GetState()) [| stored 0.45; 0.0 |] "at the flag, at rest"
                Expect.isTrue result.Terminated "position >= 0.45 and velocity >= 0"
                Expect.equal result.Reward 100.0 "goal reward, no action penalty"

                let below = Math.BitDecrement 0.45
                startedAt env below (coastToRest below)
                let result, _ = stepContinuous env 0.0f
                Expect.equal (env.GetState()) [| stored below; 0.0 |] "one ulp short, at rest"
                Expect.isFalse result.Terminated "just below 0.45 is not the goal"
                Expect.equal result.Reward 0.0 "no goal, no penalty"
            }

            test "the left wall and the speed limit work as in the discrete car" {
                use env = new MountainCarContinuous()
                startedAt env -1.19 -0.05
                let _, obs = stepContinuous env -1.0f
                Expect.equal (env.GetState()) [| stored -1.2; 0.0 |] "clipped to the wall and stopped"
                Expect.equal obs [| float32 -1.2; 0.0f |] "observation"

                // 0.0699 + 0.0015 - 0.0025 * cos(-1.5) = 0.071223... -> 0.07
                startedAt env -0.5 0.0699
                let _, obs = stepContinuous env 1.0f
                expectState env obs (stored -0.43) (stored 0.07) "clipped up"
                startedAt env -0.5 -0.0699
                let _, obs = stepContinuous env -1.0f
                expectState env obs (stored -0.57) (stored -0.07) "clipped down"
            }

            test "seeded resets start in [-0.6, -0.4) at rest, inside the observation space" {
                use env = new MountainCarContinuous()
                expectResetDistribution env

                let obs = Array.zeroCreate<float32> 2
                let again = Array.zeroCreate<float32> 2
                env.Reset(Span<float32>(obs), Nullable 7)
                env.Reset(Span<float32>(again), Nullable 7)
                Expect.equal again obs "the same seed gives the same first observation"
            }

            test "spaces and registry entry are Gymnasium's" {
                use env = new MountainCarContinuous()

                Expect.equal
                    (env.ObservationSpace :?> A2C.Envs.Spaces.Box).Low
                    [| float32 -1.2; float32 -0.07 |]
                    "observation low"

                Expect.equal
                    (env.ObservationSpace :?> A2C.Envs.Spaces.Box).High
                    [| float32 0.6; float32 0.07 |]
                    "observation high"

                match env.ActionSpace with
                | :? Box as box ->
                    Expect.equal box.Low [| -1.0f |] "action low"
                    Expect.equal box.High [| 1.0f |] "action high"
                | other -> failtest $"expected Box(-1, 1, (1,)), got {other}"

                Expect.equal (env.StateNames |> List.ofSeq) [ "position"; "velocity" ] "state names"
                let spec = Registry.Spec "MountainCarContinuous-v0"
                Expect.equal spec.MaxEpisodeSteps (Nullable 999) "time limit"
                Expect.equal spec.RewardThreshold (Nullable 90.0) "reward threshold"
            }

            test "action vectors of the wrong length, NaN and integer actions are rejected" {
                use env = new MountainCarContinuous()
                let obs = Array.zeroCreate<float32> 2
                env.Reset(Span<float32>(obs), Nullable 0)

                Expect.throwsT<ArgumentException>
                    (fun () -> env.Step(ReadOnlySpan<float32>([| 0.1f; 0.2f |]), Span<float32>(obs)) |> ignore)
                    "two components"

                Expect.throwsT<ArgumentException>
                    (fun () ->
                        env.Step(ReadOnlySpan<float32>(Array.empty<float32>), Span<float32>(obs))
                        |> ignore)
                    "no components"

                Expect.throwsT<ArgumentException>
                    (fun () -> env.Step(ReadOnlySpan<float32>([| nanf |]), Span<float32>(obs)) |> ignore)
                    "NaN"

                Expect.throwsT<ArgumentException> (fun () -> env.Step(1, Span<float32>(obs)) |> ignore) "an integer"
            }
        ]

[<Tests>]
let tests = testList "mountain car" [ discreteTests; continuousTests ]
