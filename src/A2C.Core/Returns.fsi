namespace A2C.Core

/// n-step discounted returns.
[<RequireQualifiedAccess>]
module Returns =

    /// Discounted returns of a rollout, per env, backwards from the last step:
    /// R_t = r_t + gamma * next, where next is 0 where `Terminated[t]`, `FinalValues[t]` where
    /// `Truncated[t]`, R_{t+1} when t is not the last step, and `LastValues[e]` after the last step.
    ///
    /// Equal to `(Gae.estimate gamma 1f rollout).Returns`. Accumulates in float64.
    ///
    /// Raises `ArgumentOutOfRangeException` unless 0 <= gamma <= 1.
    ///
    /// Example (one env, two steps, gamma 0.5, bootstrapping from a last value of 4):
    /// ```fsharp
    /// let r = Rollout.create 2 1 [| 1f; 2f |] [| 0f; 0f |] [| false; false |] [| false; false |] [| 0f; 0f |] [| 4f |]
    /// Returns.discounted 0.5f r = [| 3f; 4f |] // 2 + 0.5 * 4 = 4; 1 + 0.5 * 4 = 3
    /// ```
    [<CompiledName("Discounted")>]
    val discounted: gamma: float32 -> rollout: Rollout -> float32[]
