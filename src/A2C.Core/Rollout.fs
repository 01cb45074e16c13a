namespace A2C.Core

open System

[<Sealed>]
type Rollout
    internal
    (
        steps: int,
        envs: int,
        rewards: float32[],
        values: float32[],
        terminated: bool[],
        truncated: bool[],
        finalValues: float32[],
        lastValues: float32[]
    ) =
    member _.Steps = steps
    member _.Envs = envs
    member _.Rewards = rewards
    member _.Values = values
    member _.Terminated = terminated
    member _.Truncated = truncated
    member _.FinalValues = finalValues
    member _.LastValues = lastValues

    static member Create
        (
            steps: int,
            envs: int,
            rewards: float32[],
            values: float32[],
            terminated: bool[],
            truncated: bool[],
            finalValues: float32[],
            lastValues: float32[]
        ) =
        if steps < 1 then
            raise (ArgumentException($"steps is {steps}; a rollout needs at least one step.", nameof steps))

        if envs < 1 then
            raise (ArgumentException($"envs is {envs}; a rollout needs at least one env.", nameof envs))

        let n = steps * envs
        let shape = $"steps * envs = {steps} * {envs}"

        let check name (data: 'a[]) expected what =
            Validation.requireNotNull name data

            if data.Length <> expected then
                raise (ArgumentException($"{name} has length {data.Length}; expected {expected} ({what}).", name))

        check (nameof rewards) rewards n shape
        check (nameof values) values n shape
        check (nameof terminated) terminated n shape
        check (nameof truncated) truncated n shape
        check (nameof finalValues) finalValues n shape
        check (nameof lastValues) lastValues envs "one per env"
        Validation.requireFinite (nameof rewards) rewards
        Validation.requireFinite (nameof values) values
        Validation.requireFinite (nameof finalValues) finalValues
        Validation.requireFinite (nameof lastValues) lastValues
        Rollout(steps, envs, rewards, values, terminated, truncated, finalValues, lastValues)

[<RequireQualifiedAccess>]
[<CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Rollout =

    [<CompiledName("Create")>]
    let create steps envs rewards values terminated truncated finalValues lastValues =
        Rollout.Create(steps, envs, rewards, values, terminated, truncated, finalValues, lastValues)

    [<CompiledName("Index")>]
    let index envs step env = step * envs + env
