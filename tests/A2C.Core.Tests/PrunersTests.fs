/// Optuna's median and successive-halving pruners: hand-checked decisions and the laws that the
/// best trial so far is never pruned.
module A2C.Core.Tests.PrunersTests

open System
open A2C.Core
open Expecto
open FsCheck
open FsCheck.FSharp

let private at step value : TrialReports = [ step, value ]

let private prune pruner direction completed others trial =
    Pruner.shouldPrune pruner direction completed others trial

/// Up to 8 finished trials, each reporting at steps 0, 10, 20, ... up to 5 values in [-100, 100].
let private studyGen =
    gen {
        let value = Gen.choose (-1000, 1000) |> Gen.map (fun v -> float v / 10.0)

        let trial =
            gen {
                let! n = Gen.choose (1, 5)
                let! values = Gen.listOfLength n value
                return values |> List.mapi (fun i v -> int64 (i * 10), v)
            }

        let! count = Gen.choose (0, 8)
        let! trials = Gen.listOfLength count trial
        let! steps = Gen.choose (1, 5)
        let! direction = Gen.elements [ Maximize; Minimize ]
        return trials, steps, direction
    }

/// A trial that reports, at each of `steps` steps, a value at least as good as anyone's there.
let private leader (trials: TrialReports list) steps direction : TrialReports =
    [
        for i in 0 .. steps - 1 do
            let step = int64 (i * 10)

            let there =
                trials |> List.choose (List.tryFind (fun (s, _) -> s = step) >> Option.map snd)

            let value =
                match direction, there with
                | _, [] -> 0.0
                | Maximize, vs -> List.max vs
                | Minimize, vs -> List.min vs

            yield step, value
    ]

[<Tests>]
let tests =
    testList
        "Pruner"
        [
            test "median: worse than the median of the completed trials at its step is pruned; at it or better is not" {
                let completed = [ for v in 1.0 .. 5.0 -> at 10L v ]

                Expect.isFalse
                    (prune Pruner.median Maximize completed [] [ 0L, 9.0; 10L, 2.9 ])
                    "its best so far, 9.0, beats the median 3"

                Expect.isTrue (prune Pruner.median Maximize completed [] [ 10L, 2.9 ]) "2.9 < 3"
                Expect.isFalse (prune Pruner.median Maximize completed [] [ 10L, 3.0 ]) "3 is the median"
                Expect.isTrue (prune Pruner.median Minimize completed [] [ 10L, 3.1 ]) "minimizing: 3.1 > 3"
                Expect.isFalse (prune Pruner.median Minimize completed [] [ 10L, 3.0 ]) "minimizing: at the median"
                let even = [ for v in 1.0 .. 4.0 -> at 10L v ] @ [ at 20L 0.0 ]

                Expect.isTrue
                    (prune Pruner.median Maximize even [] [ 10L, 2.4 ])
                    "four values at step 10: the median is 2.5"

                Expect.isFalse (prune Pruner.median Maximize even [] [ 10L, 2.5 ]) "2.5 is not below it"
            }

            test
                "median: no pruning before five completed trials, in the warm-up, between intervals, or without anyone at the step" {
                let four = [ for v in 1.0 .. 4.0 -> at 10L v ]
                Expect.isFalse (prune Pruner.median Maximize four [] [ 10L, -50.0 ]) "four completed trials"
                let five = [ for v in 1.0 .. 5.0 -> at 10L v ]

                Expect.isFalse
                    (prune (Pruner.Median(5, 20L, 1L, 1)) Maximize five [] [ 10L, -50.0 ])
                    "step 10 is in a 20-step warm-up"

                Expect.isFalse
                    (prune (Pruner.Median(5, 0L, 4L, 1)) Maximize five [] [ 10L, -50.0 ])
                    "step 10 is not a multiple of 4"

                Expect.isFalse (prune Pruner.median Maximize five [] [ 30L, -50.0 ]) "nobody reported at step 30"
                Expect.isTrue (prune Pruner.median Maximize five [] [ 10L, nan ]) "a NaN is worse than anything"
                Expect.isFalse (prune Pruner.NoPruning Maximize five [] [ 10L, -50.0 ]) "no pruner"
            }

            testProperty "the median pruner never prunes the best trial so far"
            <| Prop.forAll (Arb.fromGen studyGen) (fun (trials, steps, direction) ->
                let trial = leader trials steps direction

                [ 1 .. trial.Length ]
                |> List.forall (fun n -> not (prune Pruner.median direction trials [] (List.take n trial))))

            test "successive halving: the top quarter at a rung goes on, rungs at 1, 4, 16 steps" {
                let sh = Pruner.successiveHalving 1L
                let seven = [ for v in 0.0 .. 6.0 -> at 1L v ]
                // Eight values at rung 1 (step 1): the top two go on.
                Expect.isFalse (prune sh Maximize [] seven [ 1L, 5.5 ]) "5.5 is second of eight"
                Expect.isFalse (prune sh Maximize [] seven [ 1L, 5.0 ]) "a tie with the second goes on"
                Expect.isTrue (prune sh Maximize [] seven [ 1L, 4.5 ]) "4.5 is fourth"
                Expect.isTrue (prune sh Minimize [] seven [ 1L, 1.5 ]) "minimizing, 1.5 is third"
                Expect.isTrue (prune sh Maximize [] [ at 1L 3.0 ] [ 1L, 2.0 ]) "two at the rung: only the best goes on"
                Expect.isFalse (prune sh Maximize [] [ at 1L 3.0 ] [ 1L, 3.5 ]) "the best goes on"
                // Between rungs nothing is decided; a report at step 5 decides rung 4 (with the value at step 5).
                Expect.isFalse (prune sh Maximize [] seven [ 1L, 6.0; 2L, -9.0 ]) "step 2 is no rung"
                let atFour = [ at 4L 10.0 ]
                Expect.isTrue (prune sh Maximize [] atFour [ 1L, 6.0; 5L, 9.0 ]) "rung 4, reached at step 5: 9 < 10"
            }

            testProperty "successive halving never prunes a trial whose value at each rung it reaches is the best there"
            <| Prop.forAll (Arb.fromGen studyGen) (fun (trials, steps, direction) ->
                let sh = Pruner.SuccessiveHalving(10L, 2, 0) // rungs at steps 10, 20, 40
                let trial = leader trials steps direction

                [ 1 .. trial.Length ]
                |> List.forall (fun n -> not (prune sh direction [] trials (List.take n trial))))

            test "settings out of range are refused naming them" {
                for pruner in
                    [
                        Pruner.Median(5, 0L, 0L, 1)
                        Pruner.SuccessiveHalving(1L, 1, 0)
                        Pruner.SuccessiveHalving(0L, 4, 0)
                    ] do
                    Expect.throwsT<ArgumentException>
                        (fun () -> prune pruner Maximize [] [] [ 1L, 0.0 ] |> ignore)
                        $"{pruner}"
            }
        ]
