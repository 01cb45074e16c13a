module A2C.Training.Tests.Model.ModelFlopsTests

open A2C.Envs.Spaces
open A2C.Training
open Expecto

let private flopsOf (spec: PolicySpec) nSteps =
    use model = ActorCritic.Seeded(spec, 1L)
    ModelFlops.For(spec, model.Flat.Layout, nSteps)

let private mlp observations actions net arch =
    PolicySpec(observations, actions, false, net, arch, Activation.Tanh, true, 0f)

[<Tests>]
let tests =
    testSequenced
    <| testList
        "model flops"
        [
            test "SB3's CartPole-v1 network: two multiply-adds' worth of flops per weight, counted by hand" {
                // Actor 4-64-64-2 and critic 4-64-64-1: 4,480 + 4,416 multiply-adds forward; the backward pass
                // forms every weight gradient (8,896) and every input gradient but the observation's (8,384).
                let flops = nonNull (flopsOf (mlp 4 2 NetKind.Separate [| 64; 64 |]) 5)
                Expect.equal flops.Act 17_792L "act: forward through both heads"
                Expect.equal flops.Update 52_352L "learn: forward, weight and input gradients"
                Expect.equal flops.Bootstrap 8_832L "bootstrap: the critic alone"
                Expect.floatClose Accuracy.high flops.PerEnvStep (17_792.0 + 52_352.0 + 8_832.0 / 5.0) "per env step"

                Expect.floatClose
                    Accuracy.high
                    (flops.PerUpdate 40)
                    (40.0 * 52_352.0 + 8.0 * 8_832.0)
                    "an update of 8 envs x 5 steps"
            }

            test "a shared trunk is counted once, and both heads send their gradient into it" {
                // Trunk 4-64-64 (4,352 multiply-adds), heads 64-2 and 64-1.
                let flops = nonNull (flopsOf (mlp 4 2 NetKind.Shared [| 64; 64 |]) 5)
                Expect.equal flops.Act (2L * (4_352L + 128L + 64L)) "act"
                Expect.equal flops.Update (2L * (2L * 4_544L + 4_096L + 128L + 64L)) "learn"
                Expect.equal flops.Bootstrap (2L * (4_352L + 64L)) "bootstrap"
            }

            test "without hidden layers no input gradient is formed: learning costs two forward passes" {
                let flops = nonNull (flopsOf (mlp 4 2 NetKind.Separate [||]) 5)
                Expect.equal flops.Act 24L "act: 4x2 and 4x1 weights"
                Expect.equal flops.Update 48L "learn"
            }

            test "a CNN is not counted" {
                let spec =
                    PolicySpec(
                        36 * 36,
                        2,
                        false,
                        NetKind.Separate,
                        [||],
                        Activation.Tanh,
                        true,
                        0f,
                        Encoding = ObservationEncoding.For(Box.Image(36, 36, 1), PolicyKind.Cnn)
                    )

                Expect.isNull (flopsOf spec 5) "null: the convolutions are not dense layers"
            }
        ]
