module A2C.Core.Tests.LossesTests

open System
open A2C.Core
open A2C.Core.Tests.Generators
open A2C.Core.Tests.TorchHelpers
open Expecto
open FsCheck
open FsCheck.FSharp
open TorchSharp

let private noCoefficients =
    { LossOptions.a2cDefaults with
        VfCoef = 0f
        EntCoef = 0f
    }

/// A batch: n transitions over k actions, logits, actions, advantages, values, returns.
type private Batch =
    {
        N: int
        K: int
        Logits: float[]
        Actions: int[]
        Advantages: float[]
        Values: float[]
        Returns: float[]
    }

let private batchGen =
    gen {
        let! n = Gen.choose (1, 32)
        let! k = Gen.choose (2, 6)
        let number lo hi = floatIn lo hi |> Gen.map float
        let! logits = Gen.arrayOfLength (n * k) (number -3f 3f)
        let! actions = Gen.arrayOfLength n (Gen.choose (0, k - 1))
        let! advantages = Gen.arrayOfLength n (number -2f 2f)
        let! values = Gen.arrayOfLength n (number -3f 3f)
        let! returns = Gen.arrayOfLength n (number -3f 3f)

        return
            {
                N = n
                K = k
                Logits = logits
                Actions = actions
                Advantages = advantages
                Values = values
                Returns = returns
            }
    }

let private softmaxRows k (logits: float[]) =
    logits
    |> Array.chunkBySize k
    |> Array.collect (fun row ->
        let m = Array.max row
        let e = row |> Array.map (fun x -> exp (x - m))
        let s = Array.sum e
        e |> Array.map (fun x -> x / s))

/// Runs the loss on float64 tensors with `logits` as a leaf; returns the loss and d loss / d logits.
let private policyGradient (options: LossOptions) (b: Batch) =
    use _ = torch.NewDisposeScope()
    let logits = leaf [| int64 b.N; int64 b.K |] b.Logits
    let actions = torch.tensor (b.Actions |> Array.map int64)
    let logProbs = Distributions.categoricalLogProb logits actions
    let entropies = Distributions.categoricalEntropy logits

    let loss =
        Losses.a2c options logProbs entropies (vector b.Values) (vector b.Advantages) (vector b.Returns)

    loss.Total.backward ()
    loss.Breakdown, gradOf logits

let private valueLoss (options: LossOptions) (values: float[]) (returns: float[]) =
    use _ = torch.NewDisposeScope()
    let n = values.Length
    let zeros = vector (Array.zeroCreate n)
    (Losses.a2c options zeros zeros (vector values) zeros (vector returns)).Breakdown.Total

