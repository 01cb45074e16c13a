namespace A2C.Core

open System
open TorchSharp

type ValueLoss =
    | Mse
    | Huber

type LossOptions =
    {
        ValueLoss: ValueLoss
        NormalizeAdvantage: bool
        VfCoef: float32
        EntCoef: float32
    }

    static member A2CDefaults =
        {
            ValueLoss = Mse
            NormalizeAdvantage = false
            VfCoef = 0.5f
            EntCoef = 0.0f
        }

type LossBreakdown =
    {
        Policy: float
        Value: float
        Entropy: float
        Total: float
    }

type Loss =
    {
        Total: torch.Tensor
        Breakdown: LossBreakdown
    }

[<RequireQualifiedAccess>]
[<CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module LossOptions =

    [<CompiledName("A2CDefaults")>]
    let a2cDefaults = LossOptions.A2CDefaults

[<RequireQualifiedAccess>]
module Losses =

    [<CompiledName("Huber")>]
    let huber (errors: torch.Tensor) =
        Validation.requireNotNull (nameof errors) errors

        let magnitude = errors.abs ()
        let quadratic = magnitude.clamp_max (1.0)
        quadratic * quadratic * 0.5 + (magnitude - quadratic)

    let private requireCoefficient (name: string) (x: float32) =
        if not (Single.IsFinite x && x >= 0f) then
            raise (ArgumentOutOfRangeException(name, x, $"{name} must be finite and >= 0."))

    [<CompiledName("A2C")>]
    let a2c
        (options: LossOptions)
        (logProbs: torch.Tensor)
        (entropies: torch.Tensor)
        (values: torch.Tensor)
        (advantages: torch.Tensor)
        (returns: torch.Tensor)
        =
        requireCoefficient "VfCoef" options.VfCoef
        requireCoefficient "EntCoef" options.EntCoef
        Validation.requireRank (nameof logProbs) 1L logProbs
        let n = logProbs.shape.[0]

        if n = 0L then
            raise (ArgumentException("logProbs is empty; the loss needs at least one transition.", nameof logProbs))

        let requireBatch (name: string) (t: torch.Tensor) =
            Validation.requireRank name 1L t

            if t.shape.[0] <> n then
                raise (ArgumentException($"{name} has length {t.shape.[0]}; logProbs has {n}.", name))

        requireBatch (nameof entropies) entropies
        requireBatch (nameof values) values
        requireBatch (nameof advantages) advantages
        requireBatch (nameof returns) returns

        let advantages = advantages.detach ()

        let advantages =
            if not options.NormalizeAdvantage then
                advantages
            elif n < 2L then
                advantages - advantages.mean ()
            else
                (advantages - advantages.mean ())
                / (advantages.std () + float Normalization.defaultEpsilon)

        let policyLoss = -(advantages * logProbs).mean()
        let errors = values - returns.detach ()

        let valueLoss =
            match options.ValueLoss with
            | Mse -> (errors * errors).mean()
            | Huber -> (huber errors).mean()

        let entropy = entropies.mean ()

        let total =
            policyLoss + valueLoss * float options.VfCoef - entropy * float options.EntCoef

        {
            Total = total
            Breakdown =
                {
                    Policy = policyLoss.ToDouble()
                    Value = valueLoss.ToDouble()
                    Entropy = entropy.ToDouble()
                    Total = total.ToDouble()
                }
        }
