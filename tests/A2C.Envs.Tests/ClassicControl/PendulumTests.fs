module A2C.Envs.Tests.ClassicControl.PendulumTests

open System
open A2C.Envs
open A2C.Envs.ClassicControl
open A2C.Envs.Spaces
open A2C.Envs.Tests
open Expecto

/// The float64 state and reward: the same equations, a few ulps apart at most.
let private tight = { absolute = 1e-13; relative = 1e-12 }

/// The float32 observation.
let private obsAccuracy = { absolute = 1e-7; relative = 1e-6 }

/// Python's floored modulo, written as x - 2 pi floor(x / 2 pi) rather than through fmod.
let private wrap (x: float) =
    let shifted = x + Math.PI
    shifted - 2.0 * Math.PI * floor (shifted / (2.0 * Math.PI)) - Math.PI

/// Gymnasium's published Pendulum-v1 step, written out independently: (theta, theta_dot, reward).
let private published (theta: float) (thetaDot: float) (action: float32) =
    let g, m, l, dt = 10.0, 1.0, 1.0, 0.05
    let u = max -2.0 (min 2.0 (float action))
    let cost = wrap theta ** 2.0 + 0.1 * thetaDot ** 2.0 + 0.001 * u ** 2.0

    let newThetaDot =
        thetaDot + (3.0 * g / (2.0 * l) * sin theta + 3.0 / (m * l ** 2.0) * u) * dt

    let newThetaDot = max -8.0 (min 8.0 newThetaDot)
    theta + newThetaDot * dt, newThetaDot, -cost

let private startedAt (env: Pendulum) (theta: float) (thetaDot: float) =
    let obs = Array.zeroCreate<float32> 3
    env.Reset(Span<float32>(obs), Nullable 0)
    env.SetState(ReadOnlySpan<float>([| theta; thetaDot |]))

let private step (env: Pendulum) (torque: float32) =
    let obs = Array.zeroCreate<float32> 3
    let result = env.Step(ReadOnlySpan<float32>([| torque |]), Span<float32>(obs))
    result, obs

let private expectState (env: Pendulum) (obs: float32[]) (theta: float) (thetaDot: float) what =
    let state = env.GetState()
    Expect.floatClose tight state.[0] theta $"{what}: theta"
    Expect.floatClose tight state.[1] thetaDot $"{what}: theta_dot"
    Expect.floatClose obsAccuracy (float obs.[0]) (cos theta) $"{what}: observed cos theta"
    Expect.floatClose obsAccuracy (float obs.[1]) (sin theta) $"{what}: observed sin theta"
    Expect.floatClose obsAccuracy (float obs.[2]) thetaDot $"{what}: observed theta_dot"

/// The reward of one step from (theta, theta_dot) with the given torque.
let private rewardFrom (env: Pendulum) theta thetaDot torque =
    startedAt env theta thetaDot
    (fst (step env torque)).Reward

