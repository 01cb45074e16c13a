namespace A2C.Core

open System
open TorchSharp

[<RequireQualifiedAccess>]
module Distributions =

    let private halfLogTwoPi = 0.5 * Math.Log(2.0 * Math.PI)

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
        let logP = logits.log_softmax (-1L)
        // p log p with p = 0 is 0; clamping keeps 0 * -inf from becoming NaN (as torch's Categorical does).
        let finite = logP.clamp_min (torch.finfo(logP.dtype).min)
        -(finite * logP.exp ()).sum(-1L)

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
