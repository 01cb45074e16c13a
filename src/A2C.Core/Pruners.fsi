namespace A2C.Core

/// Which way a hyperparameter study optimizes its objective.
type Direction =
    | Maximize
    | Minimize

/// A trial's intermediate values (its periodic evaluations), by the step each was reported at.
type TrialReports = (int64 * float) list

/// When to stop a running trial early, as Optuna's pruners decide (the `--pruner` of RL Zoo's
/// optimizer): never, when it is worse than the median of the completed trials at the same
/// step, or by successive halving's rungs.
[<RequireQualifiedAccess>]
type Pruner =
    /// Never prune.
    | NoPruning
    /// Optuna's MedianPruner: after `StartupTrials` completed trials, and from step `WarmupSteps`
    /// on every `IntervalSteps`, prune a trial whose best value so far is worse than the median of
    /// the completed trials' values at its latest step (when at least `MinTrials` of them have one).
    | Median of StartupTrials: int * WarmupSteps: int64 * IntervalSteps: int64 * MinTrials: int
    /// Optuna's SuccessiveHalvingPruner (asynchronous successive halving): rung k is step
    /// `MinResource * ReductionFactor^(MinEarlyStoppingRate + k)`; a trial reaching a rung goes on
    /// only if its value there is among the top max(1, n / `ReductionFactor`) of the n values that
    /// the trials reaching that rung (itself included) had there: while few have, only the best.
    | SuccessiveHalving of MinResource: int64 * ReductionFactor: int * MinEarlyStoppingRate: int

/// Pruning decisions: pure functions of the study's reports.
[<RequireQualifiedAccess>]
[<CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Pruner =

    /// Optuna's defaults: 5 startup trials, no warm-up, every step, one trial to compare with.
    val median: Pruner

    /// Optuna's defaults with the given first rung: reduction factor 4, min early-stopping rate 0.
    val successiveHalving: minResource: int64 -> Pruner

    /// Whether `trial` (a running trial's reports so far, in the order reported; its latest is
    /// the one just made) should stop now. `completed` are the reports of the completed trials
    /// (the median's reference); `others` those of every other trial, in any state (successive
    /// halving's competitors). A NaN value is worse than any number.
    ///
    /// Raises `ArgumentException` for settings out of range (a reduction factor below 2, a
    /// non-positive interval or resource, a negative count).
    val shouldPrune:
        pruner: Pruner ->
        direction: Direction ->
        completed: TrialReports list ->
        others: TrialReports list ->
        trial: TrialReports ->
            bool
