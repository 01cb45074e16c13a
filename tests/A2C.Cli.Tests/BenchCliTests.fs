module A2C.Cli.Tests.BenchCliTests

open System.IO
open System.Text.Json
open A2C.Cli
open Expecto

let private run (args: string list) =
    use stdout = new StringWriter()
    use stderr = new StringWriter()
    let code = CliApp.Run(List.toArray args, stdout, stderr)
    code, stdout.ToString(), stderr.ToString()

/// A short bench run (2,000 steps, one repeat) with `args`: its stdout and its --json document.
let private benchJson (args: string list) =
    let path = Path.GetTempFileName()

    try
        let code, out, err =
            run ([ "bench"; "--steps"; "2000"; "--repeats"; "1"; "--json"; path ] @ args)

        Expect.equal code 0 err
        out, JsonDocument.Parse(File.ReadAllText path).RootElement.Clone()
    finally
        File.Delete path

[<Tests>]
let tests =
    testSequenced
    <| testList
        "a2c bench"
        [
            test "bench prints its figures and --json writes exactly them plus memory, machine and options" {
                let out, json = benchJson [ "--n-envs"; "4" ]

                for name in
                    [
                        "env_steps_per_s"
                        "collect_steps_per_s"
                        "train_steps_per_s"
                        "train_loop_steps_per_s"
                        "update_us"
                        "model_flops_per_step"
                        "peak_gflops"
                        "of peak"
                        "memory"
                    ] do
                    Expect.stringContains out name name

                let names = [ for p in json.EnumerateObject() -> p.Name ]

                Expect.equal
                    names
                    [
                        "env_steps_per_s"
                        "collect_steps_per_s"
                        "train_steps_per_s"
                        "train_loop_steps_per_s"
                        "update_us"
                        "model_flops_per_step"
                        "update_flops"
                        "peak_gflops"
                        "peak_vector_bits"
                        "peak_threads"
                        "achieved_gflops"
                        "efficiency"
                        "memory"
                        "machine"
                        "options"
                    ]
                    "fields"

                let figure (name: string) = json.GetProperty(name).GetDouble()

                for name in
                    [
                        "env_steps_per_s"
                        "collect_steps_per_s"
                        "train_steps_per_s"
                        "train_loop_steps_per_s"
                        "update_us"
                        "peak_gflops"
                    ] do
                    Expect.isGreaterThan (figure name) 0.0 $"{name} is positive"

                // SB3's CartPole network at n_steps 5 (counted by hand in the training tests), over 4 envs.
                Expect.floatClose Accuracy.high (figure "model_flops_per_step") 71_910.4 "flops per env step"

                Expect.floatClose
                    Accuracy.high
                    (figure "update_flops")
                    (20.0 * 52_352.0 + 4.0 * 8_832.0)
                    "flops per update"

                Expect.contains [ 128; 256; 512 ] (json.GetProperty("peak_vector_bits").GetInt32()) "vector width"
                let achieved = json.GetProperty "achieved_gflops"
                let efficiency = json.GetProperty "efficiency"

                Expect.floatClose
                    Accuracy.medium
                    (achieved.GetProperty("train").GetDouble())
                    (figure "model_flops_per_step" * figure "train_steps_per_s" / 1e9)
                    "achieved GFLOP/s are the flops times the rate"

                Expect.floatClose
                    Accuracy.medium
                    (achieved.GetProperty("update").GetDouble())
                    (figure "update_flops" / figure "update_us" / 1e3)
                    "the update's GFLOP/s from its time"

                for name in [ "train"; "train_loop"; "update" ] do
                    Expect.floatClose
                        Accuracy.medium
                        (efficiency.GetProperty(name).GetDouble())
                        (achieved.GetProperty(name).GetDouble() / figure "peak_gflops")
                        $"{name}'s share of peak"

                Expect.equal (json.GetProperty("options").GetProperty("n_envs").GetInt32()) 4 "options recorded"

                Expect.equal (json.GetProperty("options").GetProperty("threads").GetInt32()) 1 "one thread by default"

                Expect.equal (json.GetProperty("peak_threads").GetInt32()) 1 "and the peak of one"

                Expect.isGreaterThan (json.GetProperty("machine").GetProperty("cores").GetInt32()) 0 "machine recorded"
            }

            test "bench --threads 2 says so, and measures the peak of two threads at once" {
                let out, json = benchJson [ "--n-envs"; "16"; "--threads"; "2" ]
                Expect.stringContains out "engine dotnet on 2 threads" "the header"
                Expect.stringContains out "2 threads at once" "the peak's note"
                Expect.equal (json.GetProperty("options").GetProperty("threads").GetInt32()) 2 "options"
                Expect.equal (json.GetProperty("peak_threads").GetInt32()) 2 "the peak's threads"
                Expect.isGreaterThan (json.GetProperty("train_steps_per_s").GetDouble()) 0.0 "trained"
            }

            test "bad bench options are refused by name with exit 2" {
                let code, _, err =
                    run
                        [
                            "bench"
                            "--repeats"
                            "0"
                            "--net-arch"
                            "64,x"
                            "--env"
                            "Nope-v0"
                            "--threads"
                            "4"
                        ]

                Expect.equal code CliApp.UsageError "exit code"

                for expected in [ "--repeats is 0"; "--net-arch"; "Nope-v0"; "threads is 4" ] do
                    Expect.stringContains err expected expected
            }
        ]
