namespace A2C.Core

open System

[<RequireQualifiedAccess>]
module LossGradients =

    let private requireLength (name: string) (expected: int) (data: 'T[]) =
        Validation.requireNotNull name data

        if data.Length <> expected then
            raise (ArgumentException($"{name} has length {data.Length}; expected {expected}.", name))

    let private requireCoefficient (name: string) (x: float32) =
        if not (Single.IsFinite x && x >= 0f) then
            raise (ArgumentOutOfRangeException(name, x, $"{name} must be finite and >= 0."))

    let private requireCoefficients (options: LossOptions) =
        requireCoefficient "VfCoef" options.VfCoef
        requireCoefficient "EntCoef" options.EntCoef

    /// The advantages the policy term weighs by: as given, or normalized as `Losses.a2c` does
    /// (sample std, eps 1e-8; a single advantage becomes 0). Returns (shift, scale) so that the
    /// effective advantage is (A - shift) * scale, without a scratch array (or a heap-allocated tuple).
    let private advantageTransform (options: LossOptions) (advantages: float32[]) =
        let n = advantages.Length

        if not options.NormalizeAdvantage then
            struct (0.0, 1.0)
        else
            let mutable sum = 0.0

            for a in advantages do
                sum <- sum + float a

            let mean = sum / float n

            if n < 2 then
                struct (mean, 1.0)
            else
                let mutable squares = 0.0

                for a in advantages do
                    squares <- squares + (float a - mean) * (float a - mean)

                struct (mean, 1.0 / (sqrt (squares / float (n - 1)) + float Normalization.defaultEpsilon))

    /// Value term and its gradient, written into gradValues; returns the mean error penalty.
    let private valueTerm (options: LossOptions) (values: float32[]) (returns: float32[]) (gradValues: float32[]) =
        let n = float values.Length
        let mutable total = 0.0

        for i in 0 .. values.Length - 1 do
            let error = float values.[i] - float returns.[i]

            match options.ValueLoss with
            | Mse ->
                total <- total + error * error
                gradValues.[i] <- float32 (float options.VfCoef * 2.0 * error / n)
            | Huber ->
                let magnitude = abs error

                total <-
                    total
                    + (if magnitude <= 1.0 then
                           0.5 * error * error
                       else
                           magnitude - 0.5)

                gradValues.[i] <- float32 (float options.VfCoef * Math.Clamp(error, -1.0, 1.0) / n)

        total / n

    let private breakdown (options: LossOptions) policy value entropy =
        {
            Policy = policy
            Value = value
            Entropy = entropy
            Total = policy + float options.VfCoef * value - float options.EntCoef * entropy
        }

    [<CompiledName("Categorical")>]
    let categorical
        (options: LossOptions)
        (logits: float32[])
        (actionCount: int)
        (actions: int[])
        (values: float32[])
        (advantages: float32[])
        (returns: float32[])
        (gradLogits: float32[])
        (gradValues: float32[])
        =
        requireCoefficients options
        Validation.requireNotNull (nameof values) values
        let n = values.Length

        if n = 0 then
            raise (ArgumentException("values is empty; the loss needs at least one transition.", nameof values))

        if actionCount < 1 then
            raise (ArgumentOutOfRangeException(nameof actionCount, actionCount, "actionCount must be at least 1."))

        requireLength (nameof logits) (n * actionCount) logits
        requireLength (nameof actions) n actions
        requireLength (nameof advantages) n advantages
        requireLength (nameof returns) n returns
        requireLength (nameof gradLogits) (n * actionCount) gradLogits
        requireLength (nameof gradValues) n gradValues
        let struct (shift, scale) = advantageTransform options advantages
        let entCoef = float options.EntCoef
        let mutable policy = 0.0
        let mutable entropySum = 0.0

        for i in 0 .. n - 1 do
            let action = actions.[i]

            if action < 0 || action >= actionCount then
                raise (ArgumentException($"actions[{i}] is {action}; allowed: 0 to {actionCount - 1}.", nameof actions))

            let row = i * actionCount
            let mutable top = Double.NegativeInfinity

            for j in 0 .. actionCount - 1 do
                top <- max top (float logits.[row + j])

            let mutable partition = 0.0

            for j in 0 .. actionCount - 1 do
                partition <- partition + exp (float logits.[row + j] - top)

            let logPartition = top + log partition
            let mutable entropy = 0.0

            for j in 0 .. actionCount - 1 do
                let logP = float logits.[row + j] - logPartition
                entropy <- entropy - exp logP * logP

            let advantage = (float advantages.[i] - shift) * scale
            policy <- policy - advantage * (float logits.[row + action] - logPartition)
            entropySum <- entropySum + entropy

            for j in 0 .. actionCount - 1 do
                let logP = float logits.[row + j] - logPartition
                let p = exp logP
                let chosen = if j = action then 1.0 else 0.0
                let gradient = -advantage * (chosen - p) + entCoef * p * (logP + entropy)
                gradLogits.[row + j] <- float32 (gradient / float n)

        let value = valueTerm options values returns gradValues
        breakdown options (policy / float n) value (entropySum / float n)

    [<CompiledName("Gaussian")>]
    let gaussian
        (options: LossOptions)
        (means: float32[])
        (logStd: float32[])
        (actions: float32[])
        (values: float32[])
        (advantages: float32[])
        (returns: float32[])
        (gradMeans: float32[])
        (gradLogStd: float32[])
        (gradValues: float32[])
        =
        requireCoefficients options
        Validation.requireNotNull (nameof values) values
        Validation.requireNotNull (nameof logStd) logStd
        let n = values.Length
        let dims = logStd.Length

        if n = 0 then
            raise (ArgumentException("values is empty; the loss needs at least one transition.", nameof values))

        if dims = 0 then
            raise (ArgumentException("logStd is empty; the policy needs at least one action dimension.", nameof logStd))

        requireLength (nameof means) (n * dims) means
        requireLength (nameof actions) (n * dims) actions
        requireLength (nameof advantages) n advantages
        requireLength (nameof returns) n returns
        requireLength (nameof gradMeans) (n * dims) gradMeans
        requireLength (nameof gradLogStd) dims gradLogStd
        requireLength (nameof gradValues) n gradValues
        let struct (shift, scale) = advantageTransform options advantages
        let halfLogTwoPi = 0.5 * log (2.0 * Math.PI)
        let mutable entropy = 0.0

        for d in 0 .. dims - 1 do
            entropy <- entropy + 0.5 + halfLogTwoPi + float logStd.[d]

        let logStdGradients = Array.zeroCreate<float> dims
        let mutable policy = 0.0

        for i in 0 .. n - 1 do
            let advantage = (float advantages.[i] - shift) * scale
            let mutable logProb = 0.0

            for d in 0 .. dims - 1 do
                let variance = exp (2.0 * float logStd.[d])
                let deviation = float actions.[i * dims + d] - float means.[i * dims + d]
                let standardized = deviation * deviation / variance
                logProb <- logProb - 0.5 * standardized - float logStd.[d] - halfLogTwoPi
                gradMeans.[i * dims + d] <- float32 (-advantage * deviation / variance / float n)
                logStdGradients.[d] <- logStdGradients.[d] - advantage * (standardized - 1.0)

            policy <- policy - advantage * logProb

        for d in 0 .. dims - 1 do
            gradLogStd.[d] <- float32 (logStdGradients.[d] / float n - float options.EntCoef)

        let value = valueTerm options values returns gradValues
        breakdown options (policy / float n) value entropy
