module A2C.Core.Tests.LossGradientsTests

open A2C.Core
open A2C.Core.Tests.Generators
open A2C.Core.Tests.TorchHelpers
open Expecto
open FsCheck
open FsCheck.FSharp
open TorchSharp

/// Options over the whole space the learner uses: either value loss, with or without advantage
/// normalization, any coefficients.
let private optionsGen =
    gen {
        let! valueLoss = Gen.elements [ Mse; Huber ]
        let! normalize = Gen.elements [ false; true ]
        let! vfCoef = floatIn 0f 2f
        let! entCoef = Gen.oneof [ Gen.constant 0f; floatIn 0f 0.5f ]

        return
            {
                ValueLoss = valueLoss
                NormalizeAdvantage = normalize
                VfCoef = vfCoef
                EntCoef = entCoef
            }
    }

type private Case =
    {
        Options: LossOptions
        N: int
        Width: int
        Outputs: float32[]
        LogStd: float32[]
        DiscreteActions: int[]
        ContinuousActions: float32[]
        Values: float32[]
        Advantages: float32[]
        Returns: float32[]
    }

let private caseOfWidth width =
    gen {
        let! options = optionsGen
        let! n = Gen.choose (1, 24)
        let! outputs = Gen.arrayOfLength (n * width) (floatIn -3f 3f)
        let! logStd = Gen.arrayOfLength width (floatIn -1.5f 1f)
        let! discrete = Gen.arrayOfLength n (Gen.choose (0, width - 1))
        let! continuous = Gen.arrayOfLength (n * width) (floatIn -3f 3f)
        let! values = Gen.arrayOfLength n (floatIn -3f 3f)
        let! advantages = Gen.arrayOfLength n (floatIn -2f 2f)
        let! returns = Gen.arrayOfLength n (floatIn -3f 3f)

        return
            {
                Options = options
                N = n
                Width = width
                Outputs = outputs
                LogStd = logStd
                DiscreteActions = discrete
                ContinuousActions = continuous
                Values = values
                Advantages = advantages
                Returns = returns
            }
    }

let private caseGen = Gen.choose (1, 5) |> Gen.bind caseOfWidth

/// A case whose outputs are the logits of a MultiDiscrete space, with n x K choices.
let private multiCaseGen =
    gen {
        let! nvec =
            Gen.choose (1, 3) |> Gen.bind (fun k -> Gen.arrayOfLength k (Gen.choose (1, 4)))

        let! c = caseOfWidth (Array.sum nvec)

        let! choices =
            Gen.arrayOfLength
                c.N
                (nvec
                 |> Array.map (fun count -> Gen.choose (0, count - 1))
                 |> Gen.sequenceToArray)

        return c, nvec, Array.concat choices
    }

/// A case whose outputs are the logits of a MultiBinary space (Width bits), with n x Width bits.
let private bernoulliCaseGen =
    gen {
        let! c = caseGen
        let! bits = Gen.arrayOfLength (c.N * c.Width) (Gen.choose (0, 1))
        return c, bits
    }

let private widen (data: float32[]) = data |> Array.map float

/// Agreement to float32 precision, relative to the size of the quantities involved.
let private close (label: string) (expected: float[]) (actual: float32[]) =
    let scale = 1.0 + (expected |> Array.fold (fun m x -> max m (abs x)) 0.0)

    Array.forall2 (fun (e: float) (a: float32) -> abs (e - float a) <= 2e-5 * scale) expected actual
    |> Prop.label $"{label}: autograd {expected} vs closed form {actual}"

let private closeBreakdown (expected: LossBreakdown) (actual: LossBreakdown) =
    close
        "breakdown"
        [| expected.Policy; expected.Value; expected.Entropy; expected.Total |]
        [|
            float32 actual.Policy
            float32 actual.Value
            float32 actual.Entropy
            float32 actual.Total
        |]

