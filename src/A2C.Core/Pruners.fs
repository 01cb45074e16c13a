namespace A2C.Core

open System

type Direction =
    | Maximize
    | Minimize

type TrialReports = (int64 * float) list

[<RequireQualifiedAccess>]
type Pruner =
    | NoPruning
    | Median of StartupTrials: int * WarmupSteps: int64 * IntervalSteps: int64 * MinTrials: int
    | SuccessiveHalving of MinResource: int64 * ReductionFactor: int * MinEarlyStoppingRate: int

[<RequireQualifiedAccess>]
[<CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Pruner =

    let median = Pruner.Median(5, 0L, 1L, 1)

    let successiveHalving minResource =
        Pruner.SuccessiveHalving(minResource, 4, 0)

    /// numpy's percentile 50 (linear interpolation): the middle value, or the mean of the two.
    let private middle (values: float[]) =
        let sorted = Array.sort values
        let n = sorted.Length

        if n % 2 = 1 then
            sorted[n / 2]
        else
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0

    let private valueAt (step: int64) (reports: TrialReports) =
        reports |> List.tryFindBack (fun (s, _) -> s = step) |> Option.map snd

    /// A trial's best value so far; NaN when it reported only NaNs (Optuna prunes those).
    let private best direction (reports: TrialReports) =
        let numbers = reports |> List.map snd |> List.filter (fun v -> not (Double.IsNaN v))

        match numbers, direction with
        | [], _ -> nan
        | vs, Maximize -> List.max vs
        | vs, Minimize -> List.min vs

    let private medianPrunes startup warmup interval minTrials direction (completed: TrialReports list) trial =
        match List.tryLast trial with
        | None -> false
        | Some(step, _) when completed.Length < startup || step < warmup || (step - warmup) % interval <> 0L -> false
        | Some(step, _) ->
            let reference =
                completed
                |> List.choose (valueAt step)
                |> List.filter (fun v -> not (Double.IsNaN v))
                |> List.toArray

            if reference.Length < minTrials then
                false
            else
                let mine = best direction trial
                let cut = middle reference

                Double.IsNaN mine
                || (match direction with
                    | Maximize -> mine < cut
                    | Minimize -> mine > cut)

    /// Optuna's test: the top `n / factor` (at least one) of the competing values go on.
    let private promotable direction factor (value: float) (competing: float[]) =
        if Double.IsNaN value then
            false
        else
            let sorted = competing |> Array.filter (fun v -> not (Double.IsNaN v)) |> Array.sort
            let kept = max 0 (sorted.Length / factor - 1)

            match direction with
            | Maximize -> value >= sorted[sorted.Length - 1 - kept]
            | Minimize -> value <= sorted[kept]

    /// A trial's value at a rung: the one it reported at the first step at or past the rung.
    let private atRung (rungStep: int64) (reports: TrialReports) =
        reports |> List.tryFind (fun (s, _) -> s >= rungStep) |> Option.map snd

    let private halvingPrunes minResource factor rate direction (others: TrialReports list) (trial: TrialReports) =
        match List.rev trial with
        | [] -> false
        | (step, _) :: earlier ->
            let previous =
                match earlier with
                | (s, _) :: _ -> s
                | [] -> Int64.MinValue

            let rungStep k =
                minResource * pown (int64 factor) (rate + k)

            // Only the rungs this report reached are decided now, as Optuna decides them on arrival.
            Seq.initInfinite id
            |> Seq.map rungStep
            |> Seq.takeWhile (fun r -> r <= step)
            |> Seq.filter (fun r -> r > previous)
            |> Seq.exists (fun r ->
                let mine = (atRung r trial).Value
                let competing = mine :: List.choose (atRung r) others |> List.toArray
                not (promotable direction factor mine competing))

    let shouldPrune pruner direction completed others trial =
        match pruner with
        | Pruner.NoPruning -> false
        | Pruner.Median(startup, warmup, interval, minTrials) ->
            if startup < 0 || warmup < 0L || interval < 1L || minTrials < 1 then
                invalidArg
                    (nameof pruner)
                    $"the median pruner needs startup trials >= 0, warm-up steps >= 0, an interval >= 1 and min trials >= 1; got {pruner}."

            medianPrunes startup warmup interval minTrials direction completed trial
        | Pruner.SuccessiveHalving(minResource, factor, rate) ->
            if minResource < 1L || factor < 2 || rate < 0 then
                invalidArg
                    (nameof pruner)
                    $"successive halving needs a min resource >= 1, a reduction factor >= 2 and a min early-stopping rate >= 0; got {pruner}."

            halvingPrunes minResource factor rate direction others trial
