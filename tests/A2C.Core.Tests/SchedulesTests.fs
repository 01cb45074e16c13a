module A2C.Core.Tests.SchedulesTests

open System
open A2C.Core
open A2C.Core.Tests.Generators
open Expecto
open FsCheck
open FsCheck.FSharp

let private progress = Gen.choose (0, 1000) |> Gen.map (fun i -> float i / 1000.0)

[<Tests>]
let tests =
    testList
        "Schedule"
        [
            test "lin_7e-4: 7e-4 at the start, half at mid-training, 0 at the end" {
                let s = Linear(7e-4, 0.0)
                Expect.floatClose Accuracy.veryHigh (Schedule.value s 1.0) 7e-4 "start"
                Expect.floatClose Accuracy.veryHigh (Schedule.value s 0.5) 3.5e-4 "middle"
                Expect.floatClose Accuracy.veryHigh (Schedule.value s 0.0) 0.0 "end"
            }

            testPropertyWithConfig config "a constant is constant; a linear schedule is monotone between its ends"
            <| Prop.forAll (Arb.fromGen (Gen.zip progress progress)) (fun (p, q) ->
                let lo, hi = min p q, max p q
                let s = Linear(1e-3, 1e-5)

                (Schedule.value (Constant 0.3) p = 0.3 |> Prop.label "constant")
                .&. (Schedule.value s lo <= Schedule.value s hi
                     |> Prop.label $"monotone at {lo}, {hi}")
                .&. ((Schedule.value s p >= 1e-5 && Schedule.value s p <= 1e-3)
                     |> Prop.label "within its ends"))

            test "progress remaining: 1 at step 0, 0.75 a quarter in, 0 at (and past) the end" {
                Expect.equal (Schedule.progressRemaining 0L 1000L) 1.0 "start"
                Expect.equal (Schedule.progressRemaining 250L 1000L) 0.75 "quarter"
                Expect.equal (Schedule.progressRemaining 1200L 1000L) 0.0 "past the end"
            }

            test "parse: numbers are constants, lin_X is linear to 0, anything else names the text" {
                Expect.equal (Schedule.parse "7e-4") (Ok(Constant 7e-4)) "number"
                Expect.equal (Schedule.parse "lin_7e-4") (Ok(Linear(7e-4, 0.0))) "lin_X"
                Expect.equal (Schedule.parse " 0.001 ") (Ok(Constant 0.001)) "whitespace"

                match Schedule.parse "lin_fast" with
                | Error message -> Expect.stringContains message "lin_fast" "names the text"
                | Ok s -> failtest $"parsed {s}"

                match Schedule.parse "nan" with
                | Error _ -> ()
                | Ok s -> failtest $"NaN must be refused, got {s}"
            }

            test "progress outside [0, 1] is refused" {
                Expect.throwsT<ArgumentOutOfRangeException>
                    (fun () -> Schedule.value (Constant 1.0) 1.5 |> ignore)
                    "1.5"
            }
        ]
