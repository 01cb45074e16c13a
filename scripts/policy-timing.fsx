// Times A2C.Policy (managed, no native dependency) on an exported policy.onnx, for docs/benchmarks.md
// and docs/export.md, the same way scripts/onnx-timing.fsx times ONNX Runtime:
//   ./build.sh build && dotnet fsi scripts/policy-timing.fsx RUN/policy.onnx
#r "../src/A2C.Policy/bin/Release/net10.0/A2C.Policy.dll"

open System
open System.Diagnostics
open System.IO
open A2C.Runtime

let path = fsi.CommandLineArgs |> Array.tryItem 1 |> Option.defaultWith (fun () -> failwith "usage: dotnet fsi scripts/policy-timing.fsx POLICY.onnx")
let policy = Policy.Load path
let rng = Random 1
printfn "%s: %d bytes, %s, %d floats in, %A actions" path (FileInfo path).Length policy.Env policy.ObservationSize policy.ActionKind

/// Median, fastest and slowest of 40 rounds of 500 calls, in µs per call, after 5,000 warm-up calls
/// (enough for tiered compilation to reach its optimized code on every path).
let time (call: unit -> unit) =
    for _ in 1..5000 do call ()
    let times =
        Array.init 40 (fun _ ->
            let clock = Stopwatch.StartNew()
            for _ in 1..500 do call ()
            clock.Elapsed.TotalMicroseconds / 500.0)
        |> Array.sort
    times[20], times[0], times[39]

for batch in [ 1; 64 ] do
    let data = Array.init (batch * policy.ObservationSize) (fun _ -> float32 (rng.NextDouble() - 0.5))
    let actor = Array.zeroCreate<float32> (batch * policy.ActorSize)
    let values = Array.zeroCreate<float32> batch
    let evaluate () = policy.Evaluate(ReadOnlySpan data, Span actor, Span<float32>.Empty, Span values)
    let act () = policy.ActDeterministicBatch(ReadOnlySpan data) |> ignore
    for name, call in [ "Evaluate (logits and values into buffers)", evaluate; "ActDeterministicBatch (allocates the actions)", act ] do
        let median, fastest, slowest = time call
        printfn "batch %2d  %-46s median %.2f us per call (fastest %.2f, slowest %.2f; 40 x 500 calls, one thread)" batch name median fastest slowest