let private autogradGaussian (c: Case) =
    use _ = torch.NewDisposeScope()
    let means = leaf [| int64 c.N; int64 c.Width |] (widen c.Outputs)
    let logStd = leaf [| int64 c.Width |] (widen c.LogStd)
    let values = leaf [| int64 c.N |] (widen c.Values)

    let actions =
        torch.tensor(widen c.ContinuousActions).reshape(int64 c.N, int64 c.Width)

    let loss =
        Losses.a2c
            c.Options
            (Distributions.gaussianLogProb means logStd actions)
            (Distributions.gaussianEntropy means logStd)
            values
            (vector (widen c.Advantages))
            (vector (widen c.Returns))

    loss.Total.backward ()
    loss.Breakdown, gradOf means, gradOf logStd, gradOf values

/// Autograd of `Losses.a2c` over the given log-prob and entropy functions of the logits.
let private autogradOf (c: Case) (logProb: torch.Tensor -> torch.Tensor) (entropy: torch.Tensor -> torch.Tensor) =
    use _ = torch.NewDisposeScope()
    let logits = leaf [| int64 c.N; int64 c.Width |] (widen c.Outputs)
    let values = leaf [| int64 c.N |] (widen c.Values)

    let loss =
        Losses.a2c
            c.Options
            (logProb logits)
            (entropy logits)
            values
            (vector (widen c.Advantages))
            (vector (widen c.Returns))

    loss.Total.backward ()
    loss.Breakdown, gradOf logits, gradOf values

/// Runs a closed form over the case's logits (writing into fresh gradient arrays) and compares it
/// with the autograd reference of the same case.
let private agreesWith (c: Case) (reference: LossBreakdown * float[] * float[]) closedForm =
    let expected, logitGrad, valueGrad = reference
    let gradLogits = Array.zeroCreate (c.N * c.Width)
    let gradValues = Array.zeroCreate c.N
    let actual: LossBreakdown = closedForm gradLogits gradValues

    closeBreakdown expected actual
    .&. close "dLoss/dLogits" logitGrad gradLogits
    .&. close "dLoss/dValues" valueGrad gradValues

