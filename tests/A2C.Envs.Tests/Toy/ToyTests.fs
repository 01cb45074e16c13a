module A2C.Envs.Tests.Toy.ToyTests

open System
open A2C.Envs
open A2C.Envs.Toy
open A2C.Envs.Tests.Helpers
open Expecto

[<Tests>]
let tests =
    testList
        "toy envs"
        [
            test "LineWalk-v0: eleven steps right pay 10 * 0.01 + 1; the observation is [x, 0, 0, 0]" {
                use env = new LineWalk()
                Expect.sequenceEqual (reset env 0) [| 0f; 0f; 0f; 0f |] "starts at 0"
                let results = [ for _ in 1..11 -> stepDiscrete env 1 ]
                let rewards = results |> List.map (fun (_, r) -> r.Reward)
                Expect.equal (List.take 10 rewards) (List.replicate 10 0.01) "living reward"
                let lastObs, last = List.last results
                Expect.equal (last.Reward, last.Terminated) (1.0, true) "past +1"
                Expect.floatClose Accuracy.medium (float lastObs.[0]) 1.1 "x = 1.1"
            }

            test "LineWalk-v0: eleven steps left pay -1 at the end" {
                use env = new LineWalk()
                reset env 0 |> ignore
                let results = [ for _ in 1..11 -> snd (stepDiscrete env 0) ]
                Expect.equal (List.last results) (StepResult(-1.0, true, false)) "past -1"
            }

            test "Identity-v0: argmax of the observation always pays 1, anything else 0" {
                use env = new Identity()
                let mutable obs = reset env 3

                for _ in 1..200 do
                    let best = Array.IndexOf(obs, 1f)
                    let next, r = stepDiscrete env best
                    Expect.equal r.Reward 1.0 "the named state pays"
                    let wrongObs, wrong = stepDiscrete env ((Array.IndexOf(next, 1f) + 1) % 4)
                    Expect.equal wrong.Reward 0.0 "another action does not"
                    obs <- wrongObs
            }

            test "IdentityContinuous-v0: repeating the observation pays 1; 0.1 away pays 0" {
                use env = new IdentityContinuous()
                let obs = reset env 5
                let next, r = stepContinuous env obs
                Expect.equal r.Reward 1.0 "exact"
                let off = Math.Clamp(next.[0] + 0.1f, -1f, 1f)

                let off =
                    if abs (off - next.[0]) < 0.09f then
                        next.[0] - 0.1f
                    else
                        off

                let _, r2 = stepContinuous env [| off |]
                Expect.equal r2.Reward 0.0 "0.1 away"
            }
        ]
