namespace A2C.Core

/// One hyperparameter's range, as an Optuna search space declares it.
[<RequireQualifiedAccess>]
type ParamRange =
    /// A real number in [Low, High]; with `Log`, searched on a log scale (Low > 0).
    | Float of Low: float * High: float * Log: bool
    /// A whole number in [Low, High]; with `Log`, searched on a log scale (Low > 0).
    | Int of Low: int64 * High: int64 * Log: bool
    /// One of `Count` choices, by index.
    | Categorical of Count: int

/// A finished trial as a sampler sees it: its parameter values (a choice as its index) and its objective.
type Observation = { Values: float[]; Objective: float }

/// Suggestions for the next trial of a study: random search, or the tree-structured Parzen
/// estimator (Bergstra et al. 2011) with Optuna's defaults: 10 random startup trials, the best
/// min(ceil(0.1 n), 25) trials as "good", Optuna's weights (older trials fade past 25), a prior
/// component of weight 1, magic-clipped bandwidths, and the best of 24 candidates drawn from the
/// good trials' estimator by the ratio of the good to the bad density; each parameter on its own
/// (Optuna's default, not multivariate). Pure: the same space, history and seed give the same values.
[<RequireQualifiedAccess>]
module Tpe =

    /// Random search: each parameter uniform over its range (log-uniform with `Log`).
    ///
    /// Raises `ArgumentException` for an empty or inverted range.
    val random: space: ParamRange[] -> seed: uint64 -> float[]

    /// TPE's suggestion given the finished trials (any order; NaN objectives are ignored); random
    /// while fewer than 10 trials have finished.
    ///
    /// Raises `ArgumentException` for a bad range, or an observation of another shape or outside its range.
    val suggest: space: ParamRange[] -> direction: Direction -> history: Observation list -> seed: uint64 -> float[]
