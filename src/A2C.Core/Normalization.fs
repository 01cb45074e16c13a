namespace A2C.Core

open System

[<RequireQualifiedAccess>]
module Normalization =

    [<CompiledName("DefaultEpsilon")>]
    let defaultEpsilon = 1e-8f

    let private mean (data: float32[]) =
        let mutable sum = 0.0

        for x in data do
            sum <- sum + float x

        sum / float data.Length

    /// Sum of squared deviations from the mean (two-pass, so no cancellation).
    let private squaredDeviations (m: float) (data: float32[]) =
        let mutable sum = 0.0

        for x in data do
            let d = float x - m
            sum <- sum + d * d

        sum

    [<CompiledName("Advantages")>]
    let advantages (eps: float32) (advantages: float32[]) =
        Validation.requireFinite (nameof advantages) advantages

        if advantages.Length = 0 then
            raise (ArgumentException("advantages is empty.", nameof advantages))

        if not (Single.IsFinite eps && eps >= 0f) then
            raise (ArgumentOutOfRangeException(nameof eps, eps, "eps must be finite and >= 0."))

        let n = advantages.Length
        let m = mean advantages

        let std =
            if n < 2 then
                0.0
            else
                sqrt (squaredDeviations m advantages / float (n - 1))

        // Constant input (std 0) with eps 0 would be 0/0: it normalizes to zeros instead.
        let scale = std + float eps

        advantages
        |> Array.map (fun a -> if scale > 0.0 then float32 ((float a - m) / scale) else 0f)

    [<CompiledName("ExplainedVariance")>]
    let explainedVariance (predictions: float32[]) (targets: float32[]) =
        Validation.requireFinite (nameof predictions) predictions
        Validation.requireFinite (nameof targets) targets

        if predictions.Length <> targets.Length then
            raise (
                ArgumentException(
                    $"predictions has length {predictions.Length} but targets has {targets.Length}.",
                    nameof predictions
                )
            )

        if targets.Length = 0 then
            raise (ArgumentException("targets is empty.", nameof targets))

        let n = float targets.Length
        let varY = squaredDeviations (mean targets) targets / n
        let residuals = Array.map2 (fun y p -> y - p) targets predictions
        let varResidual = squaredDeviations (mean residuals) residuals / n
        if varY = 0.0 then nan else 1.0 - varResidual / varY