[<Tests>]
let tests =
    testList
        "Pendulum-v1"
        [
            test "one step from fixed states matches the published update for several torques" {
                use env = new Pendulum()

                let states =
                    [
                        0.0, 0.0
                        1.0, -2.0
                        -2.5, 3.0
                        3.0, 0.5
                        -3.1, -6.0
                        7.0, 1.0
                        -7.0, -1.0
                        2.0, 7.5
                    ]

                for (th0, thd0) in states do
                    for torque in [ -2.0f; -0.75f; 0.0f; 1.5f; 2.0f ] do
                        startedAt env th0 thd0
                        let result, obs = step env torque
                        let th, thd, reward = published th0 thd0 torque
                        let what = $"from ({th0}, {thd0}) with torque {torque}"
                        expectState env obs th thd what
                        Expect.floatClose tight result.Reward reward $"{what}: reward"
                        Expect.isFalse result.Terminated $"{what}: never terminates"
                        Expect.isFalse result.Truncated $"{what}: the unwrapped env never truncates"
            }

            test "torque 1.5 from (1, -2) matches the hand computation" {
                // sin(1) = 0.8414709848078965
                // theta_dot' = -2 + (3 * 10 / 2 * 0.8414709848078965 + 3 / 1 * 1.5) * 0.05
                //            = -2 + (12.622064772118447 + 4.5) * 0.05 = -2 + 0.8561032386059225
                //            = -1.1438967613940774
                // theta'     = 1 + -1.1438967613940774 * 0.05 = 0.9428051619302962
                // cost       = 1^2 + 0.1 * (-2)^2 + 0.001 * 1.5^2 = 1 + 0.4 + 0.00225 = 1.40225
                // observation: cos 0.9428051619302962 = 0.587520376262456, sin = 0.8092093718416897
                use env = new Pendulum()
                startedAt env 1.0 -2.0
                let result, obs = step env 1.5f
                expectState env obs 0.9428051619302962 -1.1438967613940774 "hand step"
                Expect.floatClose tight result.Reward -1.40225 "reward = -cost"
                Expect.floatClose obsAccuracy (float obs.[0]) 0.587520376262456 "cos literal"
                Expect.floatClose obsAccuracy (float obs.[1]) 0.8092093718416897 "sin literal"
            }

            test "AngleNormalize floors like Python: 3pi/2 -> -pi/2, -3pi/2 -> +pi/2, pi and -pi -> -pi" {
                let cases =
                    [
                        3.0 * Math.PI / 2.0, -Math.PI / 2.0
                        -3.0 * Math.PI / 2.0, Math.PI / 2.0
                        Math.PI, -Math.PI
                        -Math.PI, -Math.PI
                        -7.0, -7.0 + 2.0 * Math.PI
                        0.3 + 10.0 * Math.PI, 0.3
                        -0.3 - 10.0 * Math.PI, -0.3
                        1.0, 1.0
                    ]

                for (x, expected) in cases do
                    let actual = Pendulum.AngleNormalize x
                    Expect.floatClose tight actual expected $"normalize {x}"
                    Expect.isTrue (actual >= -Math.PI && actual < Math.PI) $"normalize {x} = {actual} lies in [-pi, pi)"
            }

            test "the cost uses the normalized angle: 3pi/2 costs as -pi/2 and -3pi/2 as +pi/2" {
                use env = new Pendulum()
                let quarter = (Math.PI / 2.0) ** 2.0

                for (beyond, inside) in [ 3.0 * Math.PI / 2.0, -Math.PI / 2.0; -3.0 * Math.PI / 2.0, Math.PI / 2.0 ] do
                    let r = rewardFrom env beyond 0.0 0.0f
                    Expect.floatClose tight r -quarter $"reward at {beyond} is -(pi/2)^2"
                    Expect.floatClose tight r (rewardFrom env inside 0.0 0.0f) $"{beyond} costs as {inside}"

                // A truncated modulo would leave -3pi/2 at -3pi/2 and cost (3pi/2)^2 ~ 22.2.
                Expect.floatClose tight (rewardFrom env (-7.0) 0.0 0.0f) (-((2.0 * Math.PI - 7.0) ** 2.0)) "-7 rad"
                Expect.floatClose tight (rewardFrom env Math.PI 0.0 0.0f) (-(Math.PI ** 2.0)) "hanging down"
            }

            test "torques beyond +-2 act as +-2, in the dynamics and in the cost" {
                use env = new Pendulum()

                for (big, limit) in [ 5.0f, 2.0f; -3.0f, -2.0f; 100.0f, 2.0f ] do
                    startedAt env 0.4 -1.0
                    let limitResult, limitObs = step env limit
                    let limitState = env.GetState()
                    startedAt env 0.4 -1.0
                    let result, obs = step env big
                    Expect.equal (env.GetState()) limitState $"{big} moves the pendulum as {limit}"
                    Expect.equal obs limitObs $"{big} observed as {limit}"
                    Expect.equal result.Reward limitResult.Reward $"{big} costs as {limit}"

                // cost at (0, 0) with torque 5 -> 2: 0 + 0 + 0.001 * 2^2 = 0.004
                Expect.floatClose tight (rewardFrom env 0.0 0.0 5.0f) -0.004 "0.001 * 2^2"
            }

            test "angular speed is clipped to +-8 before it moves the angle" {
                use env = new Pendulum()
                // 7.9 + (15 * sin(pi/2) + 3 * 2) * 0.05 = 7.9 + 1.05 = 8.95 -> 8; theta' = pi/2 + 8 * 0.05
                startedAt env (Math.PI / 2.0) 7.9
                let _, obs = step env 2.0f
                expectState env obs (Math.PI / 2.0 + 0.4) 8.0 "clipped up"
                Expect.equal obs.[2] 8.0f "observed speed at the limit"

                startedAt env (-Math.PI / 2.0) -7.9
                let _, obs = step env -2.0f
                expectState env obs (-Math.PI / 2.0 - 0.4) -8.0 "clipped down"
                Expect.equal obs.[2] -8.0f "observed speed at the limit"
            }

            test "never terminates, and the registered time limit truncates at step 200" {
                use env = new Pendulum()
                let obs = Array.zeroCreate<float32> 3
                env.Reset(Span<float32>(obs), Nullable 3)

                for i in 1..1000 do
                    let torque = float32 (i % 5 - 2)
                    let result = env.Step(ReadOnlySpan<float32>([| torque |]), Span<float32>(obs))
                    Expect.isFalse (result.Terminated || result.Truncated) $"step {i}"
                    Expect.isTrue (env.ObservationSpace.Contains(ReadOnlySpan<float32>(obs))) $"step {i}: {obs}"

                use made = Registry.Make "Pendulum-v1"
                made.Reset(Span<float32>(obs), Nullable 3)

                let truncated =
                    Array.init 200 (fun _ -> made.Step(ReadOnlySpan<float32>([| 0.0f |]), Span<float32>(obs)).Truncated)

                Expect.equal
                    truncated
                    (Array.init 200 (fun i -> i = 199))
                    "TimeLimit(200) truncates the 200th step only"
            }

            test "seeded resets draw theta in [-pi, pi) and theta_dot in [-1, 1), inside the observation space" {
                use env = new Pendulum()
                let obs = Array.zeroCreate<float32> 3

                let states =
                    [|
                        for seed in 0..999 do
                            env.Reset(Span<float32>(obs), Nullable seed)

                            Expect.isTrue
                                (env.ObservationSpace.Contains(ReadOnlySpan<float32>(obs)))
                                $"seed {seed}: {obs}"

                            let state = env.GetState()
                            Expect.floatClose obsAccuracy (float obs.[0]) (cos state.[0]) $"seed {seed}: cos"
                            Expect.floatClose obsAccuracy (float obs.[1]) (sin state.[0]) $"seed {seed}: sin"
                            Expect.floatClose obsAccuracy (float obs.[2]) state.[1] $"seed {seed}: theta_dot"
                            state
                    |]

                let thetas = states |> Array.map (fun s -> s.[0])
                let speeds = states |> Array.map (fun s -> s.[1])
                Expect.all thetas (fun t -> t >= -Math.PI && t < Math.PI) "theta in [-pi, pi)"
                Expect.all speeds (fun v -> v >= -1.0 && v < 1.0) "theta_dot in [-1, 1)"
                Expect.isLessThan (Array.min thetas) (-3.0) "theta reaches near -pi"
                Expect.isGreaterThan (Array.max thetas) 3.0 "theta reaches near pi"
                Expect.isLessThan (Array.min speeds) -0.95 "theta_dot reaches near -1"
                Expect.isGreaterThan (Array.max speeds) 0.95 "theta_dot reaches near 1"
            }

            test "the same seed gives the same first observation; different seeds differ" {
                use a = new Pendulum()
                use b = new Pendulum()

                Expect.equal (Helpers.reset a 42) (Helpers.reset b 42) "seed 42 twice"
                Expect.notEqual (Helpers.reset a 1) (Helpers.reset b 2) "seeds 1 and 2"
            }

            test "spaces and registry entry are Gymnasium's" {
                use env = new Pendulum()

                Expect.equal
                    (env.ObservationSpace :?> A2C.Envs.Spaces.Box).Low
                    [| -1.0f; -1.0f; -8.0f |]
                    "observation low"

                Expect.equal
                    (env.ObservationSpace :?> A2C.Envs.Spaces.Box).High
                    [| 1.0f; 1.0f; 8.0f |]
                    "observation high"

                match env.ActionSpace with
                | :? Box as box ->
                    Expect.equal box.Low [| -2.0f |] "action low"
                    Expect.equal box.High [| 2.0f |] "action high"
                | other -> failtest $"expected Box(-2, 2, (1,)), got {other}"

                Expect.equal (env.StateNames |> List.ofSeq) [ "theta"; "theta_dot" ] "state names"
                let spec = Registry.Spec "Pendulum-v1"
                Expect.equal spec.MaxEpisodeSteps (Nullable 200) "time limit"
                Expect.isFalse spec.RewardThreshold.HasValue "no reward threshold"
            }

            test "action vectors of the wrong length and integer actions are rejected" {
                use env = new Pendulum()
                let obs = Array.zeroCreate<float32> 3
                env.Reset(Span<float32>(obs), Nullable 0)

                Expect.throwsT<ArgumentException>
                    (fun () -> env.Step(ReadOnlySpan<float32>([| 0.1f; 0.2f |]), Span<float32>(obs)) |> ignore)
                    "two components"

                Expect.throwsT<ArgumentException>
                    (fun () ->
                        env.Step(ReadOnlySpan<float32>(Array.empty<float32>), Span<float32>(obs))
                        |> ignore)
                    "no components"

                Expect.throwsT<ArgumentException> (fun () -> env.Step(1, Span<float32>(obs)) |> ignore) "an integer"
            }
        ]
