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

let private caseGen =
    gen {
        let! options = optionsGen
        let! n = Gen.choose (1, 24)
        let! width = Gen.choose (1, 5)
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

/// Autograd of `Losses.a2c` in float64, the reference for the closed form.
let private autogradCategorical (c: Case) =
    use _ = torch.NewDisposeScope()
    let logits = leaf [| int64 c.N; int64 c.Width |] (widen c.Outputs)
    let values = leaf [| int64 c.N |] (widen c.Values)
    let actions = torch.tensor (c.DiscreteActions |> Array.map int64)

    let loss =
        Losses.a2c
            c.Options
            (Distributions.categoricalLogProb logits actions)
            (Distributions.categoricalEntropy logits)
            values
            (vector (widen c.Advantages))
            (vector (widen c.Returns))

    loss.Total.backward ()
    loss.Breakdown, gradOf logits, gradOf values

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

[<Tests>]
let tests =
    testSequenced
    <| testList
        "LossGradients"
        [
            testPropertyWithConfig config "categorical: the closed form equals autograd of Losses.a2c"
            <| Prop.forAll (Arb.fromGen caseGen) (fun c ->
                let expected, logitGrad, valueGrad = autogradCategorical c
                let gradLogits = Array.zeroCreate (c.N * c.Width)
                let gradValues = Array.zeroCreate c.N

                let actual =
                    LossGradients.categorical
                        c.Options
                        c.Outputs
                        c.Width
                        c.DiscreteActions
                        c.Values
                        c.Advantages
                        c.Returns
                        gradLogits
                        gradValues

                closeBreakdown expected actual
                .&. close "dLoss/dLogits" logitGrad gradLogits
                .&. close "dLoss/dValues" valueGrad gradValues)

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
