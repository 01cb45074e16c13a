/// Random in-range values for every row of the hyperparameter table, and random valid options
/// built from them (shared with the CLI's tests, which link this file).
module A2C.Training.Tests.OptionsGenerators

open System
open System.Collections.Generic
open A2C.Core
open A2C.Training
open FsCheck
open FsCheck.FSharp

let private box' (g: Gen<'a>) : Gen<obj> = g |> Gen.map (fun x -> nonNull (box x))

/// A finite float from random bits: every magnitude, sign and mantissa.
let private anyFloat32 =
    ArbMap.defaults
    |> ArbMap.generate<int>
    |> Gen.map BitConverter.Int32BitsToSingle
    |> Gen.filter Single.IsFinite

let private anyFloat =
    ArbMap.defaults
    |> ArbMap.generate<int64>
    |> Gen.map BitConverter.Int64BitsToDouble
    |> Gen.filter Double.IsFinite

/// Decimals of a few digits at scales from 1e-9 to 1e4, of either sign: what options look like.
let private decimal' =
    Gen.map2
        (fun (m: int) (e: int) -> float m * Math.Pow(10.0, float e))
        (Gen.choose (-99999, 99999))
        (Gen.choose (-14, 0))

/// Candidates of a value type, most of them inside the table's ranges.
let candidates (t: Type) : Gen<obj> =
    if t = typeof<string> then
        Gen.elements ([ 'a' .. 'z' ] @ [ 'A' .. 'Z' ] @ [ '0' .. '9' ] @ [ '-'; '_'; ':'; '/'; '.' ])
        |> Gen.arrayOfLength 12
        |> Gen.map String
        |> box'
    elif t = typeof<int> then
        Gen.oneof [ Gen.choose (0, 5000); ArbMap.defaults |> ArbMap.generate<int> ]
        |> box'
    elif t = typeof<int64> then
        Gen.oneof
            [
                Gen.choose (0, Int32.MaxValue) |> Gen.map int64
                ArbMap.defaults |> ArbMap.generate<int64> |> Gen.map abs
            ]
        |> box'
    elif t = typeof<float32> then
        Gen.oneof [ decimal' |> Gen.map float32; anyFloat32 ] |> box'
    elif t = typeof<float> then
        Gen.oneof [ decimal' |> Gen.map abs; anyFloat ] |> box'
    elif t = typeof<bool> then
        Gen.elements [ true; false ] |> box'
    elif t = typeof<IReadOnlyList<int>> then
        Gen.choose (0, 16)
        |> Gen.bind (fun n -> Gen.arrayOfLength n (Gen.choose (1, 4096)))
        |> Gen.map (fun sizes -> sizes :> IReadOnlyList<int>)
        |> box'
    elif t = typeof<Schedule> then
        let rate =
            Gen.oneof
                [
                    decimal' |> Gen.map abs
                    Gen.choose (1, 1000) |> Gen.map (fun i -> float i / 1000.0)
                ]

        Gen.oneof
            [
                rate |> Gen.map Schedule.Constant
                rate |> Gen.map (fun x -> Schedule.Linear(x, 0.0))
            ]
        |> box'
    elif t = typeof<ValueLoss> then
        Gen.elements [ ValueLoss.Mse; ValueLoss.Huber ] |> box'
    elif t.IsEnum then
        Gen.elements [ for v in Enum.GetValues t -> nonNull v ]
    else
        failwith $"no generator for {t.Name}: add one for the new row's type"

/// Candidates of a row whose text has a grammar of its own, else of its value type.
let private candidatesOf (row: Hyperparameter) =
    if row.Name = Hyperparameters.EnvKwargs.Name then
        Gen.elements
            [
                "{}"
                "{\"is_slippery\":false}"
                "{\"map_name\":\"8x8\",\"success_rate\":0.5}"
            ]
        |> box'
    else
        candidates row.ValueType

/// A value of `row` that its range allows next to `options`.
let validIn (options: A2COptions) (row: Hyperparameter) =
    candidatesOf row
    |> Gen.filter (fun v -> isNull (row.Check(row.SetValue(options, v))))

/// `options` with a value drawn for each of `rows` that `redraw` picks, in range next to `context options`.
let rec private draw (redraw: Hyperparameter -> A2COptions -> bool) (context: A2COptions -> A2COptions) rows options =
    match rows with
    | [] -> Gen.constant options
    | (row: Hyperparameter) :: rest when redraw row options ->
        validIn (context options) row
        |> Gen.bind (fun v -> draw redraw context rest (row.SetValue(options, v)))
    | _ :: rest -> draw redraw context rest options

/// Random options that pass validation: each row drawn in its range, then the rows whose range
/// depends on others (total_timesteps) drawn again next to the rest.
let validOptions =
    let rows = List.ofSeq Hyperparameters.All

    draw (fun _ _ -> true) (fun _ -> A2COptions.Defaults) rows A2COptions.Defaults
    |> Gen.bind (draw (fun row options -> not (isNull (row.Check options))) id rows)

/// Options shown by every row's text, for failure messages.
let describe (options: A2COptions) =
    String.Join(", ", [ for row in Hyperparameters.All -> $"{row.Name}={row.Format options}" ])
