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

[<Tests>]
let tests =
    testSequenced
    <| testList
        "a2c bench"
        [
            test "bench prints the four figures and --json writes exactly them plus memory, machine and options" {
                let path = Path.GetTempFileName()

                try
                    let code, out, err =
                        run
                            [
                                "bench"
                                "--steps"
                                "2000"
                                "--repeats"
                                "1"
                                "--n-envs"
                                "4"
                                "--json"
                                path
                            ]

                    Expect.equal code 0 err

                    for name in
                        [
                            "env_steps_per_s"
                            "collect_steps_per_s"
                            "train_steps_per_s"
                            "update_us"
                            "memory"
                        ] do
                        Expect.stringContains out name name

                    let json = JsonDocument.Parse(File.ReadAllText path).RootElement
                    let names = [ for p in json.EnumerateObject() -> p.Name ]

                    Expect.equal
                        names
                        [
                            "env_steps_per_s"
                            "collect_steps_per_s"
                            "train_steps_per_s"
                            "update_us"
                            "memory"
                            "machine"
                            "options"
                        ]
                        "fields"

                    for name in [ "env_steps_per_s"; "collect_steps_per_s"; "train_steps_per_s"; "update_us" ] do
                        Expect.isGreaterThan (json.GetProperty(name).GetDouble()) 0.0 $"{name} is positive"

                    Expect.equal (json.GetProperty("options").GetProperty("n_envs").GetInt32()) 4 "options recorded"

                    Expect.isGreaterThan
                        (json.GetProperty("machine").GetProperty("cores").GetInt32())
                        0
                        "machine recorded"
                finally
                    File.Delete path
            }

            test "bad bench options are refused by name with exit 2" {
                let code, _, err =
                    run [ "bench"; "--repeats"; "0"; "--net-arch"; "64,x"; "--env"; "Nope-v0" ]

                Expect.equal code CliApp.UsageError "exit code"

                for expected in [ "--repeats is 0"; "--net-arch"; "Nope-v0" ] do
                    Expect.stringContains err expected expected
            }
        ]
