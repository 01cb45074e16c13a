/// Small conveniences for driving environments from F# tests.
module A2C.Envs.Tests.Helpers

open System
open A2C.Envs
open Expecto

let span (xs: float32[]) = Span<float32>(xs)

let reset (env: IEnv) (seed: int) =
    let obs = Array.zeroCreate<float32> env.ObservationSpace.FlatSize
    env.Reset(span obs, Nullable seed)
    obs

let stepDiscrete (env: IEnv) (action: int) =
    let obs = Array.zeroCreate<float32> env.ObservationSpace.FlatSize
    let r = env.Step(action, span obs)
    obs, r

let stepContinuous (env: IEnv) (action: float32[]) =
    let obs = Array.zeroCreate<float32> env.ObservationSpace.FlatSize
    let r = env.Step(ReadOnlySpan<float32>(action), span obs)
    obs, r

let physical (env: IEnv) =
    match env.Unwrapped with
    | :? IHasPhysicalState as s -> s
    | _ -> failtest $"{env.Name} exposes no physical state"

let setState (env: IEnv) (state: float[]) =
    (physical env).SetState(ReadOnlySpan<float>(state))

let getState (env: IEnv) = (physical env).GetState()

/// Plays `actions` in a Discrete-observation env (the toy_text envs) after `Reset(seed)`, until they
/// run out or the episode ends: the start state and, per step, (state, reward, terminated, truncated).
let playDiscrete (env: IEnv) (seed: int) (actions: int seq) =
    let observation = [| 0f |]
    env.Reset(Span observation, Nullable seed)
    let first = int observation[0]

    let steps =
        [
            use e = actions.GetEnumerator()
            let mutable ended = false

            while not ended && e.MoveNext() do
                let result = env.Step(e.Current, Span observation)
                ended <- result.Terminated || result.Truncated
                yield int observation[0], result.Reward, result.Terminated, result.Truncated
        ]

    first, steps

/// Runs `f`, expecting an exception of type 'T; returns it.
let throws<'T when 'T :> exn> (f: unit -> unit) : 'T =
    try
        f ()
        failtest $"expected {typeof<'T>.Name}"
    with
    | :? 'T as e -> e
    | e -> failtest $"expected {typeof<'T>.Name}, got {e.GetType().Name}: {e.Message}"
