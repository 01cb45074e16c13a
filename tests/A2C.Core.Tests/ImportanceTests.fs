/// Parameter importances: shares that sum to 1, all of it to a parameter that alone decides the
/// objective, none when nothing varies, and a hand-checked eta squared.
module A2C.Core.Tests.ImportanceTests

open A2C.Core
open Expecto
open FsCheck
open FsCheck.FSharp

let private space =
    [|
        ParamRange.Float(1e-5, 1.0, true)
        ParamRange.Categorical 4
        ParamRange.Float(0.0, 1.0, false)
    |]

/// `n` random trials of the space with `objective` of their values.
let private trials n seed objective =
    [
        for i in 0 .. n - 1 ->
            let x = Tpe.random space (uint64 seed * 1000UL + uint64 i)
            { Values = x; Objective = objective x }
    ]

[<Tests>]
let tests =
    testList
        "Importance"
        [
            testProperty "shares are in [0, 1] and sum to 1 when the objective varies"
            <| Prop.forAll (Arb.fromGen (Gen.zip (Gen.choose (3, 40)) (Gen.choose (0, 10000)))) (fun (n, seed) ->
                let shares = Importance.anova space (trials n seed (fun x -> x[2] + 0.1 * x[1]))

                shares |> Array.forall (fun s -> s >= 0.0 && s <= 1.0)
                && abs (Array.sum shares - 1.0) < 1e-9)

            testProperty "a parameter that alone decides the objective gets the largest share"
            <| Prop.forAll (Arb.fromGen (Gen.choose (0, 10000))) (fun seed ->
                // The objective is the choice alone; the other two parameters do not enter it.
                let shares = Importance.anova space (trials 30 seed (fun x -> 10.0 * x[1]))
                shares[1] > 0.5 && shares[1] = Array.max shares)

            test "a constant objective, or fewer than two finite ones, gives all zeros" {
                Expect.equal (Importance.anova space (trials 10 1 (fun _ -> 3.0))) [| 0.0; 0.0; 0.0 |] "constant"
                Expect.equal (Importance.anova space (trials 1 1 (fun x -> x[0]))) [| 0.0; 0.0; 0.0 |] "one trial"

                Expect.equal
                    (Importance.anova space (trials 5 1 (fun _ -> nan)))
                    [| 0.0; 0.0; 0.0 |]
                    "NaN objectives are left out"
            }

            test "eta squared by hand: choices 0,0,1,1 with objectives 1,3,5,7" {
                // Grand mean 4; total SS 9+1+1+9 = 20; group means 2 and 6, between SS 2*4 + 2*4 = 16.
                let one = [| ParamRange.Categorical 2; ParamRange.Categorical 2 |]

                let observations =
                    [ 0.0, 0.0, 1.0; 0.0, 1.0, 3.0; 1.0, 0.0, 5.0; 1.0, 1.0, 7.0 ]
                    |> List.map (fun (a, b, y) -> { Values = [| a; b |]; Objective = y })

                // The second choice: group means 3 and 5, between SS 4*1 = 4; shares 16/20 and 4/20, scaled to 0.8 and 0.2.
                let shares = Importance.anova one observations
                Expect.floatClose Accuracy.veryHigh shares[0] 0.8 "first"
                Expect.floatClose Accuracy.veryHigh shares[1] 0.2 "second"
            }

            test "an observation of another shape is refused" {
                Expect.throwsT<System.ArgumentException>
                    (fun () -> Importance.anova space [ { Values = [| 0.5 |]; Objective = 1.0 } ] |> ignore)
                    "shape"
            }
        ]
