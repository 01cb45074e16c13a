module A2C.Core.Tests.NormalizationTests

open System
open A2C.Core
open A2C.Core.Tests.Generators
open Expecto
open FsCheck
open FsCheck.FSharp

let private sample n =
    Gen.arrayOfLength n (floatIn -100f 100f)

let private nonEmpty = Gen.choose (1, 300) |> Gen.bind sample |> Arb.fromGen

let private meanAndStd (xs: float32[]) =
    let m = xs |> Array.averageBy float
    let ss = xs |> Array.sumBy (fun x -> (float x - m) ** 2.0)
    m, sqrt (ss / float (xs.Length - 1))

/// Rows of `dim` values, and a split of the rows into consecutive batches.
let private batchesGen =
    gen {
        let! dim = Gen.choose (1, 6)
        let! rows = Gen.choose (1, 60)
        let! data = Gen.arrayOfLength (rows * dim) (floatIn -50f 50f)
        let! cuts = Gen.listOf (Gen.choose (1, rows - 1))

        let cuts =
            (0 :: rows :: (if rows > 1 then cuts else [])) |> List.distinct |> List.sort

        let batches =
            cuts |> List.pairwise |> List.map (fun (a, b) -> data.[a * dim .. b * dim - 1])

        return dim, data, batches
    }

let private statsClose (what: string) (expected: RunningMeanStd) (actual: RunningMeanStd) =
    let close (a: float[]) (b: float[]) =
        Array.forall2 (fun (x: float) y -> abs (x - y) <= 1e-9 * (1.0 + abs x)) a b

    (close expected.Mean actual.Mean
     |> Prop.label $"{what}: mean {actual.Mean} vs {expected.Mean}")
    .&. (close expected.Var actual.Var
         |> Prop.label $"{what}: var {actual.Var} vs {expected.Var}")
    .&. (expected.Count = actual.Count |> Prop.label $"{what}: count")

[<Tests>]
let advantages =
    testList
        "Normalization.advantages"
        [
            testPropertyWithConfig config "non-constant advantages get mean 0 and sample std 1"
            <| Prop.forAll nonEmpty (fun xs ->
                let distinct = xs |> Array.distinct |> Array.length

                distinct > 1
                ==> lazy
                    (let m, s = meanAndStd (Normalization.advantages 0f xs)

                     (abs m < 1e-5 |> Prop.label $"mean {m}")
                     .&. (abs (s - 1.0) < 1e-4 |> Prop.label $"std {s}")))

            testPropertyWithConfig config "constant or single advantages give zeros, never NaN"
            <| Prop.forAll (Arb.fromGen (Gen.zip (Gen.choose (1, 50)) (floatIn -10f 10f))) (fun (n, x) ->
                let normalized =
                    Normalization.advantages Normalization.defaultEpsilon (Array.create n x)

                normalized |> Array.forall (fun y -> y = 0f) |> Prop.label $"{normalized}")

            test "[1; 2; 3] has mean 2 and sample std 1" {
                Expect.equal (Normalization.advantages 0f [| 1f; 2f; 3f |]) [| -1f; 0f; 1f |] "(x - 2) / 1"
            }

            test "empty input or NaN is refused by name" {
                Expect.throwsT<ArgumentException> (fun () -> Normalization.advantages 1e-8f [||] |> ignore) "empty"

                Expect.throwsT<ArgumentException>
                    (fun () -> Normalization.advantages 1e-8f [| 1f; nanf |] |> ignore)
                    "NaN"
            }
        ]

[<Tests>]
let explainedVariance =
    testList
        "Normalization.explainedVariance"
        [
            test "perfect predictions explain everything; the mean explains nothing" {
                let y = [| 1f; 2f; 3f; 4f |]
                Expect.equal (Normalization.explainedVariance y y) 1.0 "perfect"
                Expect.floatClose Accuracy.high (Normalization.explainedVariance (Array.create 4 2.5f) y) 0.0 "mean"
            }

            test "1 - Var[y - p] / Var[y] by hand" {
                // y = [0; 2], p = [1; 1]: residuals [-1; 1], Var = 1; Var[y] = 1 -> 0. p = [0; 1]: residuals [0; 1], Var 0.25 -> 0.75.
                Expect.floatClose Accuracy.high (Normalization.explainedVariance [| 0f; 1f |] [| 0f; 2f |]) 0.75 "0.75"
            }

            test "constant targets give NaN, as Stable-Baselines3" {
                Expect.isTrue (Double.IsNaN(Normalization.explainedVariance [| 1f; 2f |] [| 3f; 3f |])) "NaN"
            }
        ]

[<Tests>]
let runningMeanStd =
    testList
        "RunningMeanStd"
        [
            testPropertyWithConfig config "merged in any batch split equals the statistics of the concatenation"
            <| Prop.forAll (Arb.fromGen batchesGen) (fun (dim, data, batches) ->
                let whole = RunningMeanStd.ofBatch dim data

                let folded =
                    batches
                    |> List.fold (fun s b -> RunningMeanStd.update b s) (RunningMeanStd.empty dim)

                let tree =
                    batches
                    |> List.map (RunningMeanStd.ofBatch dim)
                    |> List.rev
                    |> List.reduce (fun a b -> RunningMeanStd.merge b a)

                statsClose "left fold of updates" whole folded
                .&. statsClose "merge of batch stats" whole tree)

            testPropertyWithConfig config "the Stable-Baselines3 prior (count 1e-4) barely moves the statistics"
            <| Prop.forAll (Arb.fromGen batchesGen) (fun (dim, data, _) ->
                let exact = RunningMeanStd.ofBatch dim data
                let withPrior = RunningMeanStd.create dim |> RunningMeanStd.update data

                Array.forall2 (fun (x: float) y -> abs (x - y) < 1e-3 * (1.0 + abs x)) exact.Mean withPrior.Mean
                |> Prop.label "mean")

            test "ofBatch by hand: rows [1, 10] and [3, 30]" {
                let s = RunningMeanStd.ofBatch 2 [| 1f; 10f; 3f; 30f |]
                Expect.equal s.Mean [| 2.0; 20.0 |] "mean"
                Expect.equal s.Var [| 1.0; 100.0 |] "population variance"
                Expect.equal s.Count 2.0 "count"
            }

            test "normalize: (x - mean) / sqrt(var + eps), clipped" {
                let s = RunningMeanStd.ofBatch 1 [| 1f; 3f |] // mean 2, var 1
                let n = RunningMeanStd.normalize 10f 0f s [| 4f; 2f; 100f |]
                Expect.equal n [| 2f; 0f; 10f |] "2 sigma, the mean, clipped at 10"
            }

            test "a batch that is not whole rows is refused by name" {
                let e =
                    Expect.throwsC (fun () -> RunningMeanStd.ofBatch 3 [| 1f; 2f |] |> ignore) (fun e ->
                        Expect.equal (e :?> ArgumentException).ParamName "batch" "names batch")

                e
            }
        ]
