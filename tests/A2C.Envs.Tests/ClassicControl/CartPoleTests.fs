module A2C.Envs.Tests.ClassicControl.CartPoleTests

open System
open A2C.Envs
open A2C.Envs.ClassicControl
open A2C.Envs.Tests.Helpers
open Expecto

/// One explicit-Euler step of Barto, Sutton and Anderson's cart-pole, worked from the published
/// equations (Florian 2007, as Gymnasium implements them), independently of the C# code.
let private eulerStep (state: float[]) (action: int) =
    let g, mc, mp, l, tau = 9.8, 1.0, 0.1, 0.5, 0.02
    let x, xDot, theta, thetaDot = state.[0], state.[1], state.[2], state.[3]
    let f = if action = 1 then 10.0 else -10.0
    let total = mc + mp
    let temp = (f + mp * l * thetaDot ** 2.0 * sin theta) / total

    let thetaAcc =
        (g * sin theta - cos theta * temp)
        / (l * (4.0 / 3.0 - mp * (cos theta) ** 2.0 / total))

    let xAcc = temp - mp * l * thetaAcc * cos theta / total

    [|
        x + tau * xDot
        xDot + tau * xAcc
        theta + tau * thetaDot
        thetaDot + tau * thetaAcc
    |]

let private threshold = 12.0 * 2.0 * Math.PI / 360.0

[<Tests>]
let tests =
    testList
        "CartPole-v1"
        [
            test "a step from the upright rest state pushing right: worked by hand" {
                // theta = 0: temp = 10 / 1.1 = 9.0909; thetaAcc = -9.0909 / (0.5 * (4/3 - 0.1/1.1)) = -14.6341;
                // xAcc = 9.0909 + 0.05 * 14.6341 / 1.1 = 9.7561. Euler: only the velocities move.
                use env = new CartPole()
                reset env 0 |> ignore
                setState env [| 0.0; 0.0; 0.0; 0.0 |]
                let obs, r = stepDiscrete env 1
                let s = getState env

                Expect.floatClose
                    Accuracy.high
                    s.[1]
                    (0.02
                     * (10.0 / 1.1 + 0.05 * (10.0 / 1.1 / (0.5 * (4.0 / 3.0 - 0.1 / 1.1))) / 1.1))
                    "x_dot"

                Expect.floatClose
                    Accuracy.high
                    s.[3]
                    (0.02 * -(10.0 / 1.1) / (0.5 * (4.0 / 3.0 - 0.1 / 1.1)))
                    "theta_dot"

                Expect.equal (s.[0], s.[2]) (0.0, 0.0) "positions move only next step"
                Expect.floatClose Accuracy.medium (float obs.[1]) 0.1951219512 "x_dot = 0.02 * 9.7561"
                Expect.floatClose Accuracy.medium (float obs.[3]) -0.2926829268 "theta_dot = 0.02 * -14.6341"
                Expect.equal r (StepResult(1.0, false, false)) "reward 1, episode goes on"
            }

            test "steps from a tilted, moving state match the published equations in float64" {
                use env = new CartPole()
                reset env 0 |> ignore
                let mutable expected = [| 0.1; -0.3; 0.05; 0.4 |]
                setState env expected

                for action in [ 0; 1; 1; 0; 1 ] do
                    expected <- eulerStep expected action
                    let obs, _ = stepDiscrete env action
                    let actual = getState env

                    for i in 0..3 do
                        Expect.floatClose Accuracy.veryHigh actual.[i] expected.[i] $"state[{i}]"
                        Expect.equal obs.[i] (float32 expected.[i]) $"obs[{i}] is the state in float32"
            }

            test "exactly at the angle threshold is not terminal; just beyond it is" {
                use env = new CartPole()
                reset env 0 |> ignore
                // theta_dot * tau carries theta onto / past the threshold in one step.
                setState env [| 0.0; 0.0; threshold; 0.0 |]
                let _, atEdge = stepDiscrete env 1
                Expect.isFalse atEdge.Terminated "theta == 12 degrees is still inside"
                reset env 0 |> ignore
                setState env [| 0.0; 0.0; threshold; 1e-6 |]
                let _, beyond = stepDiscrete env 1
                Expect.isTrue beyond.Terminated "theta > 12 degrees terminates"
                Expect.equal beyond.Reward 1.0 "the terminating step still pays 1"
            }

            test "the cart leaving the track terminates (x > 2.4 and x < -2.4)" {
                use env = new CartPole()
                reset env 0 |> ignore
                setState env [| 2.4; 1.0; 0.0; 0.0 |]
                Expect.isTrue (snd (stepDiscrete env 1)).Terminated "right edge"
                reset env 0 |> ignore
                setState env [| -2.4; -1.0; 0.0; 0.0 |]
                Expect.isTrue (snd (stepDiscrete env 0)).Terminated "left edge"
            }

            test "resets are uniform in [-0.05, 0.05]^4, seeded, and inside the observation space" {
                use env = new CartPole()
                let all = [ for seed in 0..499 -> reset env seed ]

                for obs in all do
                    Expect.isTrue (obs |> Array.forall (fun x -> abs x <= 0.05f)) $"{obs}"
                    Expect.isTrue (env.ObservationSpace.Contains(ReadOnlySpan obs)) "inside"

                let mean = all |> List.averageBy (fun o -> float o.[0])
                Expect.isLessThan (abs mean) 0.01 "centred"
                Expect.sequenceEqual (reset env 42) (reset env 42) "same seed, same start"
                Expect.notEqual (reset env 42) (reset env 43) "different seeds differ"
            }

            test "an action outside {0, 1} or a float action is refused" {
                use env = new CartPole()
                reset env 0 |> ignore

                throws<ArgumentOutOfRangeException>(fun () -> stepDiscrete env 2 |> ignore)
                |> ignore

                throws<ArgumentException>(fun () -> stepContinuous env [| 1f |] |> ignore)
                |> ignore
            }

            test "stepping before reset or after termination is refused" {
                use env = new CartPole()

                throws<InvalidOperationException>(fun () -> stepDiscrete env 0 |> ignore)
                |> ignore

                reset env 0 |> ignore
                setState env [| 2.4; 1.0; 0.0; 0.0 |]
                stepDiscrete env 1 |> ignore
                let e = throws<InvalidOperationException>(fun () -> stepDiscrete env 1 |> ignore)
                Expect.stringContains e.Message "Reset" "says what to do"
            }
        ]
