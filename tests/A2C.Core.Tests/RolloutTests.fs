module A2C.Core.Tests.RolloutTests

open System
open A2C.Core
open A2C.Core.Tests.Generators
open Expecto

let private create steps envs n lastN =
    Rollout.create
        steps
        envs
        (Array.zeroCreate n)
        (Array.zeroCreate n)
        (Array.zeroCreate n)
        (Array.zeroCreate n)
        (Array.zeroCreate n)
        (Array.zeroCreate lastN)

[<Tests>]
let tests =
    testList
        "Rollout.create"
        [
            test "keeps the data time-major: index t * envs + e" {
                let r = create 3 4 12 4
                Expect.equal (r.Steps, r.Envs) (3, 4) "shape"
                Expect.equal (Rollout.index 4 2 1) 9 "step 2, env 1 of 4"
            }

            test "an array of the wrong length is named, with the expected length" {
                let name, message = refusal (fun () -> create 3 4 11 4)
                Expect.equal name "rewards" "the first array checked"
                Expect.stringContains message "expected 12" "message gives the expected length"

                let name, _ = refusal (fun () -> create 3 4 12 3)
                Expect.equal name "lastValues" "lastValues needs one per env"
            }

            test "a non-finite value is named with its index" {
                let values = Array.zeroCreate 6
                values.[4] <- nanf

                let name, message =
                    refusal (fun () ->
                        Rollout.create
                            3
                            2
                            (Array.zeroCreate 6)
                            values
                            (Array.zeroCreate 6)
                            (Array.zeroCreate 6)
                            (Array.zeroCreate 6)
                            (Array.zeroCreate 2))

                Expect.equal name "values" "argument"
                Expect.stringContains message "values[4]" "index"

                let last = [| 0f; infinityf |]

                let name, _ =
                    refusal (fun () ->
                        Rollout.create
                            3
                            2
                            (Array.zeroCreate 6)
                            (Array.zeroCreate 6)
                            (Array.zeroCreate 6)
                            (Array.zeroCreate 6)
                            (Array.zeroCreate 6)
                            last)

                Expect.equal name "lastValues" "infinity is refused too"
            }

            test "zero steps or envs, and null arrays, are refused by name" {
                Expect.equal (fst (refusal (fun () -> create 0 4 0 4))) "steps" "steps"
                Expect.equal (fst (refusal (fun () -> create 3 0 0 0))) "envs" "envs"

                let name, _ =
                    refusal (fun () ->
                        Rollout.create
                            1
                            1
                            [| 0f |]
                            (Unchecked.defaultof<float32[]>)
                            [| false |]
                            [| false |]
                            [| 0f |]
                            [| 0f |])

                Expect.equal name "values" "null values"
            }
        ]