[<Sealed>]
type RunningMeanStd internal (mean: float[], var: float[], count: float) =
    member _.Dim = mean.Length
    member _.Mean = Array.copy mean
    member _.Var = Array.copy var
    member _.Count = count
    member internal _.MeanView: float[] = mean
    member internal _.VarView: float[] = var

    static member private RequireDim(dim: int) =
        if dim < 1 then
            raise (ArgumentOutOfRangeException(nameof dim, dim, "dim must be at least 1."))

    static member Create(dim: int) =
        RunningMeanStd.RequireDim dim
        RunningMeanStd(Array.zeroCreate dim, Array.create dim 1.0, 1e-4)

    static member Empty(dim: int) =
        RunningMeanStd.RequireDim dim
        RunningMeanStd(Array.zeroCreate dim, Array.zeroCreate dim, 0.0)

    static member FromMoments(mean: float[], var: float[], count: float) =
        Validation.requireNotNull (nameof mean) mean
        Validation.requireNotNull (nameof var) var

        if mean.Length = 0 || mean.Length <> var.Length then
            raise (
                ArgumentException(
                    $"mean and var must have the same, positive length; got {mean.Length} and {var.Length}.",
                    nameof mean
                )
            )

        if mean |> Array.exists (Double.IsFinite >> not) then
            raise (ArgumentException("every mean must be finite.", nameof mean))

        if var |> Array.exists (fun v -> not (Double.IsFinite v) || v < 0.0) then
            raise (ArgumentException("every variance must be finite and >= 0.", nameof var))

        if not (Double.IsFinite count) || count < 0.0 then
            raise (ArgumentOutOfRangeException(nameof count, count, "count must be finite and >= 0."))

        RunningMeanStd(Array.copy mean, Array.copy var, count)

    static member OfBatch(dim: int, batch: float32[]) =
        RunningMeanStd.RequireDim dim
        Validation.requireFinite (nameof batch) batch

        if batch.Length = 0 || batch.Length % dim <> 0 then
            raise (
                ArgumentException(
                    $"batch has length {batch.Length}; expected a positive multiple of dim = {dim}.",
                    nameof batch
                )
            )

        let rows = batch.Length / dim
        let mean = Array.zeroCreate<float> dim
        let var = Array.zeroCreate<float> dim

        for r in 0 .. rows - 1 do
            for c in 0 .. dim - 1 do
                mean.[c] <- mean.[c] + float batch.[r * dim + c]

        for c in 0 .. dim - 1 do
            mean.[c] <- mean.[c] / float rows

        // Two passes: squared deviations from the batch mean, free of cancellation.
        for r in 0 .. rows - 1 do
            for c in 0 .. dim - 1 do
                let d = float batch.[r * dim + c] - mean.[c]
                var.[c] <- var.[c] + d * d

        for c in 0 .. dim - 1 do
            var.[c] <- var.[c] / float rows

        RunningMeanStd(mean, var, float rows)

    static member Merge(first: RunningMeanStd, second: RunningMeanStd) =
        ArgumentNullException.ThrowIfNull(first, nameof first)
        ArgumentNullException.ThrowIfNull(second, nameof second)

        if first.Dim <> second.Dim then
            raise (ArgumentException($"cannot merge statistics of dim {first.Dim} and {second.Dim}.", nameof second))

        if second.Count = 0.0 then
            first
        elif first.Count = 0.0 then
            second
        else
            let na, nb = first.Count, second.Count
            let total = na + nb
            let meanA, varA = first.MeanView, first.VarView
            let meanB, varB = second.MeanView, second.VarView
            let mean = Array.zeroCreate<float> first.Dim
            let var = Array.zeroCreate<float> first.Dim

            for c in 0 .. first.Dim - 1 do
                let delta = meanB.[c] - meanA.[c]
                mean.[c] <- meanA.[c] + delta * nb / total
                let m2 = varA.[c] * na + varB.[c] * nb + delta * delta * na * nb / total
                var.[c] <- m2 / total

            RunningMeanStd(mean, var, total)

    member this.Update(batch: float32[]) =
        RunningMeanStd.Merge(this, RunningMeanStd.OfBatch(this.Dim, batch))

    member this.Normalize(batch: float32[], clip: float32, eps: float32) =
        if not (clip > 0f) then
            raise (ArgumentOutOfRangeException(nameof clip, clip, "clip must be > 0."))

        if not (Single.IsFinite eps && eps >= 0f) then
            raise (ArgumentOutOfRangeException(nameof eps, eps, "eps must be finite and >= 0."))

        Validation.requireNotNull (nameof batch) batch

        if batch.Length % this.Dim <> 0 then
            raise (
                ArgumentException(
                    $"batch has length {batch.Length}; expected a multiple of dim = {this.Dim}.",
                    nameof batch
                )
            )

        let bound = float clip

        batch
        |> Array.mapi (fun i x ->
            let c = i % mean.Length
            let z = (float x - mean.[c]) / sqrt (var.[c] + float eps)
            float32 (Math.Clamp(z, -bound, bound)))

[<RequireQualifiedAccess>]
[<CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module RunningMeanStd =

    [<CompiledName("Create")>]
    let create dim = RunningMeanStd.Create dim

    [<CompiledName("Empty")>]
    let empty dim = RunningMeanStd.Empty dim

    [<CompiledName("OfBatch")>]
    let ofBatch dim batch = RunningMeanStd.OfBatch(dim, batch)

    [<CompiledName("Merge")>]
    let merge first second = RunningMeanStd.Merge(first, second)

    [<CompiledName("Update")>]
    let update batch (stats: RunningMeanStd) =
        ArgumentNullException.ThrowIfNull(stats, nameof stats)
        stats.Update batch

    [<CompiledName("Normalize")>]
    let normalize clip eps (stats: RunningMeanStd) batch =
        ArgumentNullException.ThrowIfNull(stats, nameof stats)
        stats.Normalize(batch, clip, eps)