[<Tests>]
let tests =
    testSequenced
    <| testList
        "LossGradients"
        [
            testPropertyWithConfig config "categorical: the closed form equals autograd of Losses.a2c"
            <| Prop.forAll (Arb.fromGen caseGen) (fun c ->
                let actions = torch.tensor (c.DiscreteActions |> Array.map int64)

                let reference =
                    autogradOf
                        c
                        (fun logits -> Distributions.categoricalLogProb logits actions)
                        Distributions.categoricalEntropy

                let v, a, r = c.Values, c.Advantages, c.Returns
                agreesWith c reference (LossGradients.categorical c.Options c.Outputs c.Width c.DiscreteActions v a r))

            testPropertyWithConfig config "gaussian: the closed form equals autograd of Losses.a2c"
            <| Prop.forAll (Arb.fromGen caseGen) (fun c ->
                let expected, meanGrad, logStdGrad, valueGrad = autogradGaussian c
                let gradMeans = Array.zeroCreate (c.N * c.Width)
                let gradLogStd = Array.zeroCreate c.Width
                let gradValues = Array.zeroCreate c.N

                let actual =
                    LossGradients.gaussian
                        c.Options
                        c.Outputs
                        c.LogStd
                        c.ContinuousActions
                        c.Values
                        c.Advantages
                        c.Returns
                        gradMeans
                        gradLogStd
                        gradValues

                closeBreakdown expected actual
                .&. close "dLoss/dMeans" meanGrad gradMeans
                .&. close "dLoss/dLogStd" logStdGrad gradLogStd
                .&. close "dLoss/dValues" valueGrad gradValues)

            testPropertyWithConfig config "multi-categorical: the closed form equals autograd of Losses.a2c"
            <| Prop.forAll (Arb.fromGen multiCaseGen) (fun (c, nvec, choices) ->
                let chosen =
                    torch.tensor(choices |> Array.map int64).reshape(int64 c.N, int64 nvec.Length)

                let reference =
                    autogradOf
                        c
                        (fun logits -> Distributions.multiCategoricalLogProb logits nvec chosen)
                        (fun logits -> Distributions.multiCategoricalEntropy logits nvec)

                let v, a, r = c.Values, c.Advantages, c.Returns
                agreesWith c reference (LossGradients.multiCategorical c.Options c.Outputs nvec choices v a r))

            testPropertyWithConfig config "multi-categorical with one component equals categorical"
            <| Prop.forAll (Arb.fromGen caseGen) (fun c ->
                let run f =
                    let gradLogits = Array.zeroCreate (c.N * c.Width)
                    let gradValues = Array.zeroCreate c.N
                    let loss: LossBreakdown = f gradLogits gradValues
                    loss, gradLogits, gradValues

                let v, a, r = c.Values, c.Advantages, c.Returns

                let single, singleLogits, singleValues =
                    run (LossGradients.categorical c.Options c.Outputs c.Width c.DiscreteActions v a r)

                let multi, multiLogits, multiValues =
                    run (LossGradients.multiCategorical c.Options c.Outputs [| c.Width |] c.DiscreteActions v a r)

                (single = multi |> Prop.label $"breakdown {single} vs {multi}")
                .&. sameAll "dLoss/dLogits" singleLogits multiLogits
                .&. sameAll "dLoss/dValues" singleValues multiValues)

            testPropertyWithConfig config "bernoulli: the closed form equals autograd of Losses.a2c"
            <| Prop.forAll (Arb.fromGen bernoulliCaseGen) (fun (c, bits) ->
                let chosen = torch.tensor(bits |> Array.map float).reshape(int64 c.N, int64 c.Width)

                let reference =
                    autogradOf
                        c
                        (fun logits -> Distributions.bernoulliLogProb logits chosen)
                        Distributions.bernoulliEntropy

                let v, a, r = c.Values, c.Advantages, c.Returns
                agreesWith c reference (LossGradients.bernoulli c.Options c.Outputs bits v a r))

            testCase "multi-categorical and bernoulli, by hand: zero logits, advantage 1"
            <| fun () ->
                let gradLogits = Array.zeroCreate 4
                let gradValues = Array.zeroCreate 1

                let loss =
                    LossGradients.multiCategorical
                        LossOptions.a2cDefaults
                        [| 0f; 0f; 0f; 0f |]
                        [| 2; 2 |]
                        [| 0; 1 |]
                        [| 0f |]
                        [| 1f |]
                        [| 0f |]
                        gradLogits
                        gradValues

                Expect.floatClose Accuracy.high loss.Policy (2.0 * log 2.0) "policy term -2 log(1/2)"
                Expect.floatClose Accuracy.high loss.Entropy (2.0 * log 2.0) "two fair coins"
                Expect.sequenceEqual gradLogits [| -0.5f; 0.5f; 0.5f; -0.5f |] "push each taken choice up"
                let gradBits = Array.zeroCreate 1

                let loss =
                    LossGradients.bernoulli
                        { LossOptions.a2cDefaults with
                            EntCoef = 0.5f
                        }
                        [| 0f |]
                        [| 1 |]
                        [| 0f |]
                        [| 1f |]
                        [| 0f |]
                        gradBits
                        gradValues

                Expect.floatClose Accuracy.high loss.Policy (log 2.0) "policy term -log(1/2)"
                Expect.floatClose Accuracy.high loss.Entropy (log 2.0) "a fair coin"
                Expect.sequenceEqual gradBits [| -0.5f |] "push the bit toward 1; entropy is flat at logit 0"

            testCase "multi-categorical and bernoulli refusals name the argument"
            <| fun () ->
                let multi nvec (logits: float32[]) actions () =
                    LossGradients.multiCategorical
                        LossOptions.a2cDefaults
                        logits
                        nvec
                        actions
                        [| 0f |]
                        [| 1f |]
                        [| 0f |]
                        (Array.zeroCreate logits.Length)
                        (Array.zeroCreate 1)

                let name, message = refusal (multi [| 2; 3 |] (Array.zeroCreate 5) [| 1; 3 |])
                Expect.equal name "actions" "choice 3 of a 3-way component"
                Expect.stringContains message "component 1" "names the component"

                Expect.equal
                    (refusedArgument (multi [| 2; 3 |] (Array.zeroCreate 5) [| 1 |]))
                    "actions"
                    "one choice for two components"

                Expect.equal
                    (refusedArgument (multi [| 2; 3 |] (Array.zeroCreate 4) [| 1; 0 |]))
                    "logits"
                    "4 logits for nvec [2; 3]"

                Expect.equal
                    (refusedArgument (multi [| 2; 0 |] (Array.zeroCreate 2) [| 1; 0 |]))
                    "nvec"
                    "an empty component"

                Expect.equal (refusedArgument (multi [||] [||] [||])) "nvec" "no component"

                let bernoulli (logits: float32[]) actions () =
                    LossGradients.bernoulli
                        LossOptions.a2cDefaults
                        logits
                        actions
                        [| 0f; 0f |]
                        [| 1f; 1f |]
                        [| 0f; 0f |]
                        (Array.zeroCreate logits.Length)
                        (Array.zeroCreate 2)

                Expect.equal
                    (refusedArgument (bernoulli (Array.zeroCreate 3) [| 0; 1; 0 |]))
                    "logits"
                    "3 logits for 2 rows"

                Expect.equal
                    (refusedArgument (bernoulli (Array.zeroCreate 4) [| 0; 1; 0 |]))
                    "actions"
                    "3 bits for 4 logits"

                let name, message = refusal (bernoulli (Array.zeroCreate 4) [| 0; 1; 2; 0 |])
                Expect.equal name "actions" "bit 2"
                Expect.stringContains message "actions[2] is 2" "names the entry"

            testCase "categorical, by hand: uniform logits over two actions, advantage 1"
            <| fun () ->
                let gradLogits = Array.zeroCreate 2
                let gradValues = Array.zeroCreate 1

                let loss =
                    LossGradients.categorical
                        LossOptions.a2cDefaults
                        [| 0f; 0f |]
                        2
                        [| 0 |]
                        [| 0f |]
                        [| 1f |]
                        [| 0f |]
                        gradLogits
                        gradValues

                Expect.floatClose Accuracy.high loss.Policy (log 2.0) "policy term -log(1/2)"
                Expect.floatClose Accuracy.high loss.Entropy (log 2.0) "entropy of a fair coin"
                Expect.sequenceEqual gradLogits [| -0.5f; 0.5f |] "push the taken action up"
                Expect.sequenceEqual gradValues [| 0f |] "no value error"

            testCase "gaussian, by hand: at the mean of a standard normal, advantage 1"
            <| fun () ->
                let gradMeans = Array.zeroCreate 1
                let gradLogStd = Array.zeroCreate 1
                let gradValues = Array.zeroCreate 1

                let loss =
                    LossGradients.gaussian
                        LossOptions.a2cDefaults
                        [| 0f |]
                        [| 0f |]
                        [| 0f |]
                        [| 2f |]
                        [| 1f |]
                        [| 0f |]
                        gradMeans
                        gradLogStd
                        gradValues

                Expect.floatClose Accuracy.high loss.Policy (0.5 * log (2.0 * System.Math.PI)) "policy term"
                Expect.floatClose Accuracy.high loss.Value 4.0 "squared error 2^2"
                Expect.sequenceEqual gradMeans [| 0f |] "no pull at the mean"
                Expect.sequenceEqual gradLogStd [| 1f |] "narrow the distribution"
                Expect.sequenceEqual gradValues [| 2f |] "vf_coef 0.5 * 2 * error 2"

            testCase "a wrong length names the array"
            <| fun () ->
                let message =
                    try
                        LossGradients.categorical
                            LossOptions.a2cDefaults
                            [| 0f; 0f; 0f |]
                            2
                            [| 0 |]
                            [| 0f |]
                            [| 1f |]
                            [| 0f |]
                            (Array.zeroCreate 2)
                            (Array.zeroCreate 1)
                        |> ignore

                        ""
                    with :? System.ArgumentException as e ->
                        e.Message

                Expect.stringContains message "logits has length 3; expected 2" "names logits and both lengths"
        ]
