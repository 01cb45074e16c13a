module A2C.Training.Tests.EngineTests

open System
open System.Reactive.Concurrency
open System.Reactive.Linq
open A2C.Envs.Vector
open A2C.Training
open Expecto
open FsCheck
open FsCheck.FSharp
open TorchSharp

/// The properties below build real TorchSharp models; 60 cases each keep them to a few seconds.
let private config =
    { FsCheckConfig.defaultConfig with
        maxTest = 60
    }

type private NetCase =
    {
        Spec: PolicySpec
        Batch: int
        Observations: float32[]
        GradActor: float32[]
        GradValues: float32[]
        Seed: int
    }

let private netCaseGen =
    gen {
        let! observationSize = Gen.choose (1, 12)
        let! actions = Gen.choose (1, 5)
        let! continuous = Gen.elements [ false; true ]
        let! net = Gen.elements [ NetKind.Separate; NetKind.Shared ]
        let! depth = Gen.choose (0, 3)
        let! arch = Gen.listOfLength depth (Gen.elements [ 1; 3; 8; 13; 64 ])
        let! activation = Gen.elements [ Activation.Tanh; Activation.Relu ]
        let! batch = Gen.choose (1, 45)
        let number = Gen.choose (-3000, 3000) |> Gen.map (fun x -> float32 x / 1000f)
        let! observations = Gen.arrayOfLength (batch * observationSize) number
        let! gradActor = Gen.arrayOfLength (batch * actions) number
        let! gradValues = Gen.arrayOfLength batch number
        let! seed = Gen.choose (0, 10_000)

        return
            {
                Spec = PolicySpec(observationSize, actions, continuous, net, List.toArray arch, activation, true, -0.5f)
                Batch = batch
                Observations = observations
                GradActor = gradActor
                GradValues = gradValues
                Seed = seed
            }
    }

let private newModel (c: NetCase) =
    ActorCritic.Seeded(c.Spec, (int64 c.Seed))

/// Agreement to float32 rounding, relative to the largest magnitude involved.
let private close (label: string) (expected: float32[]) (actual: float32[]) =
    let scale =
        1f + (Array.append expected actual |> Array.fold (fun m x -> max m (abs x)) 0f)

    let worst =
        Array.map2 (fun (e: float32) (a: float32) -> abs (e - a)) expected actual
        |> Array.fold max 0f

    worst <= 1e-5f * scale
    |> Prop.label $"{label}: largest difference {worst} at scale {scale}"

/// TorchSharp's forward pass and autograd for the same model and output gradients.
let private torchReference (model: ActorCritic) (c: NetCase) =
    use _ = torch.NewDisposeScope()
    let flat = model.Flat
    flat.Gradients.zero_ () |> ignore

    let obs =
        torch.tensor(c.Observations).reshape(int64 c.Batch, int64 c.Spec.ObservationSize)

    let struct (actor, values) = model.Evaluate obs
    let gradActor = torch.tensor(c.GradActor).reshape(actor.shape)

    torch.autograd.backward (ResizeArray [ actor; values ], ResizeArray [ gradActor; torch.tensor c.GradValues ])

    let read (t: torch.Tensor) =
        t.detach().contiguous().data<float32>().ToArray()

    read actor, read values, Array.copy (nonNull flat.HostGradients)

/// What a short training run did, step by step: every action taken, every update's loss, and
/// the parameters at the end.
type private Trace =
    {
        DiscreteActions: int[]
        ContinuousActions: float32[]
        Losses: float[]
        Parameters: float32[]
        Observations: float32[]
    }

/// Trains `updates` rollouts as the trainer does (on this thread, one update per rollout) with
/// the given engine; models, sampling and envs are seeded as the trainer seeds them.
let private trainWith (mask: A2C.Envs.ActionMaskFunction option) (engine: Engine) (options: A2COptions) (updates: int) =
    use vec = VectorEnv.Make(options.Env, options.NEnvs)

    let spec =
        PolicySpec.For(vec.SingleObservationSpace, vec.SingleActionSpace, options)

    use model = ActorCritic.Seeded(spec, (int64 options.Seed))

    use agent =
        new Agent(model, int64 options.Seed + 1L, torch.CPU, engine, options.Threads, ActionMask = Option.toObj mask)

    use learner = new Learner(agent, options, torch.CPU)
    let losses = ResizeArray()

    let rollouts =
        RolloutStream
            .Create(vec, agent, Nullable options.Seed, Scheduler.CurrentThread)
            .Rollouts(options.NSteps)
            .Take(updates)
            .Do(fun rollout -> losses.Add(learner.Update(rollout, 1.0).TotalLoss))
            .ToList()
            .Wait()

    let steps = rollouts |> Seq.concat |> Seq.toArray

    {
        DiscreteActions = steps |> Array.collect (fun b -> b.DiscreteActions.ToArray())
        ContinuousActions = steps |> Array.collect (fun b -> b.ContinuousActions.ToArray())
        Losses = losses.ToArray()
        Parameters = Array.copy (nonNull model.Flat.Host)
        Observations = steps |> Array.collect (fun b -> b.Observations.ToArray())
    }

