namespace A2C.Core

open System
open TorchSharp

[<RequireQualifiedAccess>]
module Distributions =

    let private halfLogTwoPi = 0.5 * Math.Log(2.0 * Math.PI)

    /// `p log p` of log-probabilities, with 0 log 0 = 0: clamping keeps 0 * -inf from becoming NaN
    /// (as torch's Categorical does).
    let private plogp (logP: torch.Tensor) =
        logP.clamp_min (torch.finfo(logP.dtype).min) * logP.exp ()

    [<CompiledName("CategoricalLogProb")>]
    let categoricalLogProb (logits: torch.Tensor) (actions: torch.Tensor) =
        Validation.requireRank (nameof logits) 2L logits
        Validation.requireRank (nameof actions) 1L actions

        if actions.shape.[0] <> logits.shape.[0] then
            raise (
                ArgumentException(
                    $"actions has {actions.shape.[0]} rows but logits has {logits.shape.[0]}.",
                    nameof actions
                )
            )

        logits.log_softmax(-1L).gather(-1L, actions.to_type(torch.int64).unsqueeze(-1L)).squeeze(-1L)

    [<CompiledName("CategoricalEntropy")>]
    let categoricalEntropy (logits: torch.Tensor) =
        Validation.requireRank (nameof logits) 2L logits
        -(plogp (logits.log_softmax -1L)).sum(-1L)

    [<CompiledName("GaussianLogProb")>]
    let gaussianLogProb (mean: torch.Tensor) (logStd: torch.Tensor) (actions: torch.Tensor) =
        Validation.requireRank (nameof mean) 2L mean

        Validation.requireNotNull (nameof logStd) logStd

        Validation.requireNotNull (nameof actions) actions

        let z = (actions - mean) * (-logStd).exp()
        (z * z * -0.5 - logStd - halfLogTwoPi).sum(-1L)

    [<CompiledName("GaussianEntropy")>]
    let gaussianEntropy (mean: torch.Tensor) (logStd: torch.Tensor) =
        Validation.requireRank (nameof mean) 2L mean

        Validation.requireNotNull (nameof logStd) logStd

        (logStd + (0.5 + halfLogTwoPi)).expand_as(mean).sum(-1L)

    /// Checks nvec and that logits has one column per choice of every block.
    let private requireBlocks (logits: torch.Tensor) (nvec: int[]) =
        Validation.requireRank (nameof logits) 2L logits
        Validation.requireNotNull (nameof nvec) nvec

        if nvec.Length = 0 then
            raise (ArgumentException("nvec is empty; a MultiDiscrete space needs at least one component.", nameof nvec))

        let bad = Array.FindIndex(nvec, fun count -> count < 1)

        if bad >= 0 then
            raise (
                ArgumentException($"nvec[{bad}] is {nvec.[bad]}; every component needs at least 1 choice.", nameof nvec)
            )

        let width = nvec |> Array.sumBy int64

        if logits.shape.[1] <> width then
            raise (
                ArgumentException(
                    $"logits has {logits.shape.[1]} columns; expected sum(nvec) = {width}.",
                    nameof logits
                )
            )

        logits.split (nvec |> Array.map int64, 1L)

    [<CompiledName("MultiCategoricalLogProb")>]
    let multiCategoricalLogProb (logits: torch.Tensor) (nvec: int[]) (actions: torch.Tensor) =
        let blocks = requireBlocks logits nvec
        Validation.requireRank (nameof actions) 2L actions

        if actions.shape.[0] <> logits.shape.[0] || actions.shape.[1] <> int64 nvec.Length then
            let shape = String.Join(", ", actions.shape)

            raise (
                ArgumentException(
                    $"actions has shape [{shape}]; expected [{logits.shape.[0]}, {nvec.Length}] (rows of logits, length of nvec).",
                    nameof actions
                )
            )

        let chosen = actions.to_type torch.int64
        let limits = torch.tensor (nvec |> Array.map int64, device = chosen.device)

        let outside =
            (chosen.lt(0L.ToScalar()).logical_or(chosen.ge limits)).any(0L).cpu().data<bool>().ToArray()

        let bad = Array.IndexOf(outside, true)

        if bad >= 0 then
            raise (
                ArgumentException(
                    $"actions column {bad} has an entry outside 0 to {nvec.[bad] - 1} (nvec[{bad}] = {nvec.[bad]}).",
                    nameof actions
                )
            )

        let parts =
            blocks
            |> Array.mapi (fun k block -> categoricalLogProb block (chosen.select (1L, int64 k)))

        torch.stack(parts, 1L).sum(1L)

    [<CompiledName("MultiCategoricalEntropy")>]
    let multiCategoricalEntropy (logits: torch.Tensor) (nvec: int[]) =
        let blocks = requireBlocks logits nvec
        torch.stack(blocks |> Array.map categoricalEntropy, 1L).sum(1L)

    [<CompiledName("BernoulliLogProb")>]
    let bernoulliLogProb (logits: torch.Tensor) (actions: torch.Tensor) =
        Validation.requireRank (nameof logits) 2L logits
        Validation.requireRank (nameof actions) 2L actions

        if actions.shape.[0] <> logits.shape.[0] || actions.shape.[1] <> logits.shape.[1] then
            let shape = String.Join(", ", actions.shape)
            let expected = String.Join(", ", logits.shape)

            raise (ArgumentException($"actions has shape [{shape}]; expected [{expected}] as logits.", nameof actions))

        let bits = actions.to_type logits.dtype

        if (bits.ne(0.0.ToScalar()).logical_and(bits.ne (1.0.ToScalar()))).any().item<bool>() then
            raise (ArgumentException("actions has an entry that is neither 0 nor 1.", nameof actions))

        // log sigmoid(s z) with sign s = 2a - 1: log p for a = 1, log(1 - p) for a = 0, both stable.
        ((bits * 2.0 - 1.0) * logits).log_sigmoid().sum(-1L)

    [<CompiledName("BernoulliEntropy")>]
    let bernoulliEntropy (logits: torch.Tensor) =
        Validation.requireRank (nameof logits) 2L logits
        -(plogp (logits.log_sigmoid ()) + plogp ((-logits).log_sigmoid())).sum(-1L)

    [<CompiledName("SdeEpsilon")>]
    let sdeEpsilon = 1e-6

    let private features (latent: torch.Tensor) learnFeatures =
        if learnFeatures then latent else latent.detach ()

    [<CompiledName("SdeWeightStd")>]
    let sdeWeightStd (logStd: torch.Tensor) (actionDim: int64) =
        Validation.requireRank (nameof logStd) 2L logStd

        if actionDim < 1L then
            raise (ArgumentOutOfRangeException(nameof actionDim, actionDim, "actionDim must be at least 1."))

        let columns = logStd.shape.[1]

        if columns <> actionDim && columns <> 1L then
            raise (
                ArgumentException(
                    $"logStd has {columns} columns; expected {actionDim} (full_std) or 1 (one per latent feature).",
                    nameof logStd
                )
            )

        logStd.exp().expand(logStd.shape.[0], actionDim)

    [<CompiledName("SdeStd")>]
    let sdeStd (latent: torch.Tensor) (logStd: torch.Tensor) (actionDim: int64) (learnFeatures: bool) =
        Validation.requireRank (nameof latent) 2L latent
        let weights = sdeWeightStd logStd actionDim

        if latent.shape.[1] <> weights.shape.[0] then
            raise (
                ArgumentException(
                    $"latent has {latent.shape.[1]} features but logStd has {weights.shape.[0]} rows.",
                    nameof latent
                )
            )

        let z = features latent learnFeatures
        ((z * z).mm(weights * weights) + sdeEpsilon).sqrt()

    let private shapeText (t: torch.Tensor) = "[" + String.Join(", ", t.shape) + "]"

    let private requireSameShape (name: string) (t: torch.Tensor) (mean: torch.Tensor) =
        Validation.requireNotNull name t

        if t.shape <> mean.shape then
            raise (ArgumentException($"{name} has shape {shapeText t}; expected the mean's {shapeText mean}.", name))

    [<CompiledName("SdeLogProb")>]
    let sdeLogProb
        (mean: torch.Tensor)
        (logStd: torch.Tensor)
        (latent: torch.Tensor)
        (learnFeatures: bool)
        (actions: torch.Tensor)
        =
        Validation.requireRank (nameof mean) 2L mean
        requireSameShape (nameof actions) actions mean
        let std = sdeStd latent logStd mean.shape.[1] learnFeatures
        requireSameShape "the gSDE std" std mean
        let z = (actions - mean) / std
        (z * z * -0.5 - std.log () - halfLogTwoPi).sum(-1L)

    [<CompiledName("SdeEntropy")>]
    let sdeEntropy (mean: torch.Tensor) (logStd: torch.Tensor) (latent: torch.Tensor) (learnFeatures: bool) =
        Validation.requireRank (nameof mean) 2L mean
        let std = sdeStd latent logStd mean.shape.[1] learnFeatures
        requireSameShape "the gSDE std" std mean
        (std.log () + (0.5 + halfLogTwoPi)).sum(-1L)

    [<CompiledName("SdeNoise")>]
    let sdeNoise (latent: torch.Tensor) (learnFeatures: bool) (matrices: torch.Tensor) =
        Validation.requireRank (nameof latent) 2L latent
        Validation.requireNotNull (nameof matrices) matrices
        let z = features latent learnFeatures

        match matrices.dim () with
        | 2L when matrices.shape.[0] = latent.shape.[1] -> z.mm matrices
        | 3L when matrices.shape.[0] = latent.shape.[0] && matrices.shape.[1] = latent.shape.[1] ->
            z.unsqueeze(1L).bmm(matrices).squeeze(1L)
        | _ ->
            raise (
                ArgumentException(
                    $"matrices has shape {shapeText matrices}; expected [{latent.shape.[1]}, dims] or [{latent.shape.[0]}, {latent.shape.[1]}, dims] for a latent of shape {shapeText latent}.",
                    nameof matrices
                )
            )
