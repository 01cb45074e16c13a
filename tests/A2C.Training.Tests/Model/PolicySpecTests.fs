module A2C.Training.Tests.PolicySpecTests

open System
open A2C.Envs
open A2C.Envs.Spaces
open A2C.Training
open Expecto
open TorchSharp

let private specOf (id: string) (options: A2COptions) =
    use env = Registry.Make id
    PolicySpec.For(env.ObservationSpace, env.ActionSpace, options)

let private message (f: unit -> unit) =
    try
        f ()
        failtest "accepted"
        ""
    with :? ArgumentException as e ->
        e.Message

/// An env whose Discrete observations are not integers: what a buggy simulator might write.
type private FractionalObservations() =
    inherit Env("Fractional-v0", Discrete(3), Discrete(2))

    override _.OnReset(observation: Span<float32>) = observation[0] <- 2.5f

    override _.OnStep(_action: int, observation: Span<float32>) =
        observation[0] <- 2.5f
        StepResult(0.0, false, false)

[<Tests>]
let tests =
    testSequenced
    <| testList
        "policies"
        [
            test "the extractor and the distribution come from the spaces, as Stable-Baselines3 picks them" {
                let options = A2COptions()
                let cartPole = specOf "CartPole-v1" options
                Expect.isNull cartPole.Encoding "a float Box is read as it is"
                Expect.equal cartPole.Distribution ActionDistribution.Categorical "Discrete: categorical"

                let multi = specOf "IdentityMultiDiscrete-v0" options
                Expect.equal (nonNull multi.Encoding).FeatureSize 7 "MultiDiscrete([3, 4]) observations: 3 + 4 one-hot"
                Expect.equal multi.Distribution ActionDistribution.MultiCategorical "MultiDiscrete actions"
                Expect.equal multi.ActionCount 7 "logits of each choice side by side"
                Expect.equal multi.ActionSize 2 "two integers per action"

                let bits = specOf "IdentityMultiBinary-v0" options
                Expect.equal bits.Distribution ActionDistribution.Bernoulli "MultiBinary actions"

                let image = specOf "ImageIdentity-v0" options
                Expect.equal (nonNull image.Encoding).Policy PolicyKind.Cnn "an image picks CnnPolicy"
                Expect.equal image.FeatureSize 512 "NatureCNN's 512 features"
                Expect.isEmpty image.NetArch "SB3's CnnPolicy has no hidden layers after its features"
                Expect.isNotNull image.TorchOnlyReason "only TorchSharp runs the CNN"

                let dict = specOf "SimpleMultiObs-v0" options
                Expect.equal (nonNull dict.Encoding).Policy PolicyKind.MultiInput "a Dict picks MultiInputPolicy"
                Expect.equal dict.FeatureSize (256 + 2) "256 CNN features for the image key, the vector as it is"
                Expect.sequenceEqual dict.NetArch [ 64; 64 ] "MultiInputPolicy keeps net_arch"

                Expect.sequenceEqual
                    ((nonNull dict.Encoding).NormalizableMask())
                    [| for i in 0..1297 -> i >= 1296 |]
                    "only the float vector is normalized"

                let small = specOf "ImageIdentity-v0" (A2COptions(FeaturesDim = 32))
                Expect.equal small.FeatureSize 32 "features_dim"
            }

            test "a policy that does not fit the space is refused, naming both" {
                let cnn =
                    message (fun () -> specOf "CartPole-v1" (A2COptions(Policy = PolicyKind.Cnn)) |> ignore)

                Expect.stringContains cnn "CnnPolicy reads images" "why"
                Expect.stringContains cnn "Box(" "the space"

                let dict =
                    message (fun () -> specOf "SimpleMultiObs-v0" (A2COptions(Policy = PolicyKind.Mlp)) |> ignore)

                Expect.stringContains dict "needs MultiInputPolicy" "a Dict"

                let multi =
                    message (fun () -> specOf "CartPole-v1" (A2COptions(Policy = PolicyKind.MultiInput)) |> ignore)

                Expect.stringContains multi "MultiInputPolicy reads a Dict" "not a Dict"

                let tiny =
                    message (fun () -> ObservationEncoding.For(Box.Image(20, 40, 3), PolicyKind.Cnn) |> ignore)

                Expect.stringContains tiny "20x40 image; NatureCNN needs at least 36x36" "too small"
            }

            test "NatureCNN has Stable-Baselines3's layers and parameter count for Atari's 84x84x4 frames" {
                let spec =
                    PolicySpec(
                        84 * 84 * 4,
                        6,
                        false,
                        NetKind.Separate,
                        [||],
                        Activation.Tanh,
                        true,
                        0f,
                        Encoding = ObservationEncoding.For(Box.Image(84, 84, 4), PolicyKind.Cnn)
                    )

                use model = ActorCritic.Seeded(spec, 1L)

                let shapes =
                    [
                        for struct (name, p) in model.named_parameters () do
                            if name.StartsWith "_features" then
                                yield name.Split('.') |> Array.last, List.ofArray p.shape
                    ]

                Expect.equal
                    shapes
                    [
                        "weight", [ 32L; 4L; 8L; 8L ]
                        "bias", [ 32L ]
                        "weight", [ 64L; 32L; 4L; 4L ]
                        "bias", [ 64L ]
                        "weight", [ 64L; 64L; 3L; 3L ]
                        "bias", [ 64L ]
                        "weight", [ 512L; 3136L ]
                        "bias", [ 512L ]
                    ]
                    "32-64-64 convolutions, then 3136 -> 512"

                // SB3's NatureCNN for 84x84x4: 8,224 + 32,832 + 36,928 + 1,606,144 parameters; heads 6 x 513 and 513.
                Expect.equal
                    (model.ParameterCount())
                    (1_684_128L + 3_078L + 513L)
                    "every parameter is in the flat vector"

                Expect.equal (int64 model.Flat.Layout.Count) (model.ParameterCount()) "one flat vector"
            }

            test "the CNN learns through the flat vector: a gradient step moves its convolutions" {
                let spec = specOf "ImageIdentity-v0" (A2COptions())
                use model = ActorCritic.Seeded(spec, 2L)
                use _ = torch.NewDisposeScope()
                // Pixels from .NET's generator: a draw from torch's global one could land in another test's seeded weights.
                let pixels =
                    let rng = System.Random 2 in Array.init (4 * spec.ObservationSize) (fun _ -> float32 (rng.Next 256))

                let obs = torch.tensor(pixels).reshape(4L, int64 spec.ObservationSize)
                let struct (actor, values) = model.Evaluate obs
                model.Flat.Gradients.zero_ () |> ignore
                (actor.sum().add(values.sum ())).backward()

                let conv =
                    model.named_parameters ()
                    |> Seq.find (fun struct (n, _) -> n.EndsWith "conv0.weight")

                let struct (_, weight) = conv

                Expect.isGreaterThan
                    (weight.grad |> nonNull |> fun g -> g.abs().sum().item<float32>())
                    0f
                    "the first convolution has a gradient"
            }

            test "training stops at an observation outside its integer space, naming the env, the space and the value" {
                use vec = new A2C.Envs.Vector.VectorEnv([| new FractionalObservations() :> IEnv |])

                use trainer =
                    new Trainer(A2COptions(Env = "Fractional-v0", NEnvs = 1, TotalTimesteps = 100L), vec)

                try
                    trainer.Run() |> ignore
                    failtest "trained on"
                with e ->
                    let text = e.ToString()
                    Expect.stringContains text "environment 0 failed at step 0" "names the env and the step"

                    Expect.stringContains
                        text
                        "is 2.5, not an integer in [0, 2] of Discrete(3)"
                        "names the value and the space"
            }

            test "the .NET engine refuses a CNN, naming the option that runs it; auto picks TorchSharp" {
                let spec = specOf "ImageIdentity-v0" (A2COptions())
                Expect.equal (EngineChoice.Resolve(Engine.Auto, torch.CPU, spec)) Engine.Torch "auto"

                let refused =
                    message (fun () -> EngineChoice.Resolve(Engine.DotNet, torch.CPU, spec) |> ignore)

                Expect.stringContains refused "--engine torch" "names the way out"
                Expect.stringContains refused "NatureCNN" "names what it lacks"
                let multi = specOf "IdentityMultiDiscrete-v0" (A2COptions())

                Expect.equal
                    (EngineChoice.Resolve(Engine.Auto, torch.CPU, multi))
                    Engine.DotNet
                    "the .NET engine runs one-hot and multi heads"
            }
        ]
