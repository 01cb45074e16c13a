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

    /// The small constant gSDE adds to the variance before its square root, 1e-6 (Stable-Baselines3's
    /// `StateDependentNoiseDistribution` epsilon), so that a zero latent still gives a proper Gaussian.
    [<CompiledName("SdeEpsilon")>]
    val sdeEpsilon: float

    /// Standard deviations of gSDE's exploration weights, exp(logStd), as a [latent, actionDim]
    /// matrix: `logStd` is [latent, actionDim] (full_std) or [latent, 1], whose one column is then
    /// repeated for every action dimension (fewer parameters). Differentiable in `logStd`.
    ///
    /// Example: `Distributions.sdeWeightStd (torch.zeros(3L, 1L)) 2L` is a [3, 2] matrix of ones.
    [<CompiledName("SdeWeightStd")>]
    val sdeWeightStd: logStd: torch.Tensor -> actionDim: int64 -> torch.Tensor

    /// Per-row standard deviation of the gSDE Gaussian: sqrt((latent^2) @ (sdeWeightStd logStd)^2 + eps),
    /// [batch, actionDim] from the policy's last hidden features `latent` ([batch, latent]). The
    /// latent is detached (no gradient into the features) unless `learnFeatures`, as in
    /// Stable-Baselines3, whose actor-critic policies never learn features through the std.
    ///
    /// Example: one latent feature 2 and log std 0 give sqrt(4 + 1e-6) = 2.0:
    /// ```fsharp
    /// Distributions.sdeStd (torch.tensor([| 2f |]).reshape(1L, 1L)) (torch.zeros(1L, 1L)) 1L false // [[2.0]]
    /// ```
    [<CompiledName("SdeStd")>]
    val sdeStd: latent: torch.Tensor -> logStd: torch.Tensor -> actionDim: int64 -> learnFeatures: bool -> torch.Tensor

    /// log pi(a | s) of the gSDE policy: a diagonal Gaussian with per-row `mean` ([batch, dims]) and
    /// the std of `sdeStd latent logStd dims learnFeatures`, summed over dims. Returns [batch];
    /// gradients reach `mean` and `logStd` (and `latent` only when `learnFeatures`).
    ///
    /// Example: at the mean, with latent [1] and log std 0 (std about 1), about -0.919 per dimension:
    /// ```fsharp
    /// Distributions.sdeLogProb (torch.zeros(1L, 1L)) (torch.zeros(1L, 1L)) (torch.ones(1L, 1L)) false (torch.zeros(1L, 1L))
    /// ```
    [<CompiledName("SdeLogProb")>]
    val sdeLogProb:
        mean: torch.Tensor ->
        logStd: torch.Tensor ->
        latent: torch.Tensor ->
        learnFeatures: bool ->
        actions: torch.Tensor ->
            torch.Tensor

    /// Entropy of the gSDE policy's Gaussian, sum over dims of 0.5 + 0.5 log(2 pi) + log std with
    /// the std of `sdeStd`. Returns [batch].
    ///
    /// Example: latent [1] and log std 0 give about 1.419 per dimension:
    /// `Distributions.sdeEntropy (torch.zeros(1L, 1L)) (torch.zeros(1L, 1L)) (torch.ones(1L, 1L)) false`.
    [<CompiledName("SdeEntropy")>]
    val sdeEntropy:
        mean: torch.Tensor -> logStd: torch.Tensor -> latent: torch.Tensor -> learnFeatures: bool -> torch.Tensor

    /// gSDE's exploration noise, latent @ matrix: with one exploration matrix ([latent, dims]) for
    /// every row, or one per row ([batch, latent, dims], as Stable-Baselines3 keeps one per env).
    /// Returns [batch, dims]; the latent is detached unless `learnFeatures`. The action is the
    /// mean plus this noise.
    ///
    /// Example: latent [1, 2] and the matrix [[1], [10]] give the noise [21]:
    /// ```fsharp
    /// Distributions.sdeNoise (torch.tensor([| 1f; 2f |]).reshape(1L, 2L)) false (torch.tensor([| 1f; 10f |]).reshape(2L, 1L))
    /// ```
    [<CompiledName("SdeNoise")>]
    val sdeNoise: latent: torch.Tensor -> learnFeatures: bool -> matrices: torch.Tensor -> torch.Tensor
