namespace A2C.Core

open System

[<RequireQualifiedAccess>]
module Returns =

    [<CompiledName("Discounted")>]
    let discounted (gamma: float32) (rollout: Rollout) =
        ArgumentNullException.ThrowIfNull(rollout, nameof rollout)
        Validation.requireUnitInterval (nameof gamma) gamma
        let steps, envs = rollout.Steps, rollout.Envs
        let rewards = rollout.Rewards
        let terminated, truncated = rollout.Terminated, rollout.Truncated
        let finalValues = rollout.FinalValues
        let g = float gamma
        let returns = Array.zeroCreate<float32>(steps * envs)
        // Starts as the bootstrap after the last step, then carries R_{t+1} backwards.
        let carried = Array.map float rollout.LastValues

        for t in steps - 1 .. -1 .. 0 do
            let row = t * envs

            for e in 0 .. envs - 1 do
                let i = row + e

                let next =
                    if terminated.[i] then 0.0
                    elif truncated.[i] then float finalValues.[i]
                    else carried.[e]

                let r = float rewards.[i] + g * next
                carried.[e] <- r
                returns.[i] <- float32 r

        returns
