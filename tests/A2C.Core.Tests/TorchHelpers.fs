/// Small conveniences for tests over TorchSharp tensors.
module A2C.Core.Tests.TorchHelpers

open TorchSharp

let values32 (t: torch.Tensor) =
    t.to_type(torch.float32).data<float32>().ToArray()

let values64 (t: torch.Tensor) =
    t.to_type(torch.float64).data<float>().ToArray()

/// A leaf tensor of the given shape that collects gradients.
let leaf (shape: int64[]) (data: float[]) =
    torch.tensor(data).reshape(shape).requires_grad_(true)

let gradOf (t: torch.Tensor) = values64 (nonNull t.grad)

let vector (data: float[]) = torch.tensor (data)

let vector32 (data: float32[]) = torch.tensor (data)