let private train = trainWith None

let private bits (xs: float32[]) =
    xs |> Array.map BitConverter.SingleToInt32Bits

let private doubleBits (xs: float[]) =
    xs |> Array.map BitConverter.DoubleToInt64Bits

let private largestDifference (a: float32[]) (b: float32[]) =
    Array.map2 (fun (x: float32) (y: float32) -> abs (x - y)) a b
    |> Array.fold max 0f

[<Tests>]
let tests =
    testSequenced
    <| testList
        "engines"
        [
            testPropertyWithConfig
                config
                "the .NET kernel's forward pass and gradient equal TorchSharp's and autograd's"
            <| Prop.forAll (Arb.fromGen netCaseGen) (fun c ->
                use model = newModel c
                let expectedActor, expectedValues, expectedGradients = torchReference model c
                let kernel = MlpKernel(model.Flat.Layout, c.Spec.Activation, 4)
                let actor = Array.zeroCreate (c.Batch * c.Spec.ActionCount)
                let values = Array.zeroCreate c.Batch
                let weights = nonNull model.Flat.Host
                kernel.Forward(weights, ReadOnlySpan c.Observations, c.Batch, Span actor, Span values, null)
                let gradients = Array.zeroCreate weights.Length
                kernel.Backward(weights, c.Batch, ReadOnlySpan c.GradActor, ReadOnlySpan c.GradValues, gradients, null)

                // The log std does not pass through the network: autograd leaves it at zero too.
                close "actor" expectedActor actor
                .&. close "values" expectedValues values
                .&. close "gradients" expectedGradients gradients)

            testPropertyWithConfig
                config
                "with a helper thread the kernel's outputs and gradients are the same bits as on one thread"
            <| Prop.forAll (Arb.fromGen netCaseGen) (fun c ->
                use model = newModel c
                use helper = new HelperThread()
                let weights = nonNull model.Flat.Host

                let run (h: HelperThread | null) =
                    let kernel = MlpKernel(model.Flat.Layout, c.Spec.Activation, 4)
                    let actor = Array.zeroCreate (c.Batch * c.Spec.ActionCount)
                    let values = Array.zeroCreate c.Batch
                    let valuesOnly = Array.zeroCreate c.Batch
                    let gradients = Array.zeroCreate weights.Length
                    kernel.Forward(weights, ReadOnlySpan c.Observations, c.Batch, Span.Empty, Span valuesOnly, h)
                    kernel.Forward(weights, ReadOnlySpan c.Observations, c.Batch, Span actor, Span values, h)

                    kernel.Backward(
                        weights,
                        c.Batch,
                        ReadOnlySpan c.GradActor,
                        ReadOnlySpan c.GradValues,
                        gradients,
                        h
                    )

                    bits actor, bits values, bits valuesOnly, bits gradients

                let oneActor, oneValues, oneValuesOnly, oneGradients = run null
                let twoActor, twoValues, twoValuesOnly, twoGradients = run helper

                (oneActor = twoActor
                 && oneValues = twoValues
                 && oneValuesOnly = twoValuesOnly
                 && oneValuesOnly = oneValues
                 && oneGradients = twoGradients)
                |> Prop.label $"{c.Spec.Net} {c.Spec.NetArch |> Seq.toList} batch {c.Batch}")

            testPropertyWithConfig
                config
                "the kernel's vectorized tanh is within 2.5e-7 of MathF.Tanh, and keeps ±1 at infinity and NaN"
            <| Prop.forAll
                (Arb.fromGen (
                    Gen.arrayOf (Gen.choose (-2_000_000, 2_000_000) |> Gen.map (fun x -> float32 x / 100_000f))
                ))
                (fun xs ->
                    let inputs = Array.append xs [| infinityf; -infinityf; nanf; 0f; -0f; 1e-30f |]
                    let actual = Array.copy inputs
                    A2C.Kernels.DenseLoops.Tanh(Span actual)

                    let within =
                        Array.forall2
                            (fun (x: float32) (y: float32) ->
                                if Single.IsNaN x then
                                    Single.IsNaN y
                                else
                                    abs (y - MathF.Tanh x) <= 2.5e-7f)
                            inputs
                            actual

                    within |> Prop.label $"inputs {inputs} gave {actual}")

            // Every element is the same chain of multiply-adds in both loops, so they agree bit for bit.
            if Runtime.Intrinsics.Vector512.IsHardwareAccelerated then
                testPropertyWithConfig
                    { config with maxTest = 200 }
                    "the 512-bit weighted sums give the 256-bit loops' results bit for bit"
                <| Prop.forAll
                    (Arb.fromGen (
                        gen {
                            let! rows = Gen.choose (1, 70)
                            let! inner = Gen.choose (1, 70)
                            let! width = Gen.choose (1, 6) |> Gen.map ((*) 16)
                            let! transposed = Gen.elements [ false; true ]
                            let! accumulate = Gen.elements [ false; true ]
                            let! withBias = Gen.elements [ false; true ]
                            let number = Gen.choose (-3000, 3000) |> Gen.map (fun x -> float32 x / 1000f)
                            let! coefficients = Gen.arrayOfLength (rows * inner) number
                            let! source = Gen.arrayOfLength (inner * width) number
                            let! start = Gen.arrayOfLength (rows * width) number
                            let! bias = Gen.arrayOfLength (if withBias then rows else 0) number
                            return rows, inner, width, transposed, accumulate, coefficients, source, start, bias
                        }
                    ))
                    (fun (rows, inner, width, transposed, accumulate, coefficients, source, start, bias) ->
                        let rowStride, columnStride = if transposed then 1, rows else inner, 1

                        let run combine =
                            let destination = Array.copy start
                            combine (rowStride, columnStride, destination)
                            destination

                        let wide =
                            run (fun (r, c, d) ->
                                A2C.Kernels.DenseLoops.CombineWide(
                                    ReadOnlySpan coefficients,
                                    r,
                                    c,
                                    ReadOnlySpan bias,
                                    ReadOnlySpan source,
                                    Span d,
                                    rows,
                                    inner,
                                    width,
                                    accumulate
                                ))

                        let narrow =
                            run (fun (r, c, d) ->
                                A2C.Kernels.DenseLoops.CombineNarrow(
                                    ReadOnlySpan coefficients,
                                    r,
                                    c,
                                    ReadOnlySpan bias,
                                    ReadOnlySpan source,
                                    Span d,
                                    rows,
                                    inner,
                                    width,
                                    accumulate
                                ))

                        Array.forall2
                            (fun (a: float32) b -> BitConverter.SingleToInt32Bits a = BitConverter.SingleToInt32Bits b)
                            wide
                            narrow
                        |> Prop.label
                            $"{rows} x {inner} -> width {width}, transposed {transposed}, accumulate {accumulate}")
            else
                test "the 512-bit weighted sums give the 256-bit loops' results bit for bit" {
                    skiptest "this CPU's 512-bit vectors are not accelerated, so only the 256-bit loops run"
                }

            // The Identity envs add one-hot observations (MultiDiscrete) and MultiCategorical and Bernoulli heads.
            for env, updates in
                [
                    "CartPole-v1", 1000
                    "Pendulum-v1", 100
                    "IdentityMultiDiscrete-v0", 300
                    "IdentityMultiBinary-v0", 300
                ] do
                test
                    $"same seed, same run: the .NET engine and TorchSharp take the same actions and learn the same curve on {env}" {
                    let options = A2COptions(Env = env, Seed = 3, TotalTimesteps = 1_000_000L)

                    let plain = train Engine.Torch options updates
                    let fast = train Engine.DotNet options updates

                    Expect.equal fast.DiscreteActions plain.DiscreteActions "every discrete action"
                    let actionGap = largestDifference fast.ContinuousActions plain.ContinuousActions
                    // Continuous actions feed back through the env's dynamics, which carry float32 rounding
                    // forward (Pendulum: about 6e-4 after 100 updates); a wrong gradient is off by far more.
                    Expect.isLessThan actionGap 1e-2f "every continuous action, to rounding carried by the dynamics"

                    let lossGap =
                        Array.map2 (fun (x: float) (y: float) -> abs (x - y) / (1.0 + abs y)) fast.Losses plain.Losses
                        |> Array.max

                    Expect.isLessThan lossGap 1e-2 "every update's loss"
                    let parameterGap = largestDifference fast.Parameters plain.Parameters
                    Expect.isLessThan parameterGap 1e-3f "the parameters at the end"

                    printfn
                        $"{env}: {updates} updates, largest gaps: action {actionGap}, loss {lossGap}, parameter {parameterGap}"
                }

            // Separate networks split across the two threads; a shared trunk stays on one.
            for env, net in
                [
                    "CartPole-v1", NetKind.Separate
                    "Pendulum-v1", NetKind.Separate
                    "CartPole-v1", NetKind.Shared
                ] do
                test
                    $"on two threads the .NET engine takes the same actions and reaches the same bits as on one ({env}, {net}, 64 envs)" {
                    let options threads =
                        A2COptions(
                            Env = env,
                            Seed = 7,
                            NEnvs = 64,
                            Net = net,
                            TotalTimesteps = 1_000_000L,
                            Threads = threads
                        )

                    let one = train Engine.DotNet (options 1) 40
                    let two = train Engine.DotNet (options 2) 40
                    Expect.equal two.DiscreteActions one.DiscreteActions "every discrete action"
                    Expect.equal (bits two.ContinuousActions) (bits one.ContinuousActions) "every continuous action"
                    Expect.equal (doubleBits two.Losses) (doubleBits one.Losses) "every update's loss"
                    Expect.equal (bits two.Parameters) (bits one.Parameters) "the parameters at the end"
                }

            test
                "with Taxi-v4's action mask, both engines take the same actions and learn the same curve, and no forbidden action is ever taken" {
                let options = A2COptions(Env = "Taxi-v4", Seed = 5, TotalTimesteps = 1_000_000L)

                let mask =
                    A2C.Envs.ActionMaskFunction(fun o v -> A2C.Envs.ToyText.Taxi.ActionMask(o, v))

                let plain = trainWith (Some mask) Engine.Torch options 300
                let fast = trainWith (Some mask) Engine.DotNet options 300
                Expect.equal fast.DiscreteActions plain.DiscreteActions "every action"
                Expect.isLessThan (largestDifference fast.Parameters plain.Parameters) 1e-3f "the parameters at the end"
                let valid = Array.zeroCreate 6

                for i, action in Array.indexed fast.DiscreteActions do
                    A2C.Envs.ToyText.Taxi.ActionMask(ReadOnlySpan(fast.Observations, i, 1), Span valid)
                    Expect.isTrue valid[action] $"action {action} in state {fast.Observations[i]} is allowed"

                // Unmasked, the same seed takes forbidden actions (pickups and drop-offs where none can happen).
                let unmasked = train Engine.DotNet options 300

                let forbidden =
                    unmasked.DiscreteActions
                    |> Array.indexed
                    |> Array.filter (fun (i, action) ->
                        A2C.Envs.ToyText.Taxi.ActionMask(ReadOnlySpan(unmasked.Observations, i, 1), Span valid)
                        not valid[action])

                Expect.isNonEmpty forbidden "the mask is what keeps them out"
            }
        ]

