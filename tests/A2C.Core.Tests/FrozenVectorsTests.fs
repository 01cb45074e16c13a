/// Vectors computed by an independent implementation (tests/reference/gae_reference.py: plain
/// Python float64, closed-form sums written from the issue's equations) and frozen here as data.
module A2C.Core.Tests.FrozenVectorsTests

open A2C.Core
open A2C.Core.Tests.Generators
open Expecto

[<Tests>]
let tests =
    testList
        "Gae.estimate frozen vectors"
        [
            test "three steps, two envs, one termination and one truncation (gamma 0.99, lambda 0.95)" {
                let r =
                    Rollout.create
                        3
                        2
                        [| 1.0f; 0.5f; -0.25f; 2.0f; 0.75f; -1.5f |]
                        [| 0.3f; -0.2f; 0.1f; 0.4f; -0.6f; 0.9f |]
                        [| false; false; true; false; false; false |]
                        [| false; false; false; true; false; false |]
                        [| 0f; 0f; 0f; 1.7f; 0f; 0f |]
                        [| 0.45f; -0.35f |]

                let e = Gae.estimate 0.99f 0.95f r

                expectAllClose
                    e.Advantages
                    [|
                        0.4698249900661409
                        4.1836615577344896
                        -0.3500000014901161
                        3.283000057458878
                        1.7955000163316726
                        -2.7464999735951423
                    |]
                    "advantages"

                expectAllClose
                    e.Returns
                    [|
                        0.7698250019870698
                        3.9836615547542573
                        -0.25
                        3.6830000634193425
                        1.1954999924898146
                        -1.8464999974370002
                    |]
                    "returns"
            }

            test "six steps, one env, terminated in the middle (gamma 0.9, lambda 0.8)" {
                let r =
                    Rollout.create
                        6
                        1
                        [| 0.1f; 0.2f; 0.3f; -1.0f; 0.5f; 0.25f |]
                        [| 1.0f; 1.1f; 0.9f; 0.2f; 0.6f; 0.7f |]
                        [| false; false; false; true; false; false |]
                        (Array.zeroCreate 6)
                        (Array.zeroCreate 6)
                        [| 0.8f |]

                let e = Gae.estimate 0.9f 0.8f r

                expectAllClose
                    e.Advantages
                    [|
                        -0.6404256114810938
                        -1.0144800231504432
                        -1.2839999584555621
                        -1.2000000029802322
                        0.7243999490618706
                        0.2700000035762784
                    |]
                    "advantages"

                expectAllClose
                    e.Returns
                    [|
                        0.3595743885189062
                        0.08552000069141474
                        -0.38399998229742005
                        -1.0
                        1.3243999729037284
                        0.9699999916553494
                    |]
                    "returns"
            }
        ]
