module A2C.Training.Tests.TorchSharpTests

open Expecto
open A2C.Training
open TorchSharp

let private values (t: torch.Tensor) = t.data<float32>().ToArray()

/// The gradient that backward() left on a parameter.
let private gradient (parameter: Modules.Parameter | null) =
    values (nonNull (nonNull parameter).grad)

/// Sets a parameter's values without recording the copy in the autograd graph.
let private assign (parameter: Modules.Parameter | null) (data: float32[]) =
    let parameter = nonNull parameter
    use _ = torch.no_grad ()
    use source = torch.tensor(data).reshape(parameter.shape)
    parameter.copy_ (source) |> ignore

// TorchSharp's dispose scopes are thread-local: these tests run one after another on one thread.
[<Tests>]
let tests =
    testSequenced
    <| testList
        "TorchSharp"
        [
            test "a linear layer's gradient of (w.x + b)^2 matches the hand computation" {
                use scope = torch.NewDisposeScope()
                use layer = torch.nn.Linear(2L, 1L)
                assign layer.weight [| 0.5f; -1.0f |]
                assign layer.bias [| 0.25f |]
                let x = torch.tensor ([| 2.0f; 3.0f |])
                let y = layer.forward x
                // y = 0.5*2 - 1*3 + 0.25 = -1.75; L = y^2; dL/dw = 2y*x = [-7, -10.5]; dL/db = 2y = -3.5
                Expect.floatClose Accuracy.high (float (values y).[0]) -1.75 "forward"
                let loss = (y * y).sum()
                loss.backward ()
                let dw = gradient layer.weight
                let db = gradient layer.bias
                Expect.floatClose Accuracy.high (float dw.[0]) -7.0 "dL/dw0 = 2*y*x0"
                Expect.floatClose Accuracy.high (float dw.[1]) -10.5 "dL/dw1 = 2*y*x1"
                Expect.floatClose Accuracy.high (float db.[0]) -3.5 "dL/db = 2*y"
            }

            test "a two-layer tanh MLP's gradients match the chain rule worked by hand" {
                use scope = torch.NewDisposeScope()
                use hidden = torch.nn.Linear(3L, 2L)
                use output = torch.nn.Linear(2L, 1L)
                let w1 = [| 0.1f; -0.2f; 0.3f; 0.4f; 0.5f; -0.6f |] // 2x3, row-major
                let b1 = [| 0.05f; -0.05f |]
                let w2 = [| 0.7f; -0.8f |]
                let b2 = [| 0.1f |]
                assign hidden.weight w1
                assign hidden.bias b1
                assign output.weight w2
                assign output.bias b2
                let x = [| 1.0f; -2.0f; 0.5f |]
                let target = 0.3

                let input = torch.tensor (x)
                let y = output.forward (torch.nn.functional.tanh (hidden.forward input))
                let error = y - target
                let loss = (error * error * 0.5).sum()
                loss.backward ()

                // By hand, in float64: h = tanh(W1 x + b1), y = w2.h + b2, L = (y - t)^2 / 2.
                let pre =
                    Array.init 2 (fun i ->
                        float b1.[i]
                        + Seq.sum (seq { for j in 0..2 -> float w1.[i * 3 + j] * float x.[j] }))

                let h = pre |> Array.map tanh
                let yHand = float b2.[0] + float w2.[0] * h.[0] + float w2.[1] * h.[1]
                let dy = yHand - target
                let dW2 = h |> Array.map (fun hi -> dy * hi)
                let dPre = Array.init 2 (fun i -> dy * float w2.[i] * (1.0 - h.[i] * h.[i]))
                let dW1 = Array.init 6 (fun k -> dPre.[k / 3] * float x.[k % 3])

                Expect.floatClose Accuracy.medium (float (values y).[0]) yHand "forward output"

                for k in 0..1 do
                    Expect.floatClose Accuracy.medium (float (gradient output.weight).[k]) dW2.[k] $"dL/dW2[{k}]"

                for k in 0..5 do
                    Expect.floatClose Accuracy.medium (float (gradient hidden.weight).[k]) dW1.[k] $"dL/dW1[{k}]"

                Expect.floatClose Accuracy.medium (float (gradient output.bias).[0]) dy "dL/db2"
            }

            test
                "our RMSprop step over the flat parameters' .NET memory is TorchSharp's RMSprop step to float32 rounding, in the optimizer's own state" {
                let spec =
                    PolicySpec(3, 2, false, NetKind.Separate, [| 5 |], Activation.Tanh, true, 0f)

                let run (ours: bool) =
                    // The same gradients for both runs.
                    let rng = System.Random 7
                    use model = ActorCritic.Seeded(spec, 3L)
                    let flat = model.Flat
                    let n = (nonNull flat.Host).Length

                    let numbers () =
                        Array.init n (fun _ -> float32 (rng.NextDouble() * 2.0 - 1.0))

                    use optimizer =
                        torch.optim.RMSProp(
                            ([ flat.All ]: Modules.Parameter list),
                            7e-4,
                            alpha = 0.99,
                            eps = float 1e-5f
                        )

                    use step = new A2C.Training.FlatRmsProp(optimizer, flat, 0.99, float 1e-5f)

                    for i in 0..5 do
                        numbers().CopyTo(nonNull flat.HostGradients, 0)
                        let lr = 7e-4 * (1.0 - float i / 10.0)

                        for group in optimizer.ParamGroups do
                            group.LearningRate <- lr

                        if ours then step.Step lr else optimizer.step () |> ignore

                    let state = optimizer.state_dict().State |> Seq.exactlyOne :?> Modules.RMSProp.State

                    Array.copy (nonNull flat.Host), values state.square_avg, state.step

                let theirs, theirAverages, theirSteps = run false
                let mine, myAverages, mySteps = run true
                // One ulp of a parameter is about 6e-8; the step itself is about 7e-4.
                let close name (a: float32[]) (b: float32[]) =
                    Array.iteri2
                        (fun i (x: float32) (y: float32) ->
                            Expect.isLessThanOrEqual (abs (x - y)) (1e-7f * max 1f (abs y)) $"{name}[{i}]")
                        a
                        b

                close "the parameters after six steps" mine theirs
                close "the running averages, where a checkpoint reads them" myAverages theirAverages
                Expect.equal mySteps theirSteps "the step count"
            }

            test
                "clipping by global norm in .NET is TorchSharp's clip_grad_norm_ to float32 rounding, and leaves a small gradient alone" {
                let rng = System.Random 11

                for length, scale, maxNorm in [ 9155, 0.01, 0.5; 9155, 1.0, 0.5; 37, 3.0, 10.0; 1, 2.0, 0.5 ] do
                    let gradient =
                        Array.init length (fun _ -> float32 ((rng.NextDouble() * 2.0 - 1.0) * scale))

                    use p = new Modules.Parameter(torch.zeros (int64 length))
                    use g = torch.tensor (Array.copy gradient)
                    p.grad <- g
                    let theirNorm = torch.nn.utils.clip_grad_norm_ ([ p ], maxNorm)
                    let theirs = values g
                    let mine = Array.copy gradient
                    let myNorm = GradientClipping.ClipByGlobalNorm(System.Span mine, maxNorm)
                    Expect.floatClose Accuracy.medium myNorm theirNorm $"the norm before clipping ({length} x {scale})"

                    Array.iteri2
                        (fun i (x: float32) (y: float32) ->
                            Expect.isLessThanOrEqual (abs (x - y)) (1e-6f * max 1e-3f (abs y)) $"gradient[{i}]")
                        mine
                        theirs

                    if myNorm <= maxNorm then
                        Expect.equal mine gradient "a gradient within the norm is not touched"
            }
        ]
