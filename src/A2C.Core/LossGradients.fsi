namespace A2C.Core

/// The A2C loss and its gradient with respect to the policy's outputs, in closed form over plain
/// arrays: the same loss as `Losses.a2c`, for learners that backpropagate by hand (the .NET engine)
/// rather than through autograd. Arrays are row-major over n transitions; outputs are written into
/// the caller's arrays so that a training loop can reuse them.
[<RequireQualifiedAccess>]
module LossGradients =

    /// Categorical policy. `logits` holds n x actionCount floats, `actions` n integers in
    /// [0, actionCount), `values` V(s_t), `advantages` and `returns` n floats each. Writes
    /// dLoss/dLogits into `gradLogits` (n x actionCount) and dLoss/dValues into `gradValues` (n),
    /// and returns the loss term by term, as `Losses.a2c` would for the same inputs:
    ///
    /// dLoss/dz_ij = (-A_i (1[j = a_i] - p_ij) + EntCoef p_ij (log p_ij + H_i)) / n
    ///
    /// dLoss/dV_i = VfCoef 2 (V_i - R_i) / n for MSE, VfCoef clamp(V_i - R_i, -1, 1) / n for Huber.
    ///
    /// Raises `ArgumentException` naming an array whose length does not fit, or an action out of range.
    ///
    /// Example: with one transition, logits [0; 0], action 0, advantage 1, value 0, return 0, the
    /// policy term is -log(1/2) = 0.693 and gradLogits is [-0.5; 0.5].
    [<CompiledName("Categorical")>]
    val categorical:
        options: LossOptions ->
        logits: float32[] ->
        actionCount: int ->
        actions: int[] ->
        values: float32[] ->
        advantages: float32[] ->
        returns: float32[] ->
        gradLogits: float32[] ->
        gradValues: float32[] ->
            LossBreakdown

    /// MultiDiscrete policy: K independent categoricals per transition, as
    /// `Distributions.multiCategoricalLogProb`. `logits` holds n x sum(nvec) floats, each row the K
    /// blocks side by side (block k has nvec[k] columns); `actions` holds n x K integers, entry
    /// (i, k) in [0, nvec[k]). Writes dLoss/dLogits into `gradLogits` (n x sum(nvec)) and
    /// dLoss/dValues into `gradValues` (n), and returns the loss term by term, as `Losses.a2c`
    /// would with log pi_i = sum_k log p_ik(a_ik) and H_i = sum_k H_ik.
    ///
    /// Each block k of row i enters log pi_i and H_i through its own terms only, so its gradient
    /// is the categorical one with that block's probabilities and entropy (computed by the same code):
    ///
    /// dLoss/dz_ikj = (-A_i (1[j = a_ik] - p_ikj) + EntCoef p_ikj (log p_ikj + H_ik)) / n
    ///
    /// dLoss/dV_i as for `categorical`. With K = 1 the result is exactly `categorical`'s.
    ///
    /// Raises `ArgumentException` naming `nvec` (null, empty or an entry below 1), an array whose
    /// length does not fit, or `actions` with an entry out of its component's range.
    ///
    /// Example: one transition, nvec [2; 2], zero logits, actions [0; 1], advantage 1, value 0,
    /// return 0: the policy term is -(log(1/2) + log(1/2)) = 1.386, the entropy 2 log 2, and
    /// gradLogits is [-0.5; 0.5; 0.5; -0.5].
    [<CompiledName("MultiCategorical")>]
    val multiCategorical:
        options: LossOptions ->
        logits: float32[] ->
        nvec: int[] ->
        actions: int[] ->
        values: float32[] ->
        advantages: float32[] ->
        returns: float32[] ->
        gradLogits: float32[] ->
        gradValues: float32[] ->
            LossBreakdown

    /// MultiBinary policy: independent Bernoullis with P(bit = 1) = p = sigmoid(z), as
    /// `Distributions.bernoulliLogProb`. `logits` holds n x bits floats (bits = logits.Length / n,
    /// n = values.Length) and `actions` as many integers, each 0 or 1. Writes dLoss/dLogits into
    /// `gradLogits` (n x bits) and dLoss/dValues into `gradValues` (n), and returns the loss term
    /// by term. Per bit, log p(a) = a z - softplus(z) and H = softplus(z) - z p, whence
    /// d log p(a)/dz = a - p and dH/dz = -z p (1 - p):
    ///
    /// dLoss/dz_ib = (-A_i (a_ib - p_ib) + EntCoef z_ib p_ib (1 - p_ib)) / n
    ///
    /// dLoss/dV_i as for `categorical`. Log-probs are formed as -softplus(-(2a - 1) z), finite for
    /// any finite logit.
    ///
    /// Raises `ArgumentException` naming `logits` when its length is not a positive multiple of
    /// n, an array whose length does not fit, or `actions` with an entry other than 0 or 1.
    ///
    /// Example: one transition, one bit, logit 0, action 1, advantage 1, value 0, return 0: the
    /// policy term is -log(1/2) = 0.693, the entropy log 2, and gradLogits is [-0.5].
    [<CompiledName("Bernoulli")>]
    val bernoulli:
        options: LossOptions ->
        logits: float32[] ->
        actions: int[] ->
        values: float32[] ->
        advantages: float32[] ->
        returns: float32[] ->
        gradLogits: float32[] ->
        gradValues: float32[] ->
            LossBreakdown

    /// Diagonal Gaussian policy with state-independent `logStd` (dims floats). `means` and
    /// `actions` hold n x dims floats. Writes dLoss/dMeans (n x dims), dLoss/dLogStd (dims) and
    /// dLoss/dValues (n), and returns the loss term by term:
    ///
    /// dLoss/dmu_id = -A_i (x_id - mu_id) / sigma_d^2 / n
    ///
    /// dLoss/dlogStd_d = -sum_i A_i ((x_id - mu_id)^2 / sigma_d^2 - 1) / n - EntCoef
    ///
    /// Example: one transition at the mean of a standard normal (dims 1), advantage 1: the policy
    /// term is 0.919, gradMeans is [0] and gradLogStd is [1].
    [<CompiledName("Gaussian")>]
    val gaussian:
        options: LossOptions ->
        means: float32[] ->
        logStd: float32[] ->
        actions: float32[] ->
        values: float32[] ->
        advantages: float32[] ->
        returns: float32[] ->
        gradMeans: float32[] ->
        gradLogStd: float32[] ->
        gradValues: float32[] ->
            LossBreakdown
