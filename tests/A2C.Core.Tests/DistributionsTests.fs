module A2C.Core.Tests.DistributionsTests

open System
open A2C.Core
open A2C.Core.Tests.Generators
open A2C.Core.Tests.TorchHelpers
open Expecto
open FsCheck
open FsCheck.FSharp
open TorchSharp

/// A batch of logits ([rows, actions], row-major) and one action per row.
let private categoricalGen =
    gen {
        let! rows = Gen.choose (1, 16)
        let! actions = Gen.choose (1, 8)
        let! logits = Gen.arrayOfLength (rows * actions) (floatIn -8f 8f)
        let! chosen = Gen.arrayOfLength rows (Gen.choose (0, actions - 1))
        return rows, actions, logits, chosen
    }

let private logSoftmaxRow (row: float[]) =
    let m = Array.max row
    let logSum = m + log (row |> Array.sumBy (fun x -> exp (x - m)))
    row |> Array.map (fun x -> x - logSum)

let private rowsOf actions (logits: float32[]) =
    logits |> Array.map float |> Array.chunkBySize actions

let private halfLogTwoPi = 0.5 * log (2.0 * Math.PI)

[<Tests>]
let tests =
    testSequenced
    <| testList
        "Distributions"
        [
            testPropertyWithConfig config "categorical log-prob is the log-softmax at the chosen action"
            <| Prop.forAll (Arb.fromGen categoricalGen) (fun (rows, actions, logits, chosen) ->
                use _ = torch.NewDisposeScope()
                let t = torch.tensor(logits).reshape(int64 rows, int64 actions)
                let a = torch.tensor (chosen |> Array.map int64)
                let actual = Distributions.categoricalLogProb t a |> values32

                let expected =
                    rowsOf actions logits
                    |> Array.mapi (fun r row -> (logSoftmaxRow row).[chosen.[r]])

                closeAll 1e-5 "log pi(a|s)" expected actual)

            testPropertyWithConfig config "categorical entropy is -sum p log p, at most log n"
            <| Prop.forAll (Arb.fromGen categoricalGen) (fun (rows, actions, logits, _) ->
                use _ = torch.NewDisposeScope()
                let t = torch.tensor(logits).reshape(int64 rows, int64 actions)
                let actual = Distributions.categoricalEntropy t |> values32

                let expected =
                    rowsOf actions logits
                    |> Array.map (fun row -> logSoftmaxRow row |> Array.sumBy (fun lp -> -(exp lp) * lp))

                closeAll 1e-4 "entropy" expected actual
                .&. (actual
                     |> Array.forall (fun h -> float h <= log (float actions) + 1e-5)
                     |> Prop.label "at most log n"))

            test "uniform logits have entropy log n; a certain action has entropy 0, not NaN" {
                use _ = torch.NewDisposeScope()

                for n in [ 2; 3; 7 ] do
                    let h = Distributions.categoricalEntropy (torch.zeros (1L, int64 n)) |> values32
                    Expect.floatClose Accuracy.medium (float h.[0]) (log (float n)) $"log {n}"

                let certain =
                    torch.tensor([| 0f; Single.NegativeInfinity; Single.NegativeInfinity |]).reshape(1L, 3L)

                let h = Distributions.categoricalEntropy certain |> values32
                Expect.equal h.[0] 0f "one certain action"
            }

            test "probabilities (1/4, 3/4): entropy 0.5623 by hand" {
                use _ = torch.NewDisposeScope()
                let logits = torch.tensor([| 0f; float32 (log 3.0) |]).reshape(1L, 2L)
                let h = Distributions.categoricalEntropy logits |> values32
                Expect.floatClose Accuracy.medium (float h.[0]) (-(0.25 * log 0.25 + 0.75 * log 0.75)) "entropy"
            }

            testPropertyWithConfig config "diagonal Gaussian log-prob and entropy match the closed forms"
            <| Prop.forAll
                (Arb.fromGen (
                    gen {
                        let! rows = Gen.choose (1, 8)
                        let! dims = Gen.choose (1, 4)
                        let! mean = Gen.arrayOfLength (rows * dims) (floatIn -2f 2f)
                        let! logStd = Gen.arrayOfLength dims (floatIn -2f 1f)
                        let! actions = Gen.arrayOfLength (rows * dims) (floatIn -3f 3f)
                        return rows, dims, mean, logStd, actions
                    }
                ))
                (fun (rows, dims, mean, logStd, actions) ->
                    use _ = torch.NewDisposeScope()
                    let shape = [| int64 rows; int64 dims |]
                    let m = torch.tensor(mean).reshape(shape)
                    let ls = torch.tensor (logStd)
                    let a = torch.tensor(actions).reshape(shape)
                    let logProb = Distributions.gaussianLogProb m ls a |> values32
                    let entropy = Distributions.gaussianEntropy m ls |> values32

                    let expectedLogProb =
                        Array.init rows (fun r ->
                            Array.init dims (fun d ->
                                let i = r * dims + d
                                let s = exp (float logStd.[d])
                                let z = (float actions.[i] - float mean.[i]) / s
                                -0.5 * z * z - float logStd.[d] - halfLogTwoPi)
                            |> Array.sum)

                    let expectedEntropy =
                        Array.create rows (logStd |> Array.sumBy (fun l -> 0.5 + halfLogTwoPi + float l))

                    closeAll 1e-5 "log-prob" expectedLogProb logProb
                    .&. closeAll 1e-5 "entropy" expectedEntropy entropy)

            test "shapes are checked: actions must have one entry per row, named" {
                use _ = torch.NewDisposeScope()

                let e =
                    try
                        Distributions.categoricalLogProb (torch.zeros (3L, 2L)) (torch.zeros (2L, torch.int64))
                        |> ignore

                        ""
                    with :? ArgumentException as e ->
                        nonNull e.ParamName

                Expect.equal e "actions" "names actions"
            }
        ]
