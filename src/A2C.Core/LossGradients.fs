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

    /// Checks the coefficients and that there is at least one transition; returns n.
    let private requireTransitions (options: LossOptions) (values: float32[]) =
        requireCoefficients options
        Validation.requireNotNull (nameof values) values

        if values.Length = 0 then
            raise (ArgumentException("values is empty; the loss needs at least one transition.", nameof values))

        values.Length

    let private requireAdvantagesAndReturns n (advantages: float32[]) (returns: float32[]) (gradValues: float32[]) =
        requireLength (nameof advantages) n advantages
        requireLength (nameof returns) n returns
        requireLength (nameof gradValues) n gradValues

    /// One categorical over logits[offset .. offset + count - 1] with the chosen `action` and the
    /// transition's effective `advantage`: writes dLoss/dz / n of the block into gradLogits and
    /// returns the block's (log pi(action), entropy). The gradient needs only the block's own
    /// entropy, so a row of several independent blocks is handled block by block. `probabilities`
    /// (at least count long) keeps each exp(z - top), then p, so there is one exp per logit (there
    /// were three: 16 µs for 320 rows of 2 logits).
    let private categoricalBlock
        (logits: float32[])
        (offset: int)
        (count: int)
        (action: int)
        (advantage: float)
        (entCoef: float)
        (n: float)
        (gradLogits: float32[])
        (probabilities: float[])
        =
        let mutable top = Double.NegativeInfinity

        for j in 0 .. count - 1 do
            top <- max top (float logits.[offset + j])

        let mutable partition = 0.0

        for j in 0 .. count - 1 do
            let e = exp (float logits.[offset + j] - top)
            probabilities.[j] <- e
            partition <- partition + e

        let logPartition = top + log partition
        let mutable entropy = 0.0

        for j in 0 .. count - 1 do
            let p = probabilities.[j] / partition
            probabilities.[j] <- p
            entropy <- entropy - p * (float logits.[offset + j] - logPartition)

        for j in 0 .. count - 1 do
            let logP = float logits.[offset + j] - logPartition
            let p = probabilities.[j]
            let chosen = if j = action then 1.0 else 0.0
            let gradient = -advantage * (chosen - p) + entCoef * p * (logP + entropy)
            gradLogits.[offset + j] <- float32 (gradient / n)

        struct (float logits.[offset + action] - logPartition, entropy)

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
        let n = requireTransitions options values

        if actionCount < 1 then
            raise (ArgumentOutOfRangeException(nameof actionCount, actionCount, "actionCount must be at least 1."))

        requireLength (nameof logits) (n * actionCount) logits
        requireLength (nameof actions) n actions
        requireLength (nameof gradLogits) (n * actionCount) gradLogits
        requireAdvantagesAndReturns n advantages returns gradValues
        let struct (shift, scale) = advantageTransform options advantages
        let mutable policy = 0.0
        let mutable entropySum = 0.0
        let probabilities = Array.zeroCreate actionCount

        for i in 0 .. n - 1 do
            let action = actions.[i]

            if action < 0 || action >= actionCount then
                raise (ArgumentException($"actions[{i}] is {action}; allowed: 0 to {actionCount - 1}.", nameof actions))

            let advantage = (float advantages.[i] - shift) * scale

            let struct (logProb, entropy) =
                categoricalBlock
                    logits
                    (i * actionCount)
                    actionCount
                    action
                    advantage
                    (float options.EntCoef)
                    (float n)
                    gradLogits
                    probabilities

            policy <- policy - advantage * logProb
            entropySum <- entropySum + entropy

        let value = valueTerm options values returns gradValues
        breakdown options (policy / float n) value (entropySum / float n)

    [<CompiledName("MultiCategorical")>]
    let multiCategorical
        (options: LossOptions)
        (logits: float32[])
        (nvec: int[])
        (actions: int[])
        (values: float32[])
        (advantages: float32[])
        (returns: float32[])
        (gradLogits: float32[])
        (gradValues: float32[])
        =
        let n = requireTransitions options values
        Validation.requireNotNull (nameof nvec) nvec

        if nvec.Length = 0 then
            raise (ArgumentException("nvec is empty; a MultiDiscrete space needs at least one component.", nameof nvec))

        let mutable width = 0

        for k in 0 .. nvec.Length - 1 do
            if nvec.[k] < 1 then
                raise (
                    ArgumentException($"nvec[{k}] is {nvec.[k]}; every component needs at least 1 choice.", nameof nvec)
                )

            width <- width + nvec.[k]

        let components = nvec.Length
        requireLength (nameof logits) (n * width) logits
        requireLength (nameof actions) (n * components) actions
        requireLength (nameof gradLogits) (n * width) gradLogits
        requireAdvantagesAndReturns n advantages returns gradValues
        let struct (shift, scale) = advantageTransform options advantages
        let mutable policy = 0.0
        let mutable entropySum = 0.0
        let probabilities = Array.zeroCreate (Array.max nvec)

        for i in 0 .. n - 1 do
            let advantage = (float advantages.[i] - shift) * scale
            let mutable offset = i * width

            for k in 0 .. components - 1 do
                let action = actions.[i * components + k]

                if action < 0 || action >= nvec.[k] then
                    raise (
                        ArgumentException(
                            $"actions[{i * components + k}] (row {i}, component {k}) is {action}; allowed: 0 to {nvec.[k] - 1}.",
                            nameof actions
                        )
                    )

                let struct (logProb, entropy) =
                    categoricalBlock
                        logits
                        offset
                        nvec.[k]
                        action
                        advantage
                        (float options.EntCoef)
                        (float n)
                        gradLogits
                        probabilities

                policy <- policy - advantage * logProb
                entropySum <- entropySum + entropy
                offset <- offset + nvec.[k]

        let value = valueTerm options values returns gradValues
        breakdown options (policy / float n) value (entropySum / float n)

    /// log(1 + e^x) without overflow for large x or loss of precision for very negative x.
    let private softplus (x: float) = max x 0.0 + log (1.0 + exp (-(abs x)))

    [<CompiledName("Bernoulli")>]
    let bernoulli
        (options: LossOptions)
        (logits: float32[])
        (actions: int[])
        (values: float32[])
        (advantages: float32[])
        (returns: float32[])
        (gradLogits: float32[])
        (gradValues: float32[])
        =
        let n = requireTransitions options values
        Validation.requireNotNull (nameof logits) logits

        if logits.Length = 0 || logits.Length % n <> 0 then
            raise (
                ArgumentException(
                    $"logits has length {logits.Length}; expected n x bits, a positive multiple of n = {n}.",
                    nameof logits
                )
            )

        requireLength (nameof actions) logits.Length actions
        requireLength (nameof gradLogits) logits.Length gradLogits
        requireAdvantagesAndReturns n advantages returns gradValues
        let bits = logits.Length / n
        let struct (shift, scale) = advantageTransform options advantages
        let entCoef = float options.EntCoef
        let mutable policy = 0.0
        let mutable entropySum = 0.0

        for i in 0 .. n - 1 do
            let advantage = (float advantages.[i] - shift) * scale

            for b in i * bits .. i * bits + bits - 1 do
                let action = actions.[b]

                if action <> 0 && action <> 1 then
                    raise (ArgumentException($"actions[{b}] is {action}; allowed: 0 or 1.", nameof actions))

                let z = float logits.[b]

                let p =
                    if z >= 0.0 then
                        1.0 / (1.0 + exp -z)
                    else
                        exp z / (1.0 + exp z)
                // log sigmoid(s z) = -softplus(-s z) with s = 2a - 1; entropy softplus(z) - z p.
                policy <- policy + advantage * softplus (-(float (2 * action - 1)) * z)
                entropySum <- entropySum + softplus z - z * p
                let gradient = -advantage * (float action - p) + entCoef * z * p * (1.0 - p)
                gradLogits.[b] <- float32 (gradient / float n)

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
        let n = requireTransitions options values
        Validation.requireNotNull (nameof logStd) logStd
        let dims = logStd.Length

        if dims = 0 then
            raise (ArgumentException("logStd is empty; the policy needs at least one action dimension.", nameof logStd))

        requireLength (nameof means) (n * dims) means
        requireLength (nameof actions) (n * dims) actions
        requireLength (nameof gradMeans) (n * dims) gradMeans
        requireLength (nameof gradLogStd) dims gradLogStd
        requireAdvantagesAndReturns n advantages returns gradValues
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
