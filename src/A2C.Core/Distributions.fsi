namespace A2C.Core

open TorchSharp

/// Log-probabilities and entropies of the action distributions the policies use, as plain tensor
/// functions (no distribution objects to dispose, no global RNG). Intermediate tensors belong to
/// the caller's `torch.NewDisposeScope()`.
[<RequireQualifiedAccess>]
module Distributions =

    /// log pi(a | s) of a categorical distribution over the last dimension of `logits`
    /// ([batch, actions]) at integer `actions` ([batch], int64). Returns [batch].
    ///
    /// Example: uniform logits over 4 actions give log(1/4) for any action:
    /// ```fsharp
    /// Distributions.categoricalLogProb (torch.zeros(2L, 4L)) (torch.tensor([| 0L; 3L |])) // [-1.386; -1.386]
    /// ```
    [<CompiledName("CategoricalLogProb")>]
    val categoricalLogProb: logits: torch.Tensor -> actions: torch.Tensor -> torch.Tensor

    /// Entropy -sum p log p of the categorical distribution in each row of `logits` ([batch, actions]).
    /// Returns [batch]; log(actions) at most, reached by uniform logits.
    ///
    /// Example: `Distributions.categoricalEntropy (torch.zeros(1L, 4L))` is [log 4].
    [<CompiledName("CategoricalEntropy")>]
    val categoricalEntropy: logits: torch.Tensor -> torch.Tensor

    /// log pi(a | s) of a diagonal Gaussian with per-row `mean` ([batch, dims]) and `logStd`
    /// (broadcastable to it, e.g. the state-independent [dims] parameter), summed over dims.
    /// Returns [batch].
    ///
    /// Example: at the mean of a standard normal in one dimension, -log(sqrt(2 pi)) = -0.919:
    /// ```fsharp
    /// Distributions.gaussianLogProb (torch.zeros(1L, 1L)) (torch.zeros(1L)) (torch.zeros(1L, 1L))
    /// ```
    [<CompiledName("GaussianLogProb")>]
    val gaussianLogProb: mean: torch.Tensor -> logStd: torch.Tensor -> actions: torch.Tensor -> torch.Tensor

    /// Entropy of a diagonal Gaussian, sum over dims of 0.5 + 0.5 log(2 pi) + log std, for each
    /// row of `mean` ([batch, dims]). Returns [batch].
    ///
    /// Example: a standard normal in one dimension has entropy 1.419:
    /// `Distributions.gaussianEntropy (torch.zeros(1L, 1L)) (torch.zeros(1L))`.
    [<CompiledName("GaussianEntropy")>]
    val gaussianEntropy: mean: torch.Tensor -> logStd: torch.Tensor -> torch.Tensor
