namespace A2C.Core

open System
open TorchSharp

/// Argument checks shared by the public modules: each error names the argument at fault.
module internal Validation =

    let requireNotNull (name: string) (value: obj | null) =
        if isNull value then
            raise (ArgumentNullException(name))

    let requireFinite (name: string) (data: float32[]) =
        requireNotNull name data
        let bad = Array.FindIndex(data, fun x -> not (Single.IsFinite x))

        if bad >= 0 then
            raise (ArgumentException($"{name}[{bad}] is {data.[bad]}; every value must be finite.", name))

    let requireUnitInterval (name: string) (x: float32) =
        if not (x >= 0f && x <= 1f) then
            raise (ArgumentOutOfRangeException(name, x, $"{name} must be in [0, 1]."))

    let requireRank (name: string) (rank: int64) (t: torch.Tensor) =
        requireNotNull name t

        if t.dim () <> rank then
            let shape = String.Join(", ", t.shape)
            raise (ArgumentException($"{name} has shape [{shape}]; expected {rank} dimension(s).", name))
