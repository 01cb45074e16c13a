module A2C.Envs.Tests.ClassicControl.AcrobotTests

open System
open A2C.Envs
open A2C.Envs.ClassicControl
open Expecto

// An independent, deliberately naive float64 model of Acrobot-v1, written from the published
// equations (Sutton and Barto's book version): allocating arrays, `**` for powers, sin(x) in place
// of cos(x - pi/2), and recursion for the angle wrapping.

let private m1, m2 = 1.0, 1.0
let private l1 = 1.0
let private lc1, lc2 = 0.5, 0.5
let private i1, i2 = 1.0, 1.0
let private g = 9.8
let private dt = 0.2
let private maxVel1 = 4.0 * Math.PI
let private maxVel2 = 9.0 * Math.PI

/// d/dt of [theta1; theta2; dtheta1; dtheta2; torque]; the torque is constant.
let private derivs (y: float[]) =
    let th1, th2, w1, w2, tau = y.[0], y.[1], y.[2], y.[3], y.[4]

    let d1 =
        m1 * lc1 ** 2.0
        + m2 * (l1 ** 2.0 + lc2 ** 2.0 + 2.0 * l1 * lc2 * cos th2)
        + i1
        + i2

    let d2 = m2 * (lc2 ** 2.0 + l1 * lc2 * cos th2) + i2
    let phi2 = m2 * lc2 * g * sin (th1 + th2)

    let phi1 =
        -m2 * l1 * lc2 * w2 ** 2.0 * sin th2 - 2.0 * m2 * l1 * lc2 * w2 * w1 * sin th2
        + (m1 * lc1 + m2 * l1) * g * sin th1
        + phi2

    let th2Acc =
        (tau + d2 / d1 * phi1 - m2 * l1 * lc2 * w1 ** 2.0 * sin th2 - phi2)
        / (m2 * lc2 ** 2.0 + i2 - d2 ** 2.0 / d1)

    let th1Acc = -(d2 * th2Acc + phi1) / d1
    [| w1; w2; th1Acc; th2Acc; 0.0 |]

/// One classic Runge-Kutta step of length dt, written out.
let private rk4 (y: float[]) =
    let k1 = derivs y
    let k2 = derivs (Array.init 5 (fun i -> y.[i] + dt / 2.0 * k1.[i]))
    let k3 = derivs (Array.init 5 (fun i -> y.[i] + dt / 2.0 * k2.[i]))
    let k4 = derivs (Array.init 5 (fun i -> y.[i] + dt * k3.[i]))
    Array.init 5 (fun i -> y.[i] + dt / 6.0 * (k1.[i] + 2.0 * k2.[i] + 2.0 * k3.[i] + k4.[i]))

let rec private wrap x =
    if x > Math.PI then wrap (x - 2.0 * Math.PI)
    elif x < -Math.PI then wrap (x + 2.0 * Math.PI)
    else x

let private torqueOf action = float action - 1.0

/// The state after the integration, before wrapping and bounding.
let private integrated (state: float[]) action =
    (rk4 (Array.append state [| torqueOf action |])).[0..3]

/// The reference next state.
let private referenceStep (state: float[]) action =
    let s = integrated state action

    [|
        wrap s.[0]
        wrap s.[1]
        s.[2] |> max -maxVel1 |> min maxVel1
        s.[3] |> max -maxVel2 |> min maxVel2
    |]

let private height (s: float[]) = -cos s.[0] - cos (s.[0] + s.[1])

let private observationOf (s: float[]) =
    [| cos s.[0]; sin s.[0]; cos s.[1]; sin s.[1]; s.[2]; s.[3] |]
    |> Array.map float32

let private tight = { absolute = 1e-9; relative = 1e-9 }

/// Sets the state of a freshly reset env, steps once, and returns the new state, the observation and the result.
let private stepFrom (state: float[]) (action: int) : float[] * float32[] * StepResult =
    use env = new Acrobot()
    let obs = Array.zeroCreate<float32> 6
    env.Reset(Span<float32>(obs), Nullable 0)
    (env :> IHasPhysicalState).SetState(ReadOnlySpan<float>(state))
    let result = env.Step(action, Span<float32>(obs))
    (env :> IHasPhysicalState).GetState(), obs, result

