module A2C.Core.Tests.ReturnsTests

open A2C.Core
open A2C.Core.Tests.Generators
open Expecto
open FsCheck.FSharp

/// R_t = r_t + gamma * next, written per env as a recursion over episodes, in float64.
let private naiveReturns (c: Case) =
    let out = Array.zeroCreate (c.Steps * c.Envs)

    for e in 0 .. c.Envs - 1 do
        let mutable after = float c.LastValues.[e]

        for t in c.Steps - 1 .. -1 .. 0 do
            let i = t * c.Envs + e

            let next =
                if c.Terminated.[i] then 0.0
                elif c.Truncated.[i] then float c.FinalValues.[i]
                else after

            after <- float c.Rewards.[i] + float c.Gamma * next
            out.[i] <- after

    out

[<Tests>]
let tests =
    testList
        "Returns.discounted"
        [
            testPropertyWithConfig config "agrees with a naive per-env recursion in float64"
            <| Prop.forAll caseArb (fun c ->
                closeAll 1e-5 "returns" (naiveReturns c) (Returns.discounted c.Gamma c.Rollout))

            test "two steps, gamma 0.5, last value 4: [3; 4]" {
                let r =
                    Rollout.create
                        2
                        1
                        [| 1f; 2f |]
                        [| 0f; 0f |]
                        [| false; false |]
                        [| false; false |]
                        [| 0f; 0f |]
                        [| 4f |]

                Expect.equal (Returns.discounted 0.5f r) [| 3f; 4f |] "2 + 0.5 * 4 = 4; 1 + 0.5 * 4 = 3"
            }

            test "gamma 0 gives the rewards themselves" {
                let r =
                    Rollout.create
                        3
                        1
                        [| 1f; -2f; 3f |]
                        [| 9f; 9f; 9f |]
                        [| false; true; false |]
                        [| false; false; true |]
                        [| 5f; 5f; 5f |]
                        [| 7f |]

                Expect.equal (Returns.discounted 0f r) [| 1f; -2f; 3f |] "no bootstrapping at all"
            }
        ]
