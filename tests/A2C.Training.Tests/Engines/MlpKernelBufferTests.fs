module A2C.Training.Tests.Engines.MlpKernelBufferTests

open System
open Microsoft.FSharp.NativeInterop
open A2C.Training
open Expecto

#nowarn "9" // the address of a buffer's first element, to check its alignment

let private address (span: Span<float32>) =
    use p = fixed &System.Runtime.InteropServices.MemoryMarshal.GetReference(span)
    NativePtr.toNativeInt p

[<Tests>]
let tests =
    test "the .NET kernel's buffers start on a 64-byte boundary whatever was allocated before them" {
        for length in 1..300 do
            // A few small objects in between shift where the next array lands.
            let _ = Array.init (length % 7) (fun i -> Array.zeroCreate<byte> i)
            let buffer = MlpKernel.AlignedFloats(length)
            let span = buffer.Span length
            Expect.equal span.Length length "the length asked for"
            Expect.equal (address span % 64n) 0n $"aligned at length {length}"
    }
