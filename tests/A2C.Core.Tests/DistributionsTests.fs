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

/// A gSDE case: rows, latent features, action dims, means, latent, a full log std [latent, dims],
/// actions, and one exploration matrix per row.
let private sdeGen =
    gen {
        let! rows = Gen.choose (1, 8)
        let! features = Gen.choose (1, 6)
        let! dims = Gen.choose (1, 3)
        let! mean = Gen.arrayOfLength (rows * dims) (floatIn -2f 2f)
        let! latent = Gen.arrayOfLength (rows * features) (floatIn -1f 1f)
        let! logStd = Gen.arrayOfLength (features * dims) (floatIn -3f 1f)
        let! actions = Gen.arrayOfLength (rows * dims) (floatIn -3f 3f)
        let! matrices = Gen.arrayOfLength (rows * features * dims) (floatIn -2f 2f)
        return rows, features, dims, mean, latent, logStd, actions, matrices
    }

/// sqrt(sum_l latent[r, l]^2 exp(logStd[l, d])^2 + eps), by hand.
let private sdeStdByHand rows features dims (latent: float32[]) (logStd: float32[]) =
    Array.init rows (fun r ->
        Array.init dims (fun d ->
            let variance =
                Seq.init features (fun l ->
                    let z = float latent.[r * features + l]
                    z * z * exp (2.0 * float logStd.[l * dims + d]))
                |> Seq.sum

            sqrt (variance + Distributions.sdeEpsilon)))

let private t64 (shape: int64[]) (data: float32[]) =
    torch.tensor(data |> Array.map float).reshape(shape)

[<Tests>]
let sdeTests =
    testSequenced
    <| testList
        "Distributions.gSDE"
        [
            testPropertyWithConfig
                config
                "gSDE std, log-prob and entropy are the diagonal Gaussian's with std sqrt(latent^2 @ exp(log_std)^2 + eps)"
            <| Prop.forAll (Arb.fromGen sdeGen) (fun (rows, features, dims, mean, latent, logStd, actions, _) ->
                use _ = torch.NewDisposeScope()
                let m = t64 [| int64 rows; int64 dims |] mean
                let z = t64 [| int64 rows; int64 features |] latent
                let ls = t64 [| int64 features; int64 dims |] logStd
                let a = t64 [| int64 rows; int64 dims |] actions
                let std = sdeStdByHand rows features dims latent logStd
                let actualStd = Distributions.sdeStd z ls (int64 dims) false |> values64
                let logProb = Distributions.sdeLogProb m ls z false a |> values64
                let entropy = Distributions.sdeEntropy m ls z false |> values64

                let diagonal =
                    Distributions.gaussianLogProb
                        m
                        (torch.tensor(Array.concat std).reshape(int64 rows, int64 dims).log())
                        a
                    |> values64

                let expectedEntropy =
                    std |> Array.map (Array.sumBy (fun s -> 0.5 + halfLogTwoPi + log s))

                closeAll64 1e-6 "std" (Array.concat std) actualStd
                .&. closeAll64 1e-6 "log-prob = the diagonal Gaussian's at that std" diagonal logProb
                .&. closeAll64 1e-6 "entropy = sum of 0.5 + 0.5 log 2 pi + log std" expectedEntropy entropy)

            testPropertyWithConfig config "full_std=false is full_std with its one column repeated for every action dim"
            <| Prop.forAll (Arb.fromGen sdeGen) (fun (rows, features, dims, mean, latent, logStd, actions, _) ->
                use _ = torch.NewDisposeScope()
                let m = t64 [| int64 rows; int64 dims |] mean
                let z = t64 [| int64 rows; int64 features |] latent
                let column = t64 [| int64 features; 1L |] (Array.sub logStd 0 features)
                let repeated = column.repeat (1L, int64 dims)
                let a = t64 [| int64 rows; int64 dims |] actions

                let same name f =
                    closeAll64 1e-12 name (f repeated |> values64) (f column |> values64)

                same "weight std" (fun ls -> Distributions.sdeWeightStd ls (int64 dims))
                .&. same "log-prob" (fun ls -> Distributions.sdeLogProb m ls z false a)
                .&. same "entropy" (fun ls -> Distributions.sdeEntropy m ls z false))

            testPropertyWithConfig config "noise is latent @ matrix: one matrix per row, or one for all"
            <| Prop.forAll (Arb.fromGen sdeGen) (fun (rows, features, dims, _, latent, _, _, matrices) ->
                use _ = torch.NewDisposeScope()
                let z = t64 [| int64 rows; int64 features |] latent
                let perRow = t64 [| int64 rows; int64 features; int64 dims |] matrices

                let first =
                    t64 [| int64 features; int64 dims |] (Array.sub matrices 0 (features * dims))

                let byHand (matrixOf: int -> int -> int -> float) =
                    Array.init (rows * dims) (fun i ->
                        let r, d = i / dims, i % dims

                        Seq.init features (fun l -> float latent.[r * features + l] * matrixOf r l d)
                        |> Seq.sum)

                let perRowExpected =
                    byHand (fun r l d -> float matrices.[(r * features + l) * dims + d])

                let sharedExpected = byHand (fun _ l d -> float matrices.[l * dims + d])

                closeAll64 1e-6 "per-row matrices" perRowExpected (Distributions.sdeNoise z false perRow |> values64)
                .&. closeAll64 1e-6 "one matrix" sharedExpected (Distributions.sdeNoise z false first |> values64))

            test "gradients reach the mean and log_std; the latent only with learn_features" {
                use _ = torch.NewDisposeScope()

                let run learnFeatures =
                    let m = leaf [| 2L; 2L |] [| 0.1; -0.2; 0.3; 0.4 |]
                    let ls = leaf [| 3L; 2L |] [| -0.5; 0.1; 0.2; -1.0; 0.0; 0.3 |]
                    let z = leaf [| 2L; 3L |] [| 0.5; -0.4; 0.9; 0.2; 0.7; -0.1 |]
                    let a = torch.tensor([| 0.5; 0.5; -0.5; 1.0 |]).reshape(2L, 2L)

                    let noise =
                        Distributions.sdeNoise z learnFeatures (torch.ones (3L, 2L, torch.float64))

                    let loss =
                        -(Distributions.sdeLogProb m ls z learnFeatures a).sum()
                        - (Distributions.sdeEntropy m ls z learnFeatures).sum()
                        + noise.sum ()

                    loss.backward ()
                    m, ls, z

                let m, ls, z = run false

                let nonZero (t: torch.Tensor) =
                    gradOf t |> Array.exists (fun g -> abs g > 1e-6)

                Expect.isTrue (nonZero m) "the mean gets a gradient"
                Expect.isTrue (nonZero ls) "log_std gets a gradient"
                Expect.isTrue (isNull z.grad || not (nonZero z)) "the latent is detached without learn_features"
                let _, _, learned = run true
                Expect.isTrue (nonZero learned) "the latent gets a gradient with learn_features"
            }

            test "a log std of the wrong shape is refused, naming it" {
                use _ = torch.NewDisposeScope()

                let e =
                    try
                        Distributions.sdeStd (torch.ones (2L, 3L)) (torch.zeros (3L, 2L)) 4L false
                        |> ignore

                        ""
                    with :? ArgumentException as e ->
                        e.Message

                Expect.stringContains e "logStd has 2 columns; expected 4 (full_std) or 1" "names logStd and the shapes"
            }
        ]