[<Tests>]
let tests =
    testSequenced
    <| testList
        "Losses.a2c"
        [
            testPropertyWithConfig config "policy gradient w.r.t. logits is -(onehot - softmax) * A / n"
            <| Prop.forAll (Arb.fromGen batchGen) (fun b ->
                let _, grad = policyGradient noCoefficients b
                let p = softmaxRows b.K b.Logits

                let expected =
                    Array.init (b.N * b.K) (fun i ->
                        let row, col = i / b.K, i % b.K
                        let onehot = if b.Actions.[row] = col then 1.0 else 0.0
                        -(onehot - p.[i]) * b.Advantages.[row] / float b.N)

                closeAll64 1e-12 "d loss / d logits" expected grad)

            testPropertyWithConfig config "zero advantages give zero policy loss and zero policy gradient"
            <| Prop.forAll (Arb.fromGen batchGen) (fun b ->
                let b =
                    { b with
                        Advantages = Array.zeroCreate b.N
                    }

                let breakdown, grad = policyGradient noCoefficients b

                (breakdown.Policy = 0.0 |> Prop.label "policy term")
                .&. (grad |> Array.forall (fun g -> g = 0.0) |> Prop.label "gradient"))

            testPropertyWithConfig config "normalize_advantage uses (A - mean) / (std + 1e-8) with the sample std"
            <| Prop.forAll (Arb.fromGen batchGen) (fun b ->
                let options =
                    { noCoefficients with
                        NormalizeAdvantage = true
                    }

                let normalized =
                    Normalization.advantages Normalization.defaultEpsilon (Array.map float32 b.Advantages)
                    |> Array.map float

                let _, grad = policyGradient options b

                let _, expected = policyGradient noCoefficients { b with Advantages = normalized }

                closeAll 1e-5 "gradient with normalized advantages" expected (Array.map float32 grad))

            testPropertyWithConfig config "total = policy + vf_coef * value - ent_coef * entropy"
            <| Prop.forAll (Arb.fromGen batchGen) (fun b ->
                let options =
                    { LossOptions.a2cDefaults with
                        VfCoef = 0.5f
                        EntCoef = 0.01f
                    }

                let breakdown, _ = policyGradient options b

                let expectedValue =
                    Array.map2 (fun v r -> (v - r) ** 2.0) b.Values b.Returns |> Array.average

                let expectedTotal =
                    breakdown.Policy + 0.5 * breakdown.Value - float 0.01f * breakdown.Entropy

                (abs (breakdown.Value - expectedValue) < 1e-9 |> Prop.label "MSE value term")
                .&. (abs (breakdown.Total - expectedTotal) < 1e-9 |> Prop.label "total"))

            testPropertyWithConfig config "value-loss gradient matches central finite differences (MSE and Huber)"
            <| Prop.forAll (Arb.fromGen batchGen) (fun b ->
                [ Mse; Huber ]
                |> List.map (fun kind ->
                    let options =
                        { LossOptions.a2cDefaults with
                            ValueLoss = kind
                        }

                    let analytic =
                        use _ = torch.NewDisposeScope()
                        let zeros = vector (Array.zeroCreate b.N)
                        let values = leaf [| int64 b.N |] b.Values
                        let loss = Losses.a2c options zeros zeros values zeros (vector b.Returns)
                        loss.Total.backward ()
                        gradOf values

                    let h = 1e-6

                    let numeric =
                        Array.init b.N (fun i ->
                            let shifted d =
                                b.Values |> Array.mapi (fun j v -> if j = i then v + d else v)

                            (valueLoss options (shifted h) b.Returns
                             - valueLoss options (shifted -h) b.Returns)
                            / (2.0 * h))

                    Array.forall2 (fun (a: float) n -> abs (a - n) < 1e-6) analytic numeric
                    |> Prop.label $"{kind}: analytic {analytic} vs numeric {numeric}")
                |> List.reduce (.&.))

            test "advantages and returns are constants: no gradient flows into them" {
                use _ = torch.NewDisposeScope()
                let logits = leaf [| 2L; 2L |] [| 0.1; 0.2; 0.3; 0.4 |]
                let actions = torch.tensor ([| 0L; 1L |])
                let advantages = leaf [| 2L |] [| 1.0; -1.0 |]
                let returns = leaf [| 2L |] [| 0.5; 0.25 |]
                let values = leaf [| 2L |] [| 0.0; 0.0 |]
                let logProbs = Distributions.categoricalLogProb logits actions
                let entropies = Distributions.categoricalEntropy logits

                let loss =
                    Losses.a2c
                        { LossOptions.a2cDefaults with
                            NormalizeAdvantage = true
                            EntCoef = 0.1f
                        }
                        logProbs
                        entropies
                        values
                        advantages
                        returns

                loss.Total.backward ()
                Expect.isNull advantages.grad "advantages get no gradient"
                Expect.isNull returns.grad "returns get no gradient"
                Expect.isNotNull values.grad "values do"
                Expect.isNotNull logits.grad "logits do"
            }

            testPropertyWithConfig config "Huber (delta 1): 0.5 e^2 within 1, |e| - 0.5 beyond, never above 0.5 e^2"
            <| Prop.forAll (Arb.fromGen (Gen.arrayOfLength 64 (floatIn -5f 5f))) (fun errors ->
                use _ = torch.NewDisposeScope()
                let actual = Losses.huber (vector32 errors) |> values32

                let expected =
                    errors
                    |> Array.map (fun e ->
                        let e = float e
                        if abs e <= 1.0 then 0.5 * e * e else abs e - 0.5)

                closeAll 1e-6 "piecewise" expected actual
                .&. (Array.forall2 (fun (h: float32) (e: float32) -> h <= 0.5f * e * e + 1e-6f) actual errors
                     |> Prop.label "never above 0.5 e^2"))

            test "Huber by hand: 0.5 -> 0.125, -3 -> 2.5, 1 -> 0.5" {
                use _ = torch.NewDisposeScope()
                let h = Losses.huber (vector32 [| 0.5f; -3f; 1f |]) |> values32
                Expect.equal h [| 0.125f; 2.5f; 0.5f |] "values"
            }

            test "a single transition with normalize_advantage has zero policy loss, not NaN" {
                let b =
                    {
                        N = 1
                        K = 2
                        Logits = [| 0.3; -0.2 |]
                        Actions = [| 1 |]
                        Advantages = [| 2.5 |]
                        Values = [| 0.0 |]
                        Returns = [| 1.0 |]
                    }

                let breakdown, grad =
                    policyGradient
                        { LossOptions.a2cDefaults with
                            NormalizeAdvantage = true
                        }
                        b

                Expect.equal breakdown.Policy 0.0 "policy term"
                Expect.isFalse (grad |> Array.exists Double.IsNaN) "no NaN in the gradient"
            }

            test "inputs of the wrong length or rank, and negative coefficients, are refused by name" {
                use _ = torch.NewDisposeScope()
                let v3 = vector [| 1.0; 2.0; 3.0 |]
                let v2 = vector [| 1.0; 2.0 |]

                Expect.equal
                    (refusedArgument (fun () -> Losses.a2c LossOptions.a2cDefaults v3 v3 v3 v2 v3))
                    "advantages"
                    "length"

                Expect.equal
                    (refusedArgument (fun () -> Losses.a2c LossOptions.a2cDefaults v3 v3 (v3.reshape (3L, 1L)) v3 v3))
                    "values"
                    "rank"

                Expect.equal
                    (refusedArgument (fun () ->
                        Losses.a2c
                            { LossOptions.a2cDefaults with
                                EntCoef = -1f
                            }
                            v3
                            v3
                            v3
                            v3
                            v3))
                    "EntCoef"
                    "negative coefficient"
            }
        ]
