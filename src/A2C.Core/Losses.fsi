namespace A2C.Core

open TorchSharp

/// How the critic's error is penalized.
type ValueLoss =
    /// Mean squared error, as Stable-Baselines3's A2C.
    | Mse
    /// Huber loss with delta 1 (smooth L1), as the seed article: quadratic within 1, linear beyond.
    | Huber

/// Options of the A2C loss, with Stable-Baselines3's names.
type LossOptions =
    {
        /// Penalty on the critic's error (`Mse` by default).
        ValueLoss: ValueLoss
        /// Normalize advantages within the batch before the policy term (`normalize_advantage`, false).
        NormalizeAdvantage: bool
        /// Weight of the value term (`vf_coef`, 0.5).
        VfCoef: float32
        /// Weight of the entropy bonus (`ent_coef`, 0.0).
        EntCoef: float32
    }

    /// For C# callers: `LossOptions.a2cDefaults`.
    ///
    /// Example (C#): `var options = LossOptions.A2CDefaults with { EntCoef = 0.01f };`
    static member A2CDefaults: LossOptions

/// The loss terms as numbers, for logging.
type LossBreakdown =
    {
        /// Policy-gradient term: -mean(A * log pi(a|s)).
        Policy: float
        /// Value term before `VfCoef`: mean squared or Huber error of V against the returns.
        Value: float
        /// Mean entropy of the policy (the loss subtracts `EntCoef` times this).
        Entropy: float
        /// Policy + VfCoef * Value - EntCoef * Entropy.
        Total: float
    }

/// The loss tensor to differentiate, and its terms as numbers.
type Loss =
    {
        /// Scalar tensor to call `backward()` on.
        Total: torch.Tensor
        /// The same loss, term by term.
        Breakdown: LossBreakdown
    }

/// Defaults and validation of `LossOptions`.
[<RequireQualifiedAccess>]
[<CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module LossOptions =

    /// Stable-Baselines3's A2C defaults: MSE, no advantage normalization, vf_coef 0.5, ent_coef 0.
    ///
    /// Example: `{ LossOptions.a2cDefaults with EntCoef = 0.01f }`.
    [<CompiledName("A2CDefaults")>]
    val a2cDefaults: LossOptions

/// The A2C loss.
[<RequireQualifiedAccess>]
module Losses =

    /// The A2C loss over one rollout flattened to a batch of n transitions. Every input is a
    /// 1-D tensor of length n: `logProbs` log pi(a_t|s_t) and `entropies` of the current policy,
    /// `values` V(s_t) of the current critic, and the rollout's `advantages` and `returns`.
    ///
    /// total = -mean(A * logProbs) + VfCoef * valueLoss(values, returns) - EntCoef * mean(entropies)
    ///
    /// Advantages and returns are constants: no gradient flows into them. With
    /// `NormalizeAdvantage`, A is first normalized as `Normalization.advantages` does (sample std,
    /// eps 1e-8; a single or constant advantage becomes 0). Intermediate tensors belong to the
    /// caller's `torch.NewDisposeScope()`.
    ///
    /// Raises `ArgumentException` naming the input whose shape is wrong, and
    /// `ArgumentOutOfRangeException` for a negative or non-finite coefficient.
    ///
    /// Example:
    /// ```fsharp
    /// let loss = Losses.a2c LossOptions.a2cDefaults logProbs entropies values advantages returns
    /// loss.Total.backward ()
    /// ```
    [<CompiledName("A2C")>]
    val a2c:
        options: LossOptions ->
        logProbs: torch.Tensor ->
        entropies: torch.Tensor ->
        values: torch.Tensor ->
        advantages: torch.Tensor ->
        returns: torch.Tensor ->
            Loss

    /// Huber loss (delta 1) of `errors`, element-wise: 0.5 e^2 where |e| <= 1, |e| - 0.5 beyond.
    ///
    /// Example: `Losses.huber (torch.tensor([| 0.5f; -3f |]))` is [0.125; 2.5].
    [<CompiledName("Huber")>]
    val huber: errors: torch.Tensor -> torch.Tensor
