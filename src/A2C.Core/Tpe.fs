namespace A2C.Core

open System

[<RequireQualifiedAccess>]
type ParamRange =
    | Float of Low: float * High: float * Log: bool
    | Int of Low: int64 * High: int64 * Log: bool
    | Categorical of Count: int

type Observation = { Values: float[]; Objective: float }

[<RequireQualifiedAccess>]
module Tpe =

    let private startupTrials = 10
    let private candidates = 24
    let private priorWeight = 1.0

    /// SplitMix64 over a seed: the study's own stream, the same on every runtime.
    type private Stream(seed: uint64) =
        let mutable state = seed

        member _.Next() =
            state <- state + 0x9E3779B97F4A7C15UL
            let mutable z = state
            z <- (z ^^^ (z >>> 30)) * 0xBF58476D1CE4E5B9UL
            z <- (z ^^^ (z >>> 27)) * 0x94D049BB133111EBUL
            z ^^^ (z >>> 31)

        /// Uniform in [0, 1) with 53 bits.
        member this.Uniform() =
            float (this.Next() >>> 11) * (1.0 / 9007199254740992.0)

        /// Standard normal, Box-Muller.
        member this.Normal() =
            let u1 = 1.0 - this.Uniform()
            let u2 = this.Uniform()
            sqrt (-2.0 * log u1) * cos (2.0 * Math.PI * u2)

    let private check (space: ParamRange[]) =
        for p in space do
            match p with
            | ParamRange.Float(lo, hi, log) when
                not (Double.IsFinite lo && Double.IsFinite hi && lo <= hi && (not log || lo > 0.0))
                ->
                invalidArg (nameof space) $"a float range needs finite low <= high (low > 0 on a log scale); got {p}."
            | ParamRange.Int(lo, hi, log) when not (lo <= hi && (not log || lo > 0L)) ->
                invalidArg (nameof space) $"an int range needs low <= high (low > 0 on a log scale); got {p}."
            | ParamRange.Categorical n when n < 1 ->
                invalidArg (nameof space) $"a categorical needs at least one choice; got {p}."
            | _ -> ()

    /// The interval the estimator works on: log-transformed where asked; ints widened by half a step.
    let private internalBounds p =
        match p with
        | ParamRange.Float(lo, hi, true) -> log lo, log hi
        | ParamRange.Float(lo, hi, false) -> lo, hi
        | ParamRange.Int(lo, hi, true) -> log (float lo - 0.5 |> max 0.5), log (float hi + 0.5)
        | ParamRange.Int(lo, hi, false) -> float lo - 0.5, float hi + 0.5
        | ParamRange.Categorical n -> 0.0, float n

    let private toInternal p (v: float) =
        match p with
        | ParamRange.Float(_, _, true)
        | ParamRange.Int(_, _, true) -> log v
        | _ -> v

    let private fromInternal p (x: float) =
        match p with
        | ParamRange.Float(lo, hi, log) -> Math.Clamp((if log then exp x else x), lo, hi)
        | ParamRange.Int(lo, hi, log) -> Math.Clamp(Math.Round(if log then exp x else x), float lo, float hi)
        | ParamRange.Categorical n -> Math.Clamp(floor x, 0.0, float (n - 1))

    /// Uniform over the internal interval: a choice is the floor of a uniform in [0, n).
    let private uniformValue (stream: Stream) p =
        let lo, hi = internalBounds p
        fromInternal p (lo + (hi - lo) * stream.Uniform())

    let random space seed =
        check space
        let stream = Stream(seed)
        space |> Array.map (uniformValue stream)

    /// Optuna's default_gamma: how many of n trials count as good.
    let private goodCount n = min (int (ceil (0.1 * float n))) 25

    /// Optuna's default_weights: flat for up to 25 trials, then a ramp from 1/n for all but the newest 25.
    let private recencyWeights n =
        if n < 25 then
            Array.create n 1.0
        else
            let ramp = n - 25

            Array.append
                (Array.init ramp (fun i ->
                    if ramp = 1 then
                        1.0 / float n
                    else
                        1.0 / float n + (1.0 - 1.0 / float n) * float i / float (ramp - 1)))
                (Array.create 25 1.0)

    /// Abramowitz and Stegun 7.1.26: erf to 1.5e-7, enough to normalize a truncated kernel.
    let private erf (x: float) =
        let t = 1.0 / (1.0 + 0.3275911 * abs x)

        let y =
            1.0
            - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
               + 0.254829592)
              * t
              * exp (-x * x)

        if x >= 0.0 then y else -y

    let private phi (z: float) = 0.5 * (1.0 + erf (z / sqrt 2.0))

    /// A mixture of Gaussians truncated to [low, high] (numerical), or of categorical kernels.
    type private Estimator =
        | Numerical of Mus: float[] * Sigmas: float[] * Weights: float[] * Low: float * High: float
        | Choices of Probabilities: float[]

    let private estimator p (points: float[]) (weights: float[]) =
        match p with
        | ParamRange.Categorical n ->
            // Each observation puts its weight on its choice; the prior spreads its weight evenly.
            let mass = Array.create n (priorWeight / float n)
            Array.iteri (fun i (c: float) -> mass[int c] <- mass[int c] + weights[i]) points
            let total = Array.sum mass
            Choices(mass |> Array.map (fun m -> m / total))
        | _ ->
            let lo, hi = internalBounds p
            let mus = Array.append points [| 0.5 * (lo + hi) |]
            let order = Array.init mus.Length id |> Array.sortBy (fun i -> mus[i])
            let sorted = order |> Array.map (fun i -> mus[i])
            let withEnds = Array.concat [ [| lo |]; sorted; [| hi |] ]

            let sortedSigmas =
                Array.init sorted.Length (fun k ->
                    max (withEnds[k + 1] - withEnds[k]) (withEnds[k + 2] - withEnds[k + 1]))

            // Optuna without consider_endpoints: the outermost kernels look only inward.
            if sorted.Length >= 2 then
                sortedSigmas[0] <- sorted[1] - sorted[0]
                sortedSigmas[sorted.Length - 1] <- sorted[sorted.Length - 1] - sorted[sorted.Length - 2]

            let sigmas = Array.zeroCreate mus.Length
            order |> Array.iteri (fun k i -> sigmas[i] <- sortedSigmas[k])
            let widest = hi - lo
            let narrowest = widest / min 100.0 (1.0 + float mus.Length) // Optuna's magic clip

            let clipped =
                sigmas |> Array.map (fun s -> Math.Clamp(s, narrowest, max widest narrowest))

            clipped[clipped.Length - 1] <- max widest narrowest // the prior is as wide as the range
            let all = Array.append weights [| priorWeight |]
            let total = Array.sum all
            Numerical(mus, clipped, all |> Array.map (fun w -> w / total), lo, hi)

    /// The first index whose running sum of weights passes one uniform draw (the last when rounding leaves none).
    let private pickIndex (stream: Stream) (weights: float[]) =
        let u = stream.Uniform()
        let mutable acc = 0.0
        let mutable pick = -1

        for i in 0 .. weights.Length - 1 do
            acc <- acc + weights[i]

            if pick < 0 && u < acc then
                pick <- i

        if pick < 0 then weights.Length - 1 else pick

    let private draw (stream: Stream) estimator =
        match estimator with
        | Choices probabilities -> float (pickIndex stream probabilities)
        | Numerical(mus, sigmas, weights, lo, hi) ->
            let k = pickIndex stream weights

            if hi <= lo then
                lo
            else
                // Rejection from the kernel: its centre lies in the range and its width at most the range's.
                let mutable x = mus[k] + sigmas[k] * stream.Normal()

                while x < lo || x > hi do
                    x <- mus[k] + sigmas[k] * stream.Normal()

                x

    let private logDensity estimator (x: float) =
        match estimator with
        | Choices probabilities -> log probabilities[int x]
        | Numerical(mus, sigmas, weights, lo, hi) ->
            let mutable total = 0.0

            for k in 0 .. mus.Length - 1 do
                let z = (x - mus[k]) / sigmas[k]

                let mass =
                    max 1e-300 (phi ((hi - mus[k]) / sigmas[k]) - phi ((lo - mus[k]) / sigmas[k]))

                total <-
                    total
                    + weights[k] * exp (-0.5 * z * z) / (sigmas[k] * sqrt (2.0 * Math.PI) * mass)

            log (max total 1e-300)

    let private inRange p (v: float) =
        match p with
        | ParamRange.Float(lo, hi, _) -> v >= lo && v <= hi
        | ParamRange.Int(lo, hi, _) -> v >= float lo && v <= float hi && v = floor v
        | ParamRange.Categorical n -> v >= 0.0 && v < float n && v = floor v

    let suggest space direction history seed =
        check space

        let finished =
            history |> List.filter (fun o -> not (Double.IsNaN o.Objective)) |> List.toArray

        for o in finished do
            if
                o.Values.Length <> space.Length
                || Array.exists2 (fun p v -> not (inRange p v)) space o.Values
            then
                invalidArg
                    (nameof history)
                    $"an observation has values {o.Values}, not a point of the {space.Length}-parameter space."

        if finished.Length < startupTrials then
            random space seed
        else
            let stream = Stream(seed)
            let n = finished.Length
            // Optuna ranks by objective (best first; ties by trial order) and weighs by recency.
            let recency = recencyWeights n
            let better = if direction = Maximize then -1.0 else 1.0

            let ranked =
                Array.init n id |> Array.sortBy (fun i -> better * finished[i].Objective, i)

            let good, bad = Array.splitAt (goodCount n) ranked
            // Each side keeps its trials' recency weights (Optuna: weights_func(n)[indices]).
            let pick (indices: int[]) (dim: int) =
                let ordered = Array.sort indices

                ordered |> Array.map (fun i -> toInternal space[dim] finished[i].Values[dim]),
                ordered |> Array.map (fun i -> recency[i])

            space
            |> Array.mapi (fun dim p ->
                let goodPoints, goodWeights = pick good dim
                let badPoints, badWeights = pick bad dim
                let below = estimator p goodPoints goodWeights
                let above = estimator p badPoints badWeights
                let drawn = Array.init candidates (fun _ -> draw stream below)

                drawn
                |> Array.maxBy (fun x -> logDensity below x - logDensity above x)
                |> fromInternal p)
