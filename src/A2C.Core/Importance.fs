namespace A2C.Core

open System

[<RequireQualifiedAccess>]
module Importance =

    /// The group of each observation for one parameter: its choice, or its equal-count bin.
    let private groups (range: ParamRange) (values: float[]) =
        match range with
        | ParamRange.Categorical _ -> values |> Array.map int
        | ParamRange.Float(_, _, log)
        | ParamRange.Int(_, _, log) ->
            let n = values.Length
            let bins = max 2 (int (floor (sqrt (float n))))
            let key v = if log then Math.Log v else v
            // Ranks, ties sharing the lowest one, so equal values always share a bin.
            let order = Array.init n id |> Array.sortBy (fun i -> key values[i])
            let rank = Array.zeroCreate n
            let mutable first = 0

            for position in 0 .. n - 1 do
                if position > 0 && key values[order[position]] <> key values[order[position - 1]] then
                    first <- position

                rank[order[position]] <- first

            rank |> Array.map (fun r -> r * bins / n)

    let private etaSquared (groupOf: int[]) (objectives: float[]) =
        let mean = Array.average objectives
        let total = objectives |> Array.sumBy (fun y -> (y - mean) ** 2.0)

        let between =
            Array.zip groupOf objectives
            |> Array.groupBy fst
            |> Array.sumBy (fun (_, members) ->
                let ys = members |> Array.map snd
                float ys.Length * (Array.average ys - mean) ** 2.0)

        if total > 0.0 then between / total else 0.0

    let anova (space: ParamRange[]) (observations: Observation list) =
        for o in observations do
            if o.Values.Length <> space.Length then
                invalidArg
                    (nameof observations)
                    $"an observation has {o.Values.Length} values; the space has {space.Length} parameters"

        let finite =
            observations
            |> List.filter (fun o -> Double.IsFinite o.Objective)
            |> List.toArray

        let objectives = finite |> Array.map _.Objective

        if finite.Length < 2 then
            Array.zeroCreate space.Length
        else
            let shares =
                space
                |> Array.mapi (fun p range ->
                    etaSquared (groups range (finite |> Array.map (fun o -> o.Values[p]))) objectives)

            let sum = Array.sum shares

            if sum > 0.0 then
                shares |> Array.map (fun s -> s / sum)
            else
                shares