[<Tests>]
let allocation =
    testSequenced
    <| testList
        "allocation"
        [
            // On two threads (32 envs, so acting splits too) the helper's allocations count: the process's are read.
            for threads, envs in [ 1, 8; 2, 32 ] do
                test
                    $"collecting rollouts with the .NET engine allocates nothing per step in steady state ({threads} thread(s), {envs} envs)" {
                    let options = A2COptions(NEnvs = envs, NSteps = 5)
                    use vec = VectorEnv.Make("CartPole-v1", options.NEnvs)

                    let spec =
                        PolicySpec(4, 2, false, options.Net, options.NetArch, options.Activation, true, 0f)

                    use model = ActorCritic.Seeded(spec, 1L)
                    use agent = new Agent(model, 2L, torch.CPU, Engine.DotNet, threads)

                    let allocated () =
                        if threads = 1 then
                            GC.GetAllocatedBytesForCurrentThread()
                        else
                            GC.GetTotalAllocatedBytes true

                    let warmUp, measured = 2_000, 4_000
                    let mutable rollouts = 0
                    let mutable before = 0L
                    let mutable after = 0L

                    RolloutStream
                        .CreateRollouts(vec, agent, options.NSteps, Nullable 0, Scheduler.CurrentThread)
                        .Take(warmUp + measured + 1)
                        .Subscribe(fun _ ->
                            rollouts <- rollouts + 1

                            if rollouts = warmUp then
                                before <- allocated ()
                            elif rollouts = warmUp + measured then
                                after <- allocated ())
                    |> ignore

                    let steps = measured * options.NSteps
                    let perStep = float (after - before) / float steps
                    // The loop hands the scheduler back every 1,024 steps (one small work item); nothing else may allocate.
                    Expect.isLessThan perStep 1.0 $"{after - before} bytes over {steps} vector steps"
                }
        ]
