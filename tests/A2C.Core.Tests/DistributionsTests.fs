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

/// Every joint action of a MultiDiscrete space, in lexicographic order.
let private jointActions (nvec: int[]) =
    nvec
    |> Array.fold
        (fun prefixes count ->
            [|
                for p in prefixes do
                    for a in 0 .. count - 1 -> Array.append p [| a |]
            |])
        [| [||] |]

/// Every bit vector of length n.
let private bitVectors n =
    Array.init (1 <<< n) (fun v -> Array.init n (fun b -> float32 ((v >>> b) &&& 1)))

/// One row of logits repeated, as a [rows, width] tensor (float64 for an exact enumeration).
let private repeated rows (row: float32[]) =
    torch.tensor(Array.init rows (fun _ -> Array.map float row) |> Array.concat).reshape(int64 rows, int64 row.Length)

/// A small MultiDiscrete space (at most 4 x 4 x 4 joint actions) with one row of logits.
let private multiGen =
    gen {
        let! nvec =
            Gen.choose (1, 3) |> Gen.bind (fun k -> Gen.arrayOfLength k (Gen.choose (1, 4)))

        let! logits = Gen.arrayOfLength (Array.sum nvec) (floatIn -6f 6f)
        return nvec, logits
    }

let private bernoulliGen =
    gen {
        let! bits = Gen.choose (1, 4)
        let! logits = Gen.arrayOfLength bits (floatIn -8f 8f)
        return logits
    }

