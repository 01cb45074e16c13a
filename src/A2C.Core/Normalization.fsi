namespace A2C.Core

/// Advantage normalization and explained variance over flat arrays.
[<RequireQualifiedAccess>]
module Normalization =

    /// The epsilon Stable-Baselines3 adds to the standard deviation when normalizing advantages: 1e-8.
    [<CompiledName("DefaultEpsilon")>]
    val defaultEpsilon: float32

    /// (A - mean) / (std + eps), where std is the sample standard deviation (divisor n - 1), as
    /// `torch.Tensor.std()` computes it by default and as both Stable-Baselines3 and the seed
    /// article use it. A single element, or constant input, has std 0 and normalizes to zeros
    /// (never NaN). Statistics are accumulated in float64.
    ///
    /// Raises `ArgumentException` for an empty array or non-finite values, and
    /// `ArgumentOutOfRangeException` for a negative or non-finite eps.
    ///
    /// Example: `Normalization.advantages 0f [| 1f; 2f; 3f |] = [| -1f; 0f; 1f |]` (mean 2, std 1).
    [<CompiledName("Advantages")>]
    val advantages: eps: float32 -> advantages: float32[] -> float32[]

    /// Fraction of the variance of `targets` that `predictions` explain: 1 - Var[y - y'] / Var[y],
    /// with population variances (as Stable-Baselines3's `explained_variance`). 1 is perfect, 0 is
    /// no better than predicting the mean, negative is worse. NaN when the targets are constant.
    ///
    /// Raises `ArgumentException` when the lengths differ or the arrays are empty.
    ///
    /// Example: `Normalization.explainedVariance [| 1f; 2f; 3f |] [| 1f; 2f; 3f |] = 1.0`.
    [<CompiledName("ExplainedVariance")>]
    val explainedVariance: predictions: float32[] -> targets: float32[] -> float

/// Running mean and variance of a stream of vectors (observations or returns), merged batch by
/// batch with the parallel algorithm of Chan et al. — the statistics behind Stable-Baselines3's
/// `VecNormalize`. An immutable value: every update returns a new one. Float64 throughout.
[<Sealed>]
type RunningMeanStd =
    /// Length of each vector.
    member Dim: int
    /// Per-component mean (a copy).
    member Mean: float[]
    /// Per-component population variance (a copy).
    member Var: float[]
    /// Number of vectors seen (plus the prior count, when created with one).
    member Count: float

    /// For C# callers: `RunningMeanStd.create`. Example (C#): `var s = RunningMeanStd.Create(4);`
    static member Create: dim: int -> RunningMeanStd

    /// For C# callers: `RunningMeanStd.empty`.
    static member Empty: dim: int -> RunningMeanStd

    /// Statistics with the given moments, e.g. read back from a file: per-component mean and
    /// population variance, and the count they stand for. Raises `ArgumentException` when the
    /// lengths differ or differ from 1..n, a value is not finite, a variance is negative or the
    /// count is negative.
    ///
    /// Example (C#): `var s = RunningMeanStd.FromMoments(mean, var, 1000.0);`
    static member FromMoments: mean: float[] * var: float[] * count: float -> RunningMeanStd

    /// For C# callers: `RunningMeanStd.ofBatch`.
    static member OfBatch: dim: int * batch: float32[] -> RunningMeanStd

    /// For C# callers: `RunningMeanStd.merge`.
    static member Merge: first: RunningMeanStd * second: RunningMeanStd -> RunningMeanStd

    /// These statistics updated with one batch (rows of `Dim` values); see `RunningMeanStd.update`.
    ///
    /// Example (C#): `stats = stats.Update(observations);`
    member Update: batch: float32[] -> RunningMeanStd

    /// Normalized copy of a batch; see `RunningMeanStd.normalize`.
    ///
    /// Example (C#): `var z = stats.Normalize(observations, clip: 10f, eps: 1e-8f);`
    member Normalize: batch: float32[] * clip: float32 * eps: float32 -> float32[]

    member internal MeanView: float[]
    member internal VarView: float[]

/// Creating, updating, merging and applying running statistics.
[<RequireQualifiedAccess>]
[<CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module RunningMeanStd =

    /// Stable-Baselines3's starting point: mean 0, variance 1, count 1e-4 (a weak prior that
    /// avoids dividing by zero before the first update).
    ///
    /// Example: `(RunningMeanStd.create 4).Count = 1e-4`.
    [<CompiledName("Create")>]
    val create: dim: int -> RunningMeanStd

    /// No data at all: count 0. Merging with it changes nothing, so batch statistics merged in
    /// any order and split equal those of the concatenated data.
    ///
    /// Example: `RunningMeanStd.merge (RunningMeanStd.empty 4) s = s`.
    [<CompiledName("Empty")>]
    val empty: dim: int -> RunningMeanStd

    /// Exact statistics of one batch: `batch` holds rows of `dim` values, row-major.
    ///
    /// Raises `ArgumentException` when the batch is empty, its length is not a multiple of `dim`,
    /// or it holds non-finite values.
    ///
    /// Example: `(RunningMeanStd.ofBatch 1 [| 1f; 3f |]).Mean = [| 2.0 |]`.
    [<CompiledName("OfBatch")>]
    val ofBatch: dim: int -> batch: float32[] -> RunningMeanStd

    /// Combines two sets of statistics as if their data had been seen together.
    ///
    /// Raises `ArgumentException` when the dimensions differ.
    ///
    /// Example: `RunningMeanStd.merge (ofBatch 1 [| 1f |]) (ofBatch 1 [| 3f |])` has mean 2, variance 1.
    [<CompiledName("Merge")>]
    val merge: first: RunningMeanStd -> second: RunningMeanStd -> RunningMeanStd

    /// Adds one batch (rows of `Dim` values, row-major) to the statistics.
    ///
    /// Example: `RunningMeanStd.create 2 |> RunningMeanStd.update [| 1f; 2f; 3f; 4f |]`.
    [<CompiledName("Update")>]
    val update: batch: float32[] -> stats: RunningMeanStd -> RunningMeanStd

    /// Normalizes rows of `Dim` values: clip((x - mean) / sqrt(var + eps), -clip, clip), as
    /// `VecNormalize` does with eps 1e-8 and clip 10.
    ///
    /// Example: `RunningMeanStd.normalize 10f 1e-8f stats observations`.
    [<CompiledName("Normalize")>]
    val normalize: clip: float32 -> eps: float32 -> stats: RunningMeanStd -> batch: float32[] -> float32[]
