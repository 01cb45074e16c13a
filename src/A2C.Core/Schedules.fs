namespace A2C.Core

open System
open System.Globalization

type Schedule =
    | Constant of Value: float
    | Linear of Initial: float * Final: float

    member this.ValueAt(progressRemaining: float) =
        if not (progressRemaining >= 0.0 && progressRemaining <= 1.0) then
            raise (ArgumentOutOfRangeException(nameof progressRemaining, progressRemaining, "must be in [0, 1]."))

        match this with
        | Constant v -> v
        | Linear(initial, final) -> final + progressRemaining * (initial - final)

    static member Parse(text: string) : Result<Schedule, string> =
        let number (s: string) =
            match Double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture) with
            | true, x when Double.IsFinite x -> Some x
            | _ -> None

        if isNull (box text) then
            Error "schedule is missing: expected a number or lin_<number>."
        else
            let t = text.Trim()

            if t.StartsWith("lin_", StringComparison.Ordinal) then
                match number (t.Substring 4) with
                | Some x -> Ok(Linear(x, 0.0))
                | None -> Error $"'{text}' is not a schedule: after lin_ comes a finite number, e.g. lin_7e-4."
            else
                match number t with
                | Some x -> Ok(Constant x)
                | None -> Error $"'{text}' is not a schedule: expected a number (7e-4) or lin_<number> (lin_7e-4)."

[<RequireQualifiedAccess>]
[<CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Schedule =

    [<CompiledName("Value")>]
    let value schedule (progressRemaining: float) =
        if not (progressRemaining >= 0.0 && progressRemaining <= 1.0) then
            raise (ArgumentOutOfRangeException(nameof progressRemaining, progressRemaining, "must be in [0, 1]."))

        match schedule with
        | Constant v -> v
        | Linear(initial, final) -> final + progressRemaining * (initial - final)

    [<CompiledName("ProgressRemaining")>]
    let progressRemaining (stepsDone: int64) (totalSteps: int64) =
        if totalSteps < 1L then
            raise (ArgumentOutOfRangeException(nameof totalSteps, totalSteps, "must be at least 1."))

        if stepsDone < 0L then
            raise (ArgumentOutOfRangeException(nameof stepsDone, stepsDone, "must be >= 0."))

        Math.Clamp(1.0 - float stepsDone / float totalSteps, 0.0, 1.0)

    [<CompiledName("Parse")>]
    let parse (text: string) = Schedule.Parse text
