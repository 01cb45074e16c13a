namespace A2C.Core

/// How much of a study's spread in objective each hyperparameter accounts for.
[<RequireQualifiedAccess>]
module Importance =

    /// Each parameter's share of the objective's variance by a one-way analysis of variance: the
    /// completed trials are grouped by the parameter (a choice by its index; a number into
    /// equal-count bins, on a log scale for a log range, floor(sqrt n) bins of at least 2), and
    /// the between-group sum of squares over the total is that parameter's eta squared. The
    /// shares are scaled to sum to 1. A simpler estimate than Optuna's default (fANOVA over a
    /// random forest): it sees no interactions. All zeros when fewer than 2 observations have a
    /// finite objective or the objective does not vary.
    ///
    /// Raises `ArgumentException` for an observation of another shape than the space.
    val anova: space: ParamRange[] -> observations: Observation list -> float[]
