namespace A2C.Core

open System

type Estimates =
    {
        Advantages: float32[]
        Returns: float32[]
    }

[<RequireQualifiedAccess>]
module Gae =

    [<CompiledName("EstimateInto")>]
    let estimateInto
        (gamma: float32)
        (lambda: float32)
        (rollout: Rollout)
        (advantages: float32[])
        (returns: float32[])
        =
        ArgumentNullException.ThrowIfNull(rollout, nameof rollout)
        Validation.requireUnitInterval (nameof gamma) gamma
        Validation.requireUnitInterval (nameof lambda) lambda
        let steps, envs = rollout.Steps, rollout.Envs
        let n = steps * envs

        if obj.ReferenceEquals(advantages, null) || advantages.Length <> n then
            raise (ArgumentException($"advantages must have length steps * envs = {n}.", nameof advantages))

        if obj.ReferenceEquals(returns, null) || returns.Length <> n then
            raise (ArgumentException($"returns must have length steps * envs = {n}.", nameof returns))

        let rewards, values = rollout.Rewards, rollout.Values
        let terminated, truncated = rollout.Terminated, rollout.Truncated
        let finalValues, lastValues = rollout.FinalValues, rollout.LastValues
        let g = float gamma
        let gl = float gamma * float lambda
        // Time-major sweep backwards, one float64 accumulator per env: memory is read in order.
        let carried = Array.zeroCreate<float> envs

        for t in steps - 1 .. -1 .. 0 do
            let row = t * envs

            for e in 0 .. envs - 1 do
                let i = row + e

                let next =
                    if terminated.[i] then 0.0
                    elif truncated.[i] then float finalValues.[i]
                    elif t < steps - 1 then float values.[i + envs]
                    else float lastValues.[e]

                let v = float values.[i]
                let delta = float rewards.[i] + g * next - v
                let continues = not (terminated.[i] || truncated.[i])
                let a = if continues then delta + gl * carried.[e] else delta
                carried.[e] <- a
                advantages.[i] <- float32 a
                returns.[i] <- float32 (a + v)

    [<CompiledName("Estimate")>]
    let estimate gamma lambda (rollout: Rollout) =
        ArgumentNullException.ThrowIfNull(rollout, nameof rollout)
        let n = rollout.Steps * rollout.Envs
        let advantages = Array.zeroCreate n
        let returns = Array.zeroCreate n
        estimateInto gamma lambda rollout advantages returns

        {
            Advantages = advantages
            Returns = returns
        }
