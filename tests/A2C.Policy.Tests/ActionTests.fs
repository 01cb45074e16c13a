/// A2C.Policy's actions: what the description says of the spaces, sampled actions reproducible with
/// a seed and distributed as softmax / sigmoid / Normal(mean, std) say (loose statistical checks),
/// Box actions clipped to the bounds.
module A2C.Policy.Tests.ActionTests

open System
open A2C.Runtime
open A2C.Training
open A2C.Training.Tests.Export.OnnxChecks
open A2C.Policy.Tests.PolicyChecks
open Expecto

/// An exported, briefly trained policy of options, and observations of its env.
let private exported (options: A2COptions) =
    lazy
        (use trainer = trained options
         (OnnxExport.Export trainer).Bytes, rollout options.Env samples 11)

let private cartPole = exported (short "CartPole-v1")

let private pendulum = exported (short "Pendulum-v1")

let private multiBinary = exported (short "IdentityMultiBinary-v0")

let private draws = 20_000

/// The first observation (of size floats) of raw.
let private first (raw: float32[]) size = Array.sub raw 0 size

[<Tests>]
let tests =
    testSequenced
    <| testList
        "A2C.Policy actions"
        [
            test "a CartPole-v1 policy describes its spaces: 4 floats in, Discrete(2) out" {
                let policy = Policy.Load(fst cartPole.Value)
                Expect.equal policy.Env "CartPole-v1" "env"
                Expect.equal policy.ObservationSize 4 "observation size"
                Expect.equal (List.ofSeq policy.ObservationShape) [ 4 ] "shape"
                Expect.equal policy.ActionKind ActionKind.Discrete "kind"
                Expect.equal policy.ActionSize 1 "one integer"
                Expect.equal (List.ofSeq policy.ActionCounts) [ 2 ] "two choices"
                Expect.isEmpty policy.Low "no bounds"
                Expect.isFalse policy.StateDependentStd "not gSDE"
            }

            test "a Pendulum-v1 policy is a Box of one dim in [-2, 2]; its actions are floats, not Discrete" {
                let bytes, raw = pendulum.Value
                let policy = Policy.Load bytes
                Expect.equal policy.ActionKind ActionKind.Box "kind"
                Expect.equal (List.ofSeq policy.Low, List.ofSeq policy.High) ([ -2f ], [ 2f ]) "bounds"
                let action = policy.ActDeterministic(ReadOnlySpan(first raw 3))
                Expect.equal action.Continuous.Length 1 "one float"
                Expect.isEmpty action.Integers "no integers"

                Expect.throwsT<InvalidOperationException>
                    (fun () -> action.Discrete |> ignore)
                    "Discrete of a Box action"
            }

            test "one observation's forms agree with the batch forms" {
                let bytes, raw = cartPole.Value
                let policy = Policy.Load bytes
                let batch = policy.ActDeterministicBatch(ReadOnlySpan raw)
                let values = policy.Values(ReadOnlySpan raw)

                for i in 0..99 do
                    let observation = ReadOnlySpan(Array.sub raw (4 * i) 4)
                    Expect.equal (policy.ActDeterministic(observation).Discrete) batch[i].Discrete $"action {i}"
                    Expect.equal (policy.Value observation) values[i] $"value {i}"
            }

            test
                "actions chosen from Evaluate's outputs are the actions of the observations; a row outside the batch is refused" {
                let bytes, raw = pendulum.Value
                let policy = Policy.Load bytes
                let outputs = policy.Evaluate(ReadOnlySpan raw)
                let batch = policy.ActDeterministicBatch(ReadOnlySpan raw)

                for i in 0 .. outputs.Batch - 1 do
                    Expect.equal (policy.ActDeterministic(outputs, i).Continuous) batch[i].Continuous $"row {i}"

                let drawn = policy.ActBatch(ReadOnlySpan raw, Random 3)
                let random = Random 3

                for i in 0 .. outputs.Batch - 1 do
                    Expect.equal (policy.Act(outputs, i, random).Continuous) drawn[i].Continuous $"drawn row {i}"

                Expect.throwsT<ArgumentOutOfRangeException>
                    (fun () -> policy.ActDeterministic(outputs, outputs.Batch) |> ignore)
                    "past the batch"

                Expect.throwsT<ArgumentOutOfRangeException>
                    (fun () -> policy.Act(outputs, -1, random) |> ignore)
                    "before it"
            }

            test "the allocation-free Evaluate fills the caller's buffers with what Evaluate returns" {
                let bytes, raw = pendulum.Value
                let policy = Policy.Load bytes
                let count = raw.Length / 3

                let mean, std, values =
                    Array.zeroCreate count, Array.zeroCreate count, Array.zeroCreate count

                policy.Evaluate(ReadOnlySpan raw, Span mean, Span std, Span values)
                let outputs = policy.Evaluate(ReadOnlySpan raw)
                Expect.equal (mean, std, values) (outputs.Mean, outputs.Std, outputs.Values) "the same numbers"
            }

            test "sampled actions are reproducible with a seed, and another seed draws others" {
                let bytes, raw = cartPole.Value
                let policy = Policy.Load bytes

                let draw seed =
                    policy.ActBatch(ReadOnlySpan raw, Random(seed: int))
                    |> Array.map (fun a -> a.Discrete)

                Expect.equal (draw 7) (draw 7) "the same seed, the same actions"
                Expect.notEqual (draw 7) (draw 8) "another seed"
            }

            test "Discrete draws follow softmax(logits)" {
                let bytes, raw = cartPole.Value
                let policy = Policy.Load bytes
                let observation = first raw 4
                let logits = policy.Evaluate(ReadOnlySpan observation).Logits
                let p1 = 1.0 / (1.0 + exp (float logits[0] - float logits[1]))
                Expect.isTrue (p1 > 0.05 && p1 < 0.95) $"both actions likely (p = {p1})"
                let random = Random 1

                let ones =
                    Seq.init draws (fun _ -> policy.Act(ReadOnlySpan observation, random).Discrete)
                    |> Seq.sum
                // 20,000 draws: the standard error is at most 0.0035; 0.02 is over five of them.
                Expect.floatClose
                    { absolute = 0.02; relative = 0.0 }
                    (float ones / float draws)
                    p1
                    "frequency of action 1"
            }

            test "MultiBinary draws follow sigmoid(logit) switch by switch" {
                let bytes, raw = multiBinary.Value
                let policy = Policy.Load bytes
                let observation = first raw policy.ObservationSize
                let logits = policy.Evaluate(ReadOnlySpan observation).Logits
                let random = Random 2
                let counts = Array.zeroCreate<int> logits.Length

                for _ in 1..draws do
                    policy.Act(ReadOnlySpan observation, random).Integers
                    |> Array.iteri (fun k v -> counts[k] <- counts[k] + v)

                for k in 0 .. logits.Length - 1 do
                    let p = 1.0 / (1.0 + exp (-(float logits[k])))

                    Expect.floatClose
                        { absolute = 0.02; relative = 0.0 }
                        (float counts[k] / float draws)
                        p
                        $"switch {k}"
            }

            test "Gaussian draws are Normal(mean, std) clipped: 68% within one std, all within the bounds" {
                let bytes, raw = pendulum.Value
                let policy = Policy.Load bytes
                let observation = first raw 3
                let outputs = policy.Evaluate(ReadOnlySpan observation)
                let mean, std = outputs.Mean[0], outputs.Std[0]
                Expect.isTrue (mean - std > -2f && mean + std < 2f) $"one std inside the bounds ({mean} ± {std})"
                let random = Random 3

                let samples =
                    Array.init draws (fun _ -> policy.Act(ReadOnlySpan observation, random).Continuous[0])

                Expect.isTrue (samples |> Array.forall (fun a -> a >= -2f && a <= 2f)) "clipped to [-2, 2]"
                let within = samples |> Array.filter (fun a -> abs (a - mean) < std) |> Array.length

                Expect.floatClose
                    { absolute = 0.02; relative = 0.0 }
                    (float within / float draws)
                    0.6827
                    "P(|a - mean| < std)"

                let average = samples |> Array.averageBy float
                let clippedMass = samples |> Array.exists (fun a -> a = 2f || a = -2f)

                if not clippedMass then
                    Expect.floatClose
                        {
                            absolute = 0.05 * float std
                            relative = 0.0
                        }
                        average
                        (float mean)
                        "the draws' mean"
            }
        ]