/// -sum p log p over an enumeration of log-probabilities.
let private enumeratedEntropy (logProbs: float[]) =
    logProbs |> Array.sumBy (fun lp -> -(exp lp) * lp)

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

            testPropertyWithConfig
                config
                "multi-categorical: joint probabilities sum to 1; log-prob and entropy by enumeration"
            <| Prop.forAll (Arb.fromGen multiGen) (fun (nvec, logits) ->
                use _ = torch.NewDisposeScope()
                let joint = jointActions nvec
                let rows = joint.Length
                let t = repeated rows logits

                let a =
                    torch.tensor(joint |> Array.concat |> Array.map int64).reshape(int64 rows, int64 nvec.Length)

                let logProbs = Distributions.multiCategoricalLogProb t nvec a |> values64
                let entropy = Distributions.multiCategoricalEntropy t nvec |> values64
                let offsets = Array.scan (+) 0 nvec

                let expected =
                    joint
                    |> Array.map (fun choice ->
                        choice
                        |> Array.mapi (fun k c ->
                            (logSoftmaxRow (Array.sub logits offsets.[k] nvec.[k] |> Array.map float)).[c])
                        |> Array.sum)

                closeAll64 1e-9 "sum of exp log pi over joint actions" [| 1.0 |] [| logProbs |> Array.sumBy exp |]
                .&. closeAll64 1e-9 "log pi = sum of per-block log-softmax" expected logProbs
                .&. closeAll64
                        1e-9
                        "entropy = -sum p log p over joint actions"
                        (Array.create rows (enumeratedEntropy logProbs))
                        entropy
                .&. (entropy.[0] <= (nvec |> Array.sumBy (float >> log)) + 1e-9
                     |> Prop.label "at most sum log n_k"))

            testPropertyWithConfig config "bernoulli: all 2^n bit vectors sum to 1; log-prob and entropy by enumeration"
            <| Prop.forAll (Arb.fromGen bernoulliGen) (fun logits ->
                use _ = torch.NewDisposeScope()
                let n = logits.Length
                let vectors = bitVectors n
                let t = repeated vectors.Length logits

                let a =
                    torch.tensor(vectors |> Array.concat |> Array.map float).reshape(int64 vectors.Length, int64 n)

                let logProbs = Distributions.bernoulliLogProb t a |> values64
                let entropy = Distributions.bernoulliEntropy t |> values64
                let sigmoid z = 1.0 / (1.0 + exp -z)

                let expected =
                    vectors
                    |> Array.map (fun bits ->
                        Array.map2
                            (fun (x: float32) (z: float32) ->
                                if x = 1f then
                                    log (sigmoid (float z))
                                else
                                    log (1.0 - sigmoid (float z)))
                            bits
                            logits
                        |> Array.sum)

                closeAll64 1e-9 "sum of exp log pi over bit vectors" [| 1.0 |] [| logProbs |> Array.sumBy exp |]
                .&. closeAll64 1e-6 "log pi = sum of log sigmoid / log(1 - sigmoid)" expected logProbs
                .&. closeAll64
                        1e-9
                        "entropy = -sum p log p over bit vectors"
                        (Array.create vectors.Length (enumeratedEntropy logProbs))
                        entropy
                .&. (entropy.[0] <= float n * log 2.0 + 1e-9 |> Prop.label "at most n log 2"))

            test "zero logits reach the maximal entropies sum log n_k and n log 2" {
                use _ = torch.NewDisposeScope()

                for nvec in [ [| 2; 3 |]; [| 1; 4; 5 |]; [| 7 |] ] do
                    let h =
                        Distributions.multiCategoricalEntropy (torch.zeros (2L, int64 (Array.sum nvec))) nvec
                        |> values32

                    let expected = nvec |> Array.sumBy (float >> log)
                    Expect.floatClose Accuracy.medium (float h.[1]) expected $"nvec {nvec}"

                for n in [ 1; 3; 4 ] do
                    let h = Distributions.bernoulliEntropy (torch.zeros (1L, int64 n)) |> values32
                    Expect.floatClose Accuracy.medium (float h.[0]) (float n * log 2.0) $"{n} bits"
            }

            testPropertyWithConfig config "multi-categorical with one component equals categorical"
            <| Prop.forAll (Arb.fromGen categoricalGen) (fun (rows, actions, logits, chosen) ->
                use _ = torch.NewDisposeScope()
                let t = torch.tensor(logits).reshape(int64 rows, int64 actions)
                let a = torch.tensor (chosen |> Array.map int64)
                let nvec = [| actions |]

                sameAll
                    "log-prob"
                    (Distributions.categoricalLogProb t a |> values32)
                    (Distributions.multiCategoricalLogProb t nvec (a.unsqueeze 1L) |> values32)
                .&. sameAll
                        "entropy"
                        (Distributions.categoricalEntropy t |> values32)
                        (Distributions.multiCategoricalEntropy t nvec |> values32))

            test "bernoulli is stable at large logits and certain bits" {
                use _ = torch.NewDisposeScope()
                let logits = torch.tensor([| 100f; -100f |]).reshape(1L, 2L)
                let unlikely = torch.tensor([| 0f; 1f |]).reshape(1L, 2L)
                let logProb = Distributions.bernoulliLogProb logits unlikely |> values32
                Expect.floatClose Accuracy.medium (float logProb.[0]) -200.0 "log sigmoid(-100) twice, not -inf"

                let certain =
                    torch.tensor([| Single.PositiveInfinity; Single.NegativeInfinity |]).reshape(1L, 2L)

                let h = Distributions.bernoulliEntropy certain |> values32
                Expect.equal h.[0] 0f "certain bits have entropy 0, not NaN"
            }

            test "multi-categorical and bernoulli refusals name the argument" {
                use _ = torch.NewDisposeScope()
                let logits = torch.zeros (2L, 5L)

                let actions (data: int64[]) =
                    torch.tensor(data).reshape(2L, int64 (data.Length / 2))

                let lp nvec a () =
                    Distributions.multiCategoricalLogProb logits nvec a

                Expect.equal
                    (refusedArgument (lp [| 2; 2 |] (actions [| 0L; 0L; 0L; 0L |])))
                    "logits"
                    "sum nvec 4 vs 5 columns"

                Expect.equal
                    (refusedArgument (lp [| 2; 0; 3 |] (actions [| 0L; 0L; 0L; 0L; 0L; 0L |])))
                    "nvec"
                    "a component with no choice"

                Expect.equal (refusedArgument (lp [||] (actions [| 0L; 0L |]))) "nvec" "no component"

                Expect.equal
                    (refusedArgument (lp [| 2; 3 |] (actions [| 0L; 0L; 0L; 0L; 0L; 0L |])))
                    "actions"
                    "three columns for two components"

                let name, message = refusal (lp [| 2; 3 |] (actions [| 0L; 3L; 1L; 2L |]))
                Expect.equal name "actions" "choice 3 of a 3-way component"
                Expect.stringContains message "column 1" "names the component"

                Expect.equal
                    (refusedArgument (lp [| 2; 3 |] (actions [| -1L; 0L; 1L; 2L |])))
                    "actions"
                    "negative choice"

                let bits = torch.zeros (2L, 3L)
                let bad = torch.tensor([| 0f; 1f; 2f; 0f; 1f; 0f |]).reshape(2L, 3L)
                Expect.equal (refusedArgument (fun () -> Distributions.bernoulliLogProb bits bad)) "actions" "bit 2"

                Expect.equal
                    (refusedArgument (fun () -> Distributions.bernoulliLogProb bits (torch.zeros (2L, 2L))))
                    "actions"
                    "wrong width"
            }

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