let private expectStatesClose accuracy (actual: float[]) (expected: float[]) message =
    Expect.equal actual.Length expected.Length $"{message}: state size"

    for i in 0 .. expected.Length - 1 do
        Expect.floatClose accuracy actual.[i] expected.[i] $"{message}: component {i}"

/// Starting angles theta1 (theta2 and both velocities zero) whose next reference state is just below and
/// just above the target height: 1e-11 either side of the crossing found by bisection in [lo, hi], so the
/// margins (about 1e-11) dwarf the last-bit differences between the env and the reference.
let private bisectTarget lo hi =
    let above x =
        height (referenceStep [| x; 0.0; 0.0; 0.0 |] 1) > 1.0

    let mutable lo, hi = lo, hi

    for _ in 1..200 do
        let mid = lo + (hi - lo) / 2.0

        if mid > lo && mid < hi then
            if above mid then hi <- mid else lo <- mid

    hi - 1e-11, hi + 1e-11

[<Tests>]
let tests =
    testList
        "Acrobot-v1"
        [
            test "the naive reference keeps a resting, hanging acrobot at rest under zero torque" {
                let next = referenceStep [| 0.0; 0.0; 0.0; 0.0 |] 1
                expectStatesClose tight next [| 0.0; 0.0; 0.0; 0.0 |] "rest"
            }

            test "actions 0, 1, 2 are torques -1, 0, +1" {
                Expect.equal (Acrobot.Torque 0) -1.0 "action 0"
                Expect.equal (Acrobot.Torque 1) 0.0 "action 1"
                Expect.equal (Acrobot.Torque 2) 1.0 "action 2"
            }

            for action in [ 0; 1; 2 ] do
                test $"one RK4 step from [0.3, -0.7, 1.2, -2.5] with action {action} matches the naive equations" {
                    let start = [| 0.3; -0.7; 1.2; -2.5 |]
                    let state, obs, result = stepFrom start action
                    let expected = referenceStep start action
                    expectStatesClose tight state expected $"state after action {action}"

                    Expect.equal
                        obs
                        (observationOf state)
                        "observation = float32 [cos t1, sin t1, cos t2, sin t2, dt1, dt2]"

                    for i in 0..5 do
                        Expect.floatClose
                            { absolute = 1e-6; relative = 1e-6 }
                            (float obs.[i])
                            (float (observationOf expected).[i])
                            $"observation component {i} against the reference"

                    Expect.isFalse result.Terminated "the tip is far below the line"
                    Expect.isFalse result.Truncated "the env itself never truncates"
                    Expect.equal result.Reward -1.0 "every step short of the target costs 1"
                }

            test "torques -1 and +1 push the second link in opposite directions" {
                let start = [| 0.3; -0.7; 1.2; -2.5 |]
                let minus, _, _ = stepFrom start 0
                let zero, _, _ = stepFrom start 1
                let plus, _, _ = stepFrom start 2
                Expect.isLessThan minus.[3] zero.[3] "torque -1 slows dtheta2"
                Expect.isGreaterThan plus.[3] zero.[3] "torque +1 speeds dtheta2"
            }

            test "a 25-step trajectory with mixed actions follows the naive model" {
                use env = new Acrobot()
                let obs = Array.zeroCreate<float32> 6
                env.Reset(Span<float32>(obs), Nullable 7)
                let physical = env :> IHasPhysicalState
                let mutable expected = [| 1.0; -0.4; 0.5; 2.0 |]
                physical.SetState(ReadOnlySpan<float>(expected))

                for t in 0..24 do
                    let action = (t * 7 + 1) % 3
                    let result = env.Step(action, Span<float32>(obs))
                    expected <- referenceStep expected action
                    expectStatesClose { absolute = 1e-8; relative = 1e-8 } (physical.GetState()) expected $"step {t}"
                    Expect.equal result.Terminated (height expected > 1.0) $"termination at step {t}"
            }

            test "angles that pass +pi or -pi during the step are wrapped back into [-pi, pi]" {
                let start = [| 3.1; -3.1; 2.0; -3.0 |]
                let raw = integrated start 1
                Expect.isGreaterThan raw.[0] Math.PI "precondition: theta1 passes +pi"
                Expect.isLessThan raw.[1] -Math.PI "precondition: theta2 passes -pi"
                let state, obs, _ = stepFrom start 1
                Expect.isTrue (state.[0] >= -Math.PI && state.[0] <= Math.PI) $"theta1 {state.[0]} in [-pi, pi]"
                Expect.isTrue (state.[1] >= -Math.PI && state.[1] <= Math.PI) $"theta2 {state.[1]} in [-pi, pi]"
                Expect.floatClose tight state.[0] (raw.[0] - 2.0 * Math.PI) "theta1 wrapped by -2pi"
                Expect.floatClose tight state.[1] (raw.[1] + 2.0 * Math.PI) "theta2 wrapped by +2pi"
                Expect.floatClose tight state.[2] raw.[2] "dtheta1 untouched"
                Expect.floatClose tight state.[3] raw.[3] "dtheta2 untouched"
                Expect.equal obs (observationOf state) "observation of the wrapped state"
            }

            test "angles set several turns away are wrapped by repeated 2pi steps" {
                let start = [| 20.0; -15.0; 0.5; -0.5 |]
                let state, _, _ = stepFrom start 2
                expectStatesClose tight state (referenceStep start 2) "wrapped state"
                Expect.isTrue (abs state.[0] <= Math.PI && abs state.[1] <= Math.PI) "both angles in [-pi, pi]"
            }

            test "an enormous angle from SetState is still wrapped, without hanging" {
                let state, obs, _ = stepFrom [| 1e20; -1e20; 0.0; 0.0 |] 1
                Expect.isTrue (abs state.[0] <= Math.PI && abs state.[1] <= Math.PI) $"angles {state.[0]}, {state.[1]}"
                Expect.isTrue (obs |> Array.forall Single.IsFinite) "finite observation"
            }

            test "large positive velocities are bounded to 4pi and 9pi" {
                let start = [| 0.0; 0.0; 25.0; 30.0 |]
                let raw = integrated start 2
                Expect.isGreaterThan raw.[2] maxVel1 "precondition: dtheta1 exceeds 4pi"
                Expect.isGreaterThan raw.[3] maxVel2 "precondition: dtheta2 exceeds 9pi"
                let state, obs, _ = stepFrom start 2
                Expect.equal state.[2] (4.0 * Math.PI) "dtheta1 = 4pi"
                Expect.equal state.[3] (9.0 * Math.PI) "dtheta2 = 9pi"
                Expect.floatClose tight state.[0] (wrap raw.[0]) "theta1 as integrated"
                Expect.floatClose tight state.[1] (wrap raw.[1]) "theta2 as integrated"
                Expect.equal obs.[4] (float32 (4.0 * Math.PI)) "observed dtheta1 at the bound"
                Expect.equal obs.[5] (float32 (9.0 * Math.PI)) "observed dtheta2 at the bound"
            }

            test "large negative velocities are bounded to -4pi and -9pi" {
                let start = [| 0.0; 0.0; -25.0; -30.0 |]
                let raw = integrated start 0
                Expect.isLessThan raw.[2] -maxVel1 "precondition: dtheta1 below -4pi"
                Expect.isLessThan raw.[3] -maxVel2 "precondition: dtheta2 below -9pi"
                let state, _, _ = stepFrom start 0
                Expect.equal state.[2] (-4.0 * Math.PI) "dtheta1 = -4pi"
                Expect.equal state.[3] (-9.0 * Math.PI) "dtheta2 = -9pi"
            }

            test "observations stay inside the observation space even at the velocity bounds" {
                use env = new Acrobot()
                let obs = Array.zeroCreate<float32> 6
                env.Reset(Span<float32>(obs), Nullable 3)
                (env :> IHasPhysicalState).SetState(ReadOnlySpan<float>([| 0.0; 0.0; 25.0; 30.0 |]))
                env.Step(2, Span<float32>(obs)) |> ignore
                Expect.isTrue (env.ObservationSpace.Contains(ReadOnlySpan<float32>(obs))) $"%A{obs} inside"

                Expect.equal
                    (env.ObservationSpace :?> A2C.Envs.Spaces.Box).Low
                    [| -1f; -1f; -1f; -1f; float32 -maxVel1; float32 -maxVel2 |]
                    "low"

                Expect.equal
                    (env.ObservationSpace :?> A2C.Envs.Spaces.Box).High
                    [| 1f; 1f; 1f; 1f; float32 maxVel1; float32 maxVel2 |]
                    "high"
            }

            test "a step that ends just above the target height terminates with reward 0; just below, it does not" {
                let lo, hi = bisectTarget 2.0 3.0
                let hLo = height (referenceStep [| lo; 0.0; 0.0; 0.0 |] 1)
                let hHi = height (referenceStep [| hi; 0.0; 0.0; 0.0 |] 1)

                Expect.isTrue
                    (hHi - 1.0 > 1e-13 && hHi - 1.0 < 1e-9)
                    $"precondition: reference height {hHi} just above 1"

                Expect.isTrue
                    (1.0 - hLo > 1e-13 && 1.0 - hLo < 1e-9)
                    $"precondition: reference height {hLo} just below 1"

                let above, _, aboveResult = stepFrom [| hi; 0.0; 0.0; 0.0 |] 1
                Expect.isGreaterThan (height above) 1.0 "the env's tip is above the line"
                Expect.isTrue aboveResult.Terminated "terminated above the line"
                Expect.equal aboveResult.Reward 0.0 "reaching the target gives 0"
                Expect.isFalse aboveResult.Truncated "not truncated"

                let below, _, belowResult = stepFrom [| lo; 0.0; 0.0; 0.0 |] 1
                Expect.isLessThanOrEqual (height below) 1.0 "the env's tip is not above the line"
                Expect.isFalse belowResult.Terminated "not terminated at or below the line"
                Expect.equal belowResult.Reward -1.0 "short of the target costs 1"
            }

            test "stepping after termination throws until the next reset" {
                let _, hi = bisectTarget 2.0 3.0
                use env = new Acrobot()
                let obs = Array.zeroCreate<float32> 6
                env.Reset(Span<float32>(obs), Nullable 0)
                (env :> IHasPhysicalState).SetState(ReadOnlySpan<float>([| hi; 0.0; 0.0; 0.0 |]))
                Expect.isTrue (env.Step(1, Span<float32>(obs))).Terminated "terminated"

                Expect.throwsT<InvalidOperationException>
                    (fun () -> env.Step(1, Span<float32>(obs)) |> ignore)
                    "step after termination"

                env.Reset(Span<float32>(obs), Nullable 0)
                Expect.isFalse (env.Step(1, Span<float32>(obs))).Terminated "a fresh episode runs"
            }

            for action in [ 0; 1; 2 ] do
                test $"the resting state with action {action} costs 1 and does not terminate" {
                    let _, _, result = stepFrom [| 0.0; 0.0; 0.0; 0.0 |] action
                    Expect.equal result.Reward -1.0 "reward"
                    Expect.isFalse result.Terminated "not terminated"
                    Expect.isFalse result.Truncated "not truncated"
                }

            test "resets draw every state component uniformly from [-0.1, 0.1], stored as float32 like Gymnasium" {
                use env = new Acrobot()
                let physical = env :> IHasPhysicalState
                let obs = Array.zeroCreate<float32> 6
                let bound = float 0.1f

                let states =
                    [|
                        for seed in 0..1999 do
                            env.Reset(Span<float32>(obs), Nullable seed)
                            let s = physical.GetState()
                            Expect.isTrue (env.ObservationSpace.Contains(ReadOnlySpan<float32>(obs))) $"seed {seed}"
                            Expect.equal obs (observationOf s) $"seed {seed}: first observation of the state"
                            yield s
                    |]

                let all = Array.concat states

                for x in all do
                    Expect.isTrue (x >= -bound && x <= bound) $"{x} in [-0.1, 0.1] (float32)"
                    Expect.equal x (float (float32 x)) $"{x} is a float32 value"

                Expect.isLessThan (Array.min all) -0.099 "draws reach near -0.1"
                Expect.isGreaterThan (Array.max all) 0.099 "draws reach near 0.1"
                Expect.floatClose { absolute = 0.005; relative = 0.0 } (Array.average all) 0.0 "mean about 0"

                let inLowerHalf = all |> Array.filter (fun x -> x < 0.0) |> Array.length

                Expect.floatClose
                    { absolute = 0.02; relative = 0.0 }
                    (float inLowerHalf / float all.Length)
                    0.5
                    "half below 0"

                for c in 0..3 do
                    let column = states |> Array.map (fun s -> s.[c])

                    Expect.floatClose
                        { absolute = 0.002; relative = 0.0 }
                        (column |> Array.averageBy (fun x -> x * x))
                        (0.01 / 3.0)
                        $"component {c}: second moment of U(-0.1, 0.1)"
            }

            test "the same seed gives the same first observation and state; different seeds differ" {
                let first seed =
                    use env = new Acrobot()
                    let obs = Array.zeroCreate<float32> 6
                    env.Reset(Span<float32>(obs), Nullable seed)
                    obs, (env :> IHasPhysicalState).GetState()

                let a, sa = first 42
                let b, sb = first 42
                let c, _ = first 43
                Expect.equal a b "same seed, same observation"
                Expect.equal sa sb "same seed, same state"
                Expect.notEqual a c "different seeds, different observations"
            }

            test "an out-of-range action throws ArgumentOutOfRangeException" {
                use env = new Acrobot()
                let obs = Array.zeroCreate<float32> 6
                env.Reset(Span<float32>(obs), Nullable 0)

                Expect.throwsT<ArgumentOutOfRangeException>
                    (fun () -> env.Step(3, Span<float32>(obs)) |> ignore)
                    "action 3"

                Expect.throwsT<ArgumentOutOfRangeException>
                    (fun () -> env.Step(-1, Span<float32>(obs)) |> ignore)
                    "action -1"
            }

            test "a float action throws ArgumentException" {
                use env = new Acrobot()
                let obs = Array.zeroCreate<float32> 6
                env.Reset(Span<float32>(obs), Nullable 0)

                Expect.throwsT<ArgumentException>
                    (fun () -> env.Step(ReadOnlySpan<float32>([| 1f |]), Span<float32>(obs)) |> ignore)
                    "float action"
            }

            test "stepping before reset throws InvalidOperationException" {
                use env = new Acrobot()
                let obs = Array.zeroCreate<float32> 6

                Expect.throwsT<InvalidOperationException>
                    (fun () -> env.Step(1, Span<float32>(obs)) |> ignore)
                    "step before reset"
            }

            test "the state is named theta1, theta2, dtheta1, dtheta2" {
                use env = new Acrobot()

                Expect.sequenceEqual
                    (env :> IHasPhysicalState).StateNames
                    [ "theta1"; "theta2"; "dtheta1"; "dtheta2" ]
                    "state names"
            }

            test "the registry makes Acrobot-v1 with a 500-step limit and reward threshold -100" {
                let spec = Registry.Spec "Acrobot-v1"
                Expect.equal spec.MaxEpisodeSteps (Nullable 500) "time limit"
                Expect.equal spec.RewardThreshold (Nullable -100.0) "reward threshold"
                use env = Registry.Make "Acrobot-v1"
                Expect.isTrue (env.Unwrapped :? Acrobot) "unwrapped is Acrobot"
                let obs = Array.zeroCreate<float32> 6
                env.Reset(Span<float32>(obs), Nullable 0)
                let mutable steps = 0
                let mutable result = StepResult(0.0, false, false)

                while not result.Done do
                    result <- env.Step(1, Span<float32>(obs))
                    steps <- steps + 1
                    Expect.equal result.Reward -1.0 $"step {steps}: hanging under zero torque never reaches the target"

                Expect.equal steps 500 "episode length"
                Expect.isTrue result.Truncated "truncated by the time limit"
                Expect.isFalse result.Terminated "not terminated"
            }
        ]
