/// Random rollouts for the properties, naive float64 reference implementations, and comparisons
/// that explain themselves when they fail.
module A2C.Core.Tests.Generators

open System
open A2C.Core
open Expecto
open FsCheck
open FsCheck.FSharp

/// The raw data of a rollout plus the discount parameters, so a property can perturb any part.
type Case =
    {
        Steps: int
        Envs: int
        Rewards: float32[]
        Values: float32[]
        Terminated: bool[]
        Truncated: bool[]
        FinalValues: float32[]
        LastValues: float32[]
        Gamma: float32
        Lambda: float32
    }

    member c.Rollout =
        Rollout.create c.Steps c.Envs c.Rewards c.Values c.Terminated c.Truncated c.FinalValues c.LastValues

    override c.ToString() =
        $"Case(steps={c.Steps}, envs={c.Envs}, gamma={c.Gamma}, lambda={c.Lambda}, "
        + $"terminated={c.Terminated |> Array.filter id |> Array.length}, "
        + $"truncated={c.Truncated |> Array.filter id |> Array.length})"

/// Uniform float32 in [lo, hi], on a grid fine enough to look continuous.
let floatIn (lo: float32) (hi: float32) =
    Gen.choose (0, 1_000_000)
    |> Gen.map (fun i -> lo + (hi - lo) * float32 i / 1e6f)

/// Bernoulli(p) flags, p drawn per case so that some rollouts have no dones and some many.
let private flags n =
    gen {
        let! p = Gen.elements [ 0.0; 0.02; 0.1; 0.4 ]
        let! draws = Gen.arrayOfLength n (Gen.choose (0, 999))
        return draws |> Array.map (fun d -> float d < p * 1000.0)
    }

let private discount =
    Gen.elements [ 0f; 0.5f; 0.9f; 0.95f; 0.99f; 1f ] |> Gen.map id

/// Rollouts with Steps in 1..256 and Envs in 1..32 (smaller ones more often), random dones.
let caseGen =
    gen {
        let! steps = Gen.frequency [ 3, Gen.choose (1, 16); 1, Gen.choose (1, 256) ]
        let! envs = Gen.frequency [ 3, Gen.choose (1, 8); 1, Gen.choose (1, 32) ]
        let n = steps * envs
        let! rewards = Gen.arrayOfLength n (floatIn -10f 10f)
        let! values = Gen.arrayOfLength n (floatIn -5f 5f)
        let! terminated = flags n
        let! truncated = flags n
        let! finalValues = Gen.arrayOfLength n (floatIn -5f 5f)
        let! lastValues = Gen.arrayOfLength envs (floatIn -5f 5f)
        let! gamma = Gen.oneof [ discount; floatIn 0f 1f ]
        let! lambda = Gen.oneof [ discount; floatIn 0f 1f ]

        return
            {
                Steps = steps
                Envs = envs
                Rewards = rewards
                Values = values
                Terminated = terminated
                Truncated = truncated
                FinalValues = finalValues
                LastValues = lastValues
                Gamma = gamma
                Lambda = lambda
            }
    }

let caseArb = Arb.fromGen caseGen

/// The value bootstrapped after step t of env e, by the rules of the core issue, in float64.
let nextValue (c: Case) t e =
    let i = t * c.Envs + e

    if c.Terminated.[i] then 0.0
    elif c.Truncated.[i] then float c.FinalValues.[i]
    elif t < c.Steps - 1 then float c.Values.[i + c.Envs]
    else float c.LastValues.[e]

let isDone (c: Case) i = c.Terminated.[i] || c.Truncated.[i]

/// One-step TD error delta_t in float64.
let delta (c: Case) t e =
    let i = t * c.Envs + e
    float c.Rewards.[i] + float c.Gamma * nextValue c t e - float c.Values.[i]

/// Closed form: A_t = sum_l (gamma lambda)^l delta_{t+l}, up to and including the first done or the end.
let closedFormAdvantages (c: Case) =
    Array.init (c.Steps * c.Envs) (fun i ->
        let t, e = i / c.Envs, i % c.Envs
        let gl = float c.Gamma * float c.Lambda
        let mutable sum = 0.0
        let mutable weight = 1.0
        let mutable k = t
        let mutable go = true

        while go && k < c.Steps do
            sum <- sum + weight * delta c k e
            go <- not (isDone c (k * c.Envs + e))
            weight <- weight * gl
            k <- k + 1

        sum)

/// Passes when every actual value is within tol * (1 + |expected|) of the expected one; otherwise
/// the label names the first index that is off, with both values.
let closeAll (tol: float) (what: string) (expected: float[]) (actual: float32[]) =
    if expected.Length <> actual.Length then
        false
        |> Prop.label $"{what}: length {actual.Length}, expected {expected.Length}"
    else
        let bad =
            Array.tryFindIndex
                (fun i -> abs (float actual.[i] - expected.[i]) > tol * (1.0 + abs expected.[i]))
                [| 0 .. expected.Length - 1 |]

        match bad with
        | None -> true |> Prop.label what
        | Some i ->
            false
            |> Prop.label $"{what}: at index {i} got {actual.[i]}, expected {expected.[i]}"

/// As closeAll, for float64 results (tolerance absolute: |actual - expected| <= tol).
let closeAll64 (tol: float) (what: string) (expected: float[]) (actual: float[]) =
    if expected.Length <> actual.Length then
        false
        |> Prop.label $"{what}: length {actual.Length}, expected {expected.Length}"
    else
        match Array.tryFindIndex (fun i -> abs (actual.[i] - expected.[i]) > tol) [| 0 .. expected.Length - 1 |] with
        | None -> true |> Prop.label what
        | Some i ->
            false
            |> Prop.label $"{what}: at index {i} got {actual.[i]}, expected {expected.[i]}"

/// Exact element-wise equality, labelled with the first difference.
let sameAll (what: string) (expected: float32[]) (actual: float32[]) =
    match Array.tryFindIndex id (Array.map2 (fun (x: float32) y -> x <> y) expected actual) with
    | None when expected.Length = actual.Length -> true |> Prop.label what
    | None -> false |> Prop.label $"{what}: lengths differ"
    | Some i ->
        false
        |> Prop.label $"{what}: at index {i} got {actual.[i]}, expected {expected.[i]}"

let toFloat (xs: float32[]) = Array.map float xs

/// Expects float32 results to match hand-worked or frozen float64 numbers to float32 resolution
/// (inputs such as 0.9f are not exactly 0.9, so closer agreement is not to be had).
let expectAllClose (actual: float32[]) (expected: float[]) (what: string) =
    Expect.equal actual.Length expected.Length $"{what}: length"

    for i in 0 .. expected.Length - 1 do
        Expect.floatClose Accuracy.medium (float actual.[i]) expected.[i] $"{what}[{i}]"

/// Runs `f`, expecting an ArgumentException (or a subclass); returns its parameter name and message.
let refusal (f: unit -> 'a) =
    try
        f () |> ignore
        failtest "expected an ArgumentException"
    with :? ArgumentException as e ->
        nonNull e.ParamName, e.Message

/// The name of the argument that `f` refuses.
let refusedArgument (f: unit -> 'a) = fst (refusal f)

/// Property settings: 200 cases per property (100 is FsCheck's default), seeds printed on failure.
let config =
    { FsCheckConfig.defaultConfig with
        maxTest = 200
    }
