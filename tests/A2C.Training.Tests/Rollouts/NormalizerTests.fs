module A2C.Training.Tests.NormalizerTests

open System
open A2C.Training
open Expecto

[<Tests>]
let tests =
    testList
        "Normalizer (VecNormalize semantics)"
        [
            test "rewards are divided by the running std of the discounted return, which restarts at episode ends" {
                // Two envs, gamma 0.5, written out by hand with SB3's algorithm: ret = ret * gamma + r,
                // update the return statistics (count 1e-4 prior, mean 0, var 1), divide by sqrt(var + 1e-8).
                let n = Normalizer(2, 1, 0.5f)
                n.Reset([| 0f; 0f |]) |> ignore
                let rewards = [| 1f; 2f |]
                n.Step([| 0f; 0f |], rewards, [| false; true |]) |> ignore
                // Returns [1; 2] merged into the prior: batch mean 1.5, var 0.25, count 2.
                let c0 = 1e-4
                let total = c0 + 2.0
                let mean1 = 1.5 * 2.0 / total
                let var1 = (1.0 * c0 + 0.25 * 2.0 + 1.5 * 1.5 * c0 * 2.0 / total) / total
                let scale1 = sqrt (var1 + 1e-8)
                Expect.floatClose Accuracy.medium (float rewards.[0]) (1.0 / scale1) "env 0"
                Expect.floatClose Accuracy.medium (float rewards.[1]) (2.0 / scale1) "env 1"
                // Next step: env 0 continues (ret 1 * 0.5 + 1 = 1.5), env 1 restarted (ret 0 + 1 = 1).
                let rewards2 = [| 1f; 1f |]
                n.Step([| 0f; 0f |], rewards2, [| false; false |]) |> ignore
                let bMean, bVar = 1.25, 0.0625
                let total2 = total + 2.0
                let delta = bMean - mean1

                let var2 =
                    (var1 * total + bVar * 2.0 + delta * delta * total * 2.0 / total2) / total2

                Expect.floatClose
                    Accuracy.medium
                    (float rewards2.[0])
                    (1.0 / sqrt (var2 + 1e-8))
                    "scaled by the updated std"

                Expect.floatClose Accuracy.medium n.ReturnStats.Mean.[0] (mean1 + delta * 2.0 / total2) "return mean"
            }

            test "observations are centred and scaled by running statistics, and clipped at 10" {
                let n = Normalizer(1, 2, 0.99f)
                let rng = Random(5)
                let mutable last = [||]

                for _ in 1..2000 do
                    last <-
                        n.Step(
                            [| float32 (rng.NextDouble() * 4.0 + 10.0); float32 (rng.NextDouble() * 0.02) |],
                            [| 0f |],
                            [| false |]
                        )

                Expect.floatClose
                    { absolute = 0.05; relative = 0.0 }
                    n.ObservationStats.Mean.[0]
                    12.0
                    "mean of U(10, 14)"

                Expect.isTrue (abs last.[0] < 2f) "a typical observation lands within 2 std"
                let far = n.Observations([| 1000f; 0f |])
                Expect.equal far.[0] 10f "clipped at 10"
            }

            test "in evaluation nothing is updated; statistics survive a JSON round trip" {
                let n = Normalizer(2, 3, 0.9f)
                n.Reset([| 1f; 2f; 3f; 4f; 5f; 6f |]) |> ignore
                n.Step([| 2f; 2f; 2f; 3f; 3f; 3f |], [| 1f; 0f |], [| false; false |]) |> ignore
                let copy = Normalizer.FromJson(n.ToJson(), 2)
                Expect.isFalse copy.Training "loaded statistics are frozen"
                Expect.sequenceEqual copy.ObservationStats.Mean n.ObservationStats.Mean "obs mean"
                Expect.sequenceEqual copy.ObservationStats.Var n.ObservationStats.Var "obs var"
                let before = copy.ObservationStats.Mean

                copy.Step([| 100f; 100f; 100f; 100f; 100f; 100f |], [| 5f; 5f |], [| false; false |])
                |> ignore

                Expect.sequenceEqual copy.ObservationStats.Mean before "frozen"
            }
        ]
