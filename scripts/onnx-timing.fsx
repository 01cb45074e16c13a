// Times an exported policy.onnx in ONNX Runtime on this machine, for docs/export.md:
//   ./build.sh build && dotnet fsi scripts/onnx-timing.fsx RUN/policy.onnx
// ONNX Runtime is a test-only package here: the script loads it from the library tests' build output.
#r "../tests/A2C.Training.Tests/bin/Release/net10.0/Microsoft.ML.OnnxRuntime.dll"

open System
open System.Diagnostics
open System.IO
open Microsoft.ML.OnnxRuntime

let path = fsi.CommandLineArgs |> Array.tryItem 1 |> Option.defaultWith (fun () -> failwith "usage: dotnet fsi scripts/onnx-timing.fsx POLICY.onnx")
let options = new SessionOptions(IntraOpNumThreads = 1)
let session = new InferenceSession(path, options)
let input = session.InputMetadata["obs"]
let width = input.Dimensions |> Array.skip 1 |> Array.fold (*) 1
let outputs = session.OutputMetadata.Keys |> Array.ofSeq
let rng = Random 1
printfn "%s: %d bytes, obs [batch, %s], outputs %s" path (FileInfo path).Length (String.Join(", ", input.Dimensions |> Array.skip 1)) (String.Join(", ", outputs))

for batch in [ 1; 64 ] do
    let data = Array.init (batch * width) (fun _ -> float32 (rng.NextDouble() - 0.5))
    let shape = Array.append [| int64 batch |] (input.Dimensions |> Array.skip 1 |> Array.map int64)
    use value = OrtValue.CreateTensorValueFromMemory(data, shape)
    use run = new RunOptions()
    let once () = session.Run(run, [| "obs" |], [| value |], outputs).Dispose()
    for _ in 1..500 do once ()
    let times =
        Array.init 20 (fun _ ->
            let clock = Stopwatch.StartNew()
            for _ in 1..500 do once ()
            clock.Elapsed.TotalMicroseconds / 500.0)
        |> Array.sort
    printfn "batch %2d: median %.1f us per call (fastest %.1f, slowest %.1f; 20 x 500 calls, one intra-op thread)" batch times[10] times[0] times[19]
