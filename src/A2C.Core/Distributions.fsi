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

    /// log pi(a | s) of K independent categoricals (a MultiDiscrete action space, as
    /// Stable-Baselines3's MultiCategoricalDistribution): `logits` ([batch, sum nvec]) holds the K
    /// blocks side by side, block k having nvec[k] columns; `actions` ([batch, K], int64) holds one
    /// choice per block, in [0, nvec[k]). Returns [batch], the sum over k of each block's
    /// `categoricalLogProb`.
    ///
    /// Raises `ArgumentException` naming `nvec` (null, empty or an entry below 1), `logits` (not
    /// sum nvec columns) or `actions` (wrong shape, or an entry outside its block's range).
    ///
    /// Example: uniform logits over nvec [2; 3] give log(1/2) + log(1/3) = -1.792 for any action:
    /// ```fsharp
    /// Distributions.multiCategoricalLogProb (torch.zeros(1L, 5L)) [| 2; 3 |] (torch.tensor([| 1L; 2L |]).reshape(1L, 2L))
    /// ```
    [<CompiledName("MultiCategoricalLogProb")>]
    val multiCategoricalLogProb: logits: torch.Tensor -> nvec: int[] -> actions: torch.Tensor -> torch.Tensor

    /// Entropy of K independent categoricals laid out as in `multiCategoricalLogProb`: the sum over
    /// blocks of `categoricalEntropy`. Returns [batch]; sum over k of log nvec[k] at most, reached
    /// by uniform logits.
    ///
    /// Example: `Distributions.multiCategoricalEntropy (torch.zeros(1L, 5L)) [| 2; 3 |]` is
    /// [log 2 + log 3] = [1.792].
    [<CompiledName("MultiCategoricalEntropy")>]
    val multiCategoricalEntropy: logits: torch.Tensor -> nvec: int[] -> torch.Tensor

    /// log pi(a | s) of independent Bernoullis (a MultiBinary action space, as Stable-Baselines3's
    /// BernoulliDistribution), P(bit = 1) = sigmoid(logit): `logits` and `actions` are both
    /// [batch, bits], actions float 0 or 1. Returns [batch], the sum over bits of
    /// log sigmoid((2 a - 1) z), which is log sigmoid(z) for a = 1 and log sigmoid(-z) for a = 0:
    /// finite for any finite logit (no log(1 - sigmoid z) that underflows to log 0).
    ///
    /// Raises `ArgumentException` naming `actions` when its shape differs from the logits' or an
    /// entry is neither 0 nor 1.
    ///
    /// Example: zero logits over 3 bits give 3 log(1/2) = -2.079 for any bit vector:
    /// ```fsharp
    /// Distributions.bernoulliLogProb (torch.zeros(1L, 3L)) (torch.tensor([| 1f; 0f; 1f |]).reshape(1L, 3L))
    /// ```
    [<CompiledName("BernoulliLogProb")>]
    val bernoulliLogProb: logits: torch.Tensor -> actions: torch.Tensor -> torch.Tensor

    /// Entropy of independent Bernoullis, sum over bits of -(p log p + (1 - p) log(1 - p)) with
    /// p = sigmoid(z) and the logs taken as log sigmoid(z) and log sigmoid(-z). Returns [batch];
    /// bits log 2 at most, reached by zero logits; a certain bit (infinite logit) contributes 0, not NaN.
    ///
    /// Example: `Distributions.bernoulliEntropy (torch.zeros(1L, 3L))` is [3 log 2] = [2.079].
    [<CompiledName("BernoulliEntropy")>]
    val bernoulliEntropy: logits: torch.Tensor -> torch.Tensor
