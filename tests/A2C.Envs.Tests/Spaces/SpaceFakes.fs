/// Small fake environments of every space kind, for the adapters' tests (protocol and push simulators).
module A2C.Envs.Tests.Spaces.SpaceFakes

open System
open A2C.Envs
open A2C.Envs.Spaces

/// Observations drawn from `observation` (seeded by reset, so two instances with one seed agree);
/// the reward says which action came (its integers weighted by position, or the box's sum);
/// episodes terminate after 4 steps. `spoil t observation` may write a bad observation after step t.
type SpaceEnv(observation: Space, action: Space, ?spoil: int -> float32[] -> unit) =
    let mutable rng = Rng(0L)
    let mutable t = 0

    let next (destination: Span<float32>) (reward: float) =
        let buffer = Array.zeroCreate<float32> observation.FlatSize
        observation.Sample(rng, Span buffer)
        t <- t + 1
        spoil |> Option.iter (fun f -> f t buffer)
        buffer.CopyTo destination
        StepResult(reward, (t = 4), false)

    interface IEnv with
        member _.Name = $"Fake[{observation} x {action}]"
        member _.ObservationSpace = observation
        member _.ActionSpace = action
        member this.Unwrapped = this :> IEnv

        member _.Reset(destination, seed) =
            rng <- Rng(if seed.HasValue then int64 seed.Value else 0L)
            t <- 0
            observation.Sample(rng, destination)

        member _.Step(a: int, destination: Span<float32>) =
            match action with
            | :? Discrete as d when d.Contains a -> next destination (float a)
            | _ -> raise (ArgumentOutOfRangeException("action", a, $"outside {action}"))

        member _.Step(a: ReadOnlySpan<float32>, destination: Span<float32>) =
            let mutable sum = 0.0

            for x in a do
                sum <- sum + float x

            next destination sum

        member _.Step(a: ReadOnlySpan<int>, destination: Span<float32>) =
            match SpaceChecks.IntegerActionViolation(action, a) with
            | null ->
                let mutable reward = 0.0

                for k in 0 .. a.Length - 1 do
                    reward <- reward + float ((k + 1) * a.[k])

                next destination reward
            | why -> raise (ArgumentException $"action {why}")

        member _.Dispose() = ()

/// An image, a vector and a discrete sensor: the Dict the tests use.
let sensors () =
    Dict(
        [|
            struct ("camera", Box.Image(2, 2, 3) :> Space)
            struct ("speed", Box(-1f, 1f, 2) :> Space)
            struct ("gear", Discrete(3) :> Space)
        |]
    )

/// Every observation space kind, by name.
let observationSpaces () : (string * Space) list =
    [
        "Box (2, 3) float32", Box(-2f, 2f, 2, 3) :> Space
        "Box image uint8", Box.Image(3, 2, 1) :> Space
        "Discrete with start", Discrete(5, -2) :> Space
        "MultiDiscrete", MultiDiscrete(3, 2, 4) :> Space
        "MultiBinary", MultiBinary(3) :> Space
        "Dict", sensors () :> Space
    ]

/// Every action space kind, by name.
let actionSpaces () : (string * Space) list =
    [
        "Discrete with start", Discrete(3, 1) :> Space
        "Box", Box(-1f, 1f, 2) :> Space
        "MultiDiscrete", MultiDiscrete(3, 3) :> Space
        "MultiBinary", MultiBinary(4) :> Space
    ]

/// A random valid action for every one of `n` envs: integers (N x K) or floats (N x D).
let randomActions (space: Space) (n: int) (rng: Rng) : Choice<int[], float32[]> =
    let flat = Array.zeroCreate<float32>(n * space.FlatSize)

    for i in 0 .. n - 1 do
        space.Sample(rng, Span(flat, i * space.FlatSize, space.FlatSize))

    match space with
    | :? Box -> Choice2Of2 flat
    | _ -> Choice1Of2(flat |> Array.map int)
