module A2C.Core.Tests.GaeTests

open System
open A2C.Core
open A2C.Core.Tests.Generators
open Expecto
open FsCheck.FSharp

let private property name body =
    testPropertyWithConfig config name (Prop.forAll caseArb body)

/// The seed article's single-env compute_gae, written as the plain loop it is: no truncation,
/// values extended by the bootstrap value, (1 - done) masks.
let private seedComputeGae (gamma: float) (lambda: float) (rewards: float[]) (values: float[]) (dones: bool[]) next =
    let values = Array.append values [| next |]
    let returns = Array.zeroCreate rewards.Length
    let mutable gae = 0.0

    for step in rewards.Length - 1 .. -1 .. 0 do
        let mask = if dones.[step] then 0.0 else 1.0
        let d = rewards.[step] + gamma * values.[step + 1] * mask - values.[step]
        gae <- d + gamma * lambda * mask * gae
        returns.[step] <- gae + values.[step]

    returns

let private withLambda lambda (c: Case) = { c with Lambda = lambda }

let private permuteEnvs (perm: int[]) (c: Case) =
    let time (xs: 'a[]) =
        Array.init xs.Length (fun i -> xs.[(i / c.Envs) * c.Envs + perm.[i % c.Envs]])

    { c with
        Rewards = time c.Rewards
        Values = time c.Values
        Terminated = time c.Terminated
        Truncated = time c.Truncated
        FinalValues = time c.FinalValues
        LastValues = Array.init c.Envs (fun e -> c.LastValues.[perm.[e]])
    }

[<Tests>]
let properties =
    testList
        "Gae.estimate properties"
        [
            property "lambda = 0 gives the one-step TD errors"
            <| fun c ->
                let c = withLambda 0f c

                let expected =
                    Array.init (c.Steps * c.Envs) (fun i -> delta c (i / c.Envs) (i % c.Envs))

                closeAll 1e-5 "A_t = delta_t" expected (Gae.estimate c.Gamma 0f c.Rollout).Advantages

            property "lambda = 1 gives the discounted return minus V: Returns.discounted = estimate(lambda 1).Returns"
            <| fun c ->
                let estimates = Gae.estimate c.Gamma 1f c.Rollout
                let discounted = Returns.discounted c.Gamma c.Rollout

                closeAll 1e-5 "returns" (toFloat discounted) estimates.Returns
                .&. closeAll
                        1e-5
                        "advantages = returns - V"
                        (Array.map2 (fun r v -> float r - float v) discounted c.Values)
                        estimates.Advantages

            property "the backward recursion equals the closed-form sum of (gamma lambda)^l delta_{t+l} in each episode"
            <| fun c ->
                closeAll
                    1e-5
                    "closed form"
                    (closedFormAdvantages c)
                    (Gae.estimate c.Gamma c.Lambda c.Rollout).Advantages

            property "Returns = Advantages + Values"
            <| fun c ->
                let estimates = Gae.estimate c.Gamma c.Lambda c.Rollout

                let expected =
                    Array.map2 (fun a v -> float a + float v) estimates.Advantages c.Values

                closeAll 1e-6 "returns" expected estimates.Returns

            property "nothing crosses an episode boundary: data after a done never changes advantages up to it"
            <| fun c ->
                let doneAt = [| 0 .. c.Steps * c.Envs - 1 |] |> Array.filter (isDone c)

                if doneAt.Length = 0 then
                    true |> Prop.label "no done in this rollout"
                else
                    (let i = doneAt.[doneAt.Length / 2]
                     let t0, e = i / c.Envs, i % c.Envs
                     let after j = j % c.Envs = e && j / c.Envs > t0

                     let scramble (xs: float32[]) =
                         xs |> Array.mapi (fun j x -> if after j then x * -3f + 7f else x)

                     let changed =
                         { c with
                             Rewards = scramble c.Rewards
                             Values = scramble c.Values
                             FinalValues = scramble c.FinalValues
                             LastValues = c.LastValues |> Array.mapi (fun k v -> if k = e then v + 11f else v)
                         }

                     let before = (Gae.estimate c.Gamma c.Lambda c.Rollout).Advantages
                     let after = (Gae.estimate c.Gamma c.Lambda changed.Rollout).Advantages
                     let upTo = [| for t in 0..t0 -> t * c.Envs + e |]

                     sameAll
                         $"env {e}, steps 0..{t0}"
                         (upTo |> Array.map (fun j -> before.[j]))
                         (upTo |> Array.map (fun j -> after.[j])))

            property "a terminated step ignores every next value; a truncated one uses exactly its final value"
            <| fun c ->
                let n = c.Steps * c.Envs
                let estimates = Gae.estimate c.Gamma c.Lambda c.Rollout

                let changed =
                    { c with
                        Values =
                            c.Values
                            |> Array.mapi (fun j v ->
                                if j >= c.Envs && c.Terminated.[j - c.Envs] then
                                    v + 5f
                                else
                                    v)
                        FinalValues = c.FinalValues |> Array.mapi (fun j v -> if c.Terminated.[j] then v - 9f else v)
                        LastValues =
                            c.LastValues
                            |> Array.mapi (fun e v ->
                                if c.Terminated.[(c.Steps - 1) * c.Envs + e] then
                                    v + 3f
                                else
                                    v)
                    }

                let changedEstimates = Gae.estimate c.Gamma c.Lambda changed.Rollout
                // Terminated steps whose own V_t was left alone (the perturbation moves V after a termination).
                let terminated =
                    [| 0 .. n - 1 |]
                    |> Array.filter (fun j -> c.Terminated.[j] && not (j >= c.Envs && c.Terminated.[j - c.Envs]))

                let truncatedOnly =
                    [| 0 .. n - 1 |]
                    |> Array.filter (fun j -> c.Truncated.[j] && not c.Terminated.[j])

                let pick (xs: float32[]) idx = idx |> Array.map (fun j -> xs.[j])

                sameAll
                    "terminated: r_t - V_t whatever comes next"
                    (pick estimates.Advantages terminated)
                    (pick changedEstimates.Advantages terminated)
                .&. closeAll
                        1e-6
                        "truncated: r_t + gamma * V(final) - V_t"
                        (truncatedOnly
                         |> Array.map (fun j ->
                             float c.Rewards.[j] + float c.Gamma * float c.FinalValues.[j]
                             - float c.Values.[j]))
                        (pick estimates.Advantages truncatedOnly)

            property "envs are independent: permuting envs permutes the results"
            <| fun c ->
                let perm = Array.init c.Envs (fun e -> (e * 7 + 3) % c.Envs)

                let perm =
                    if Array.distinct perm |> Array.length = c.Envs then
                        perm
                    else
                        Array.init c.Envs (fun e -> c.Envs - 1 - e)

                let permuted = permuteEnvs perm c
                let original = (Gae.estimate c.Gamma c.Lambda c.Rollout).Advantages
                let ofPermuted = (Gae.estimate c.Gamma c.Lambda permuted.Rollout).Advantages

                let expected =
                    Array.init original.Length (fun i -> original.[(i / c.Envs) * c.Envs + perm.[i % c.Envs]])

                sameAll "advantages of the permuted rollout" expected ofPermuted

            property "linear in the data: scaling rewards and values scales advantages; rewards add"
            <| fun c ->
                let scaled =
                    { c with
                        Rewards = Array.map ((*) 2f) c.Rewards
                        Values = Array.map ((*) 2f) c.Values
                        FinalValues = Array.map ((*) 2f) c.FinalValues
                        LastValues = Array.map ((*) 2f) c.LastValues
                    }

                let a = (Gae.estimate c.Gamma c.Lambda c.Rollout).Advantages
                let a2 = (Gae.estimate c.Gamma c.Lambda scaled.Rollout).Advantages
                let otherRewards = Array.map (fun r -> 0.5f - r * 0.25f) c.Rewards
                let zero = Array.zeroCreate (c.Steps * c.Envs)

                let onlyOther =
                    { c with
                        Rewards = otherRewards
                        Values = zero
                        FinalValues = zero
                        LastValues = Array.zeroCreate c.Envs
                    }

                let summed =
                    { c with
                        Rewards = Array.map2 (+) c.Rewards otherRewards
                    }

                let aOther = (Gae.estimate c.Gamma c.Lambda onlyOther.Rollout).Advantages
                let aSum = (Gae.estimate c.Gamma c.Lambda summed.Rollout).Advantages

                closeAll 1e-5 "A(2x) = 2 A(x)" (Array.map (fun x -> 2.0 * float x) a) a2
                .&. closeAll
                        1e-5
                        "A(r1 + r2, V) = A(r1, V) + A(r2, 0)"
                        (Array.map2 (fun x y -> float x + float y) a aOther)
                        aSum

            property "one env without truncation: agrees with the seed article's compute_gae loop"
            <| fun c ->
                let c =
                    { c with
                        Envs = 1
                        Rewards = Array.truncate c.Steps c.Rewards
                        Values = Array.truncate c.Steps c.Values
                        Terminated = Array.truncate c.Steps c.Terminated
                        Truncated = Array.zeroCreate c.Steps
                        FinalValues = Array.zeroCreate c.Steps
                        LastValues = Array.truncate 1 c.LastValues
                    }

                let seed =
                    seedComputeGae
                        (float c.Gamma)
                        (float c.Lambda)
                        (toFloat c.Rewards)
                        (toFloat c.Values)
                        c.Terminated
                        (float c.LastValues.[0])

                closeAll 1e-5 "returns" seed (Gae.estimate c.Gamma c.Lambda c.Rollout).Returns

            property "estimateInto writes exactly what estimate returns"
            <| fun c ->
                let n = c.Steps * c.Envs
                let advantages, returns = Array.create n nanf, Array.create n nanf
                Gae.estimateInto c.Gamma c.Lambda c.Rollout advantages returns
                let estimates = Gae.estimate c.Gamma c.Lambda c.Rollout

                sameAll "advantages" estimates.Advantages advantages
                .&. sameAll "returns" estimates.Returns returns
        ]

/// One env, one episode of five steps, reward 1 only on the last step, a constant critic: the
/// expected numbers are worked by hand.
let private episode (values: float32) (terminal: bool) (finalValue: float32) =
    Rollout.create
        5
        1
        [| 0f; 0f; 0f; 0f; 1f |]
        (Array.create 5 values)
        [| false; false; false; false; terminal |]
        [| false; false; false; false; not terminal |]
        [| 0f; 0f; 0f; 0f; finalValue |]
        [| 123f |] // after a done, the last value must not matter

[<Tests>]
let fixtures =
    testList
        "Gae.estimate analytic fixtures"
        [
            test "V = 0, terminated: A_t = (gamma lambda)^(4 - t) = 0.45^(4 - t) for gamma 0.9, lambda 0.5" {
                let e = Gae.estimate 0.9f 0.5f (episode 0f true 0f)
                expectAllClose e.Advantages [| 0.04100625; 0.091125; 0.2025; 0.45; 1.0 |] "advantages"
                expectAllClose e.Returns [| 0.04100625; 0.091125; 0.2025; 0.45; 1.0 |] "returns"
            }

            test "V = 1, terminated, lambda 1: returns 0.9^(4 - t), advantages 0.9^(4 - t) - 1" {
                let e = Gae.estimate 0.9f 1f (episode 1f true 0f)
                expectAllClose e.Returns [| 0.6561; 0.729; 0.81; 0.9; 1.0 |] "returns"
                expectAllClose e.Advantages [| -0.3439; -0.271; -0.19; -0.1; 0.0 |] "advantages"
            }

            test "V = 1, truncated with V(final) = 2, lambda 1: R_4 = 1 + 0.9 * 2, then discounted back" {
                let e = Gae.estimate 0.9f 1f (episode 1f false 2f)
                expectAllClose e.Returns [| 1.83708; 2.0412; 2.268; 2.52; 2.8 |] "returns"
                expectAllClose e.Advantages [| 0.83708; 1.0412; 1.268; 1.52; 1.8 |] "advantages"
            }

            test "V = 1, lambda 0: one-step errors -0.1 before the end, 0 at the terminal step" {
                let e = Gae.estimate 0.9f 0f (episode 1f true 0f)
                expectAllClose e.Advantages [| -0.1; -0.1; -0.1; -0.1; 0.0 |] "advantages"
            }

            test "two envs stay apart: env 0 terminates at t = 0, env 1 bootstraps from its last value" {
                // time-major: [t0e0; t0e1; t1e0; t1e1]
                let r =
                    Rollout.create
                        2
                        2
                        [| 1f; 0f; 5f; 1f |]
                        [| 0f; 0f; 0f; 0f |]
                        [| true; false; false; false |]
                        [| false; false; false; false |]
                        [| 0f; 0f; 0f; 0f |]
                        [| 0f; 10f |]

                let e = Gae.estimate 0.5f 1f r
                // env 0: A_0 = 1 (terminated), A_1 = 5 + 0.5 * 0 = 5. env 1: A_1 = 1 + 0.5 * 10 = 6, A_0 = 0 + 0.5 * 6 = 3.
                expectAllClose e.Advantages [| 1.0; 3.0; 5.0; 6.0 |] "advantages"
            }

            test "gamma or lambda outside [0, 1] is refused, naming it" {
                let r = episode 0f true 0f

                Expect.equal (refusedArgument (fun () -> Gae.estimate 1.5f 0.9f r)) "gamma" "gamma 1.5"
                Expect.equal (refusedArgument (fun () -> Gae.estimate 0.9f -0.1f r)) "lambda" "lambda -0.1"
                Expect.equal (refusedArgument (fun () -> Gae.estimate nanf 0.9f r)) "gamma" "gamma NaN"
            }

            test "a long rollout does not drift: 100,000 rewards of 0.1 at gamma 1 sum to 10,000" {
                let steps = 100_000

                let r =
                    Rollout.create
                        steps
                        1
                        (Array.create steps 0.1f)
                        (Array.zeroCreate steps)
                        (Array.zeroCreate steps)
                        (Array.zeroCreate steps)
                        (Array.zeroCreate steps)
                        [| 0f |]

                let e = Gae.estimate 1f 1f r
                // Summed in float32 this drifts by about 1; in float64 it is exact to float32's resolution.
                let exact = float steps * float 0.1f
                Expect.floatClose { absolute = 1e-3; relative = 1e-7 } (float e.Advantages.[0]) exact "A_0"
                Expect.equal e.Advantages.[steps - 1] 0.1f "last step"
            }
        ]
