namespace A2C.Core

/// Advantages and returns of a rollout, time-major like the rollout (index `t * Envs + e`).
type Estimates =
    {
        /// A_t, the generalized advantage estimates.
        Advantages: float32[]
        /// A_t + V(s_t): the targets of the value function.
        Returns: float32[]
    }

/// Generalized advantage estimation (Schulman et al., 2016) with Gymnasium's terminated/truncated split.
[<RequireQualifiedAccess>]
module Gae =

    /// Estimates advantages and returns, per env, backwards from the last step:
    ///
    /// - next value: 0 where `Terminated[t]`; else `FinalValues[t]` where `Truncated[t]`; else
    ///   `Values[t+1]` when t is not the last step; else `LastValues[e]`;
    /// - delta_t = r_t + gamma * next - V(s_t);
    /// - A_t = delta_t + gamma * lambda * (1 - done_t) * A_{t+1}, where done = terminated or truncated;
    /// - Returns = Advantages + Values.
    ///
    /// Rewards are never altered: a truncated step bootstraps from its final observation's value
    /// instead. Accumulates in float64, so long rollouts do not drift.
    ///
    /// Raises `ArgumentOutOfRangeException` unless 0 <= gamma <= 1 and 0 <= lambda <= 1.
    ///
    /// Example (one env, one step, non-terminal, gamma 0.9): reward 1, V 0.5, last value 2 gives
    /// delta = 1 + 0.9 * 2 - 0.5 = 2.3:
    /// ```fsharp
    /// let r = Rollout.create 1 1 [| 1f |] [| 0.5f |] [| false |] [| false |] [| 0f |] [| 2f |]
    /// (Gae.estimate 0.9f 0.95f r).Advantages = [| 2.3f |]
    /// ```
    [<CompiledName("Estimate")>]
    val estimate: gamma: float32 -> lambda: float32 -> rollout: Rollout -> Estimates

    /// As `estimate`, writing into caller-owned arrays of length `Steps * Envs` (no allocation
    /// beyond a per-env accumulator), for the training loop's hot path.
    ///
    /// Example:
    /// ```fsharp
    /// let advantages = Array.zeroCreate (r.Steps * r.Envs)
    /// let returns = Array.zeroCreate (r.Steps * r.Envs)
    /// Gae.estimateInto 0.99f 0.95f r advantages returns
    /// ```
    [<CompiledName("EstimateInto")>]
    val estimateInto:
        gamma: float32 -> lambda: float32 -> rollout: Rollout -> advantages: float32[] -> returns: float32[] -> unit
