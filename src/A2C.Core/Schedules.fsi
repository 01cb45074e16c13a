namespace A2C.Core

/// A hyperparameter that changes over training, as a function of the remaining progress
/// (1 at the start of training, 0 at the end), as Stable-Baselines3 and RL Zoo define it.
type Schedule =
    /// The same value throughout.
    | Constant of Value: float
    /// Linear from `Initial` at progress 1 to `Final` at progress 0. RL Zoo's `lin_X` is
    /// `Linear(X, 0)`.
    | Linear of Initial: float * Final: float

    /// For C# callers: `Schedule.value this progressRemaining`.
    ///
    /// Example (C#): `var lr = schedule.ValueAt(0.5);`
    member ValueAt: progressRemaining: float -> float

    /// For C# callers: `Schedule.parse`.
    ///
    /// Example (C#): `var s = Schedule.Parse("lin_7e-4");`
    static member Parse: text: string -> Result<Schedule, string>

/// Evaluating and parsing schedules.
[<RequireQualifiedAccess>]
[<CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Schedule =

    /// The schedule's value at `progressRemaining` (1 = start, 0 = end).
    ///
    /// Raises `ArgumentOutOfRangeException` when progressRemaining is outside [0, 1].
    ///
    /// Example: `Schedule.value (Linear(7e-4, 0.0)) 0.5 = 3.5e-4`.
    [<CompiledName("Value")>]
    val value: schedule: Schedule -> progressRemaining: float -> float

    /// Remaining progress after `stepsDone` of `totalSteps`: 1 - stepsDone / totalSteps, clamped to [0, 1].
    ///
    /// Raises `ArgumentOutOfRangeException` when totalSteps < 1 or stepsDone < 0.
    ///
    /// Example: `Schedule.progressRemaining 250L 1000L = 0.75`.
    [<CompiledName("ProgressRemaining")>]
    val progressRemaining: stepsDone: int64 -> totalSteps: int64 -> float

    /// Parses a number (`7e-4`, a constant) or RL Zoo's `lin_<number>` (linear to 0). Returns
    /// `Error` with a message that quotes the text when it is neither, or not finite.
    ///
    /// Example: `Schedule.parse "lin_7e-4" = Ok(Linear(7e-4, 0.0))`.
    [<CompiledName("Parse")>]
    val parse: text: string -> Result<Schedule, string>
