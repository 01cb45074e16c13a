module A2C.Cli.Tests.SpacesTrainingTests

open System
open System.IO
open System.Text.Json
open Expecto

let private run (args: string list) =
    use stdout = new StringWriter()
    use stderr = new StringWriter()
    let code = A2C.Cli.CliApp.Run(List.toArray args, stdout, stderr)
    code, stdout.ToString(), stderr.ToString()

let private shipped =
    Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "hyperparams", "a2c.yml"))

let private tempDir () =
    Path.Combine(Path.GetTempPath(), "a2c-spaces-" + Guid.NewGuid().ToString("N"))

[<Tests>]
let tests =
    testSequenced
    <| testList
        "structured spaces end to end"
        [
            // Each new test env, from its hyperparams/a2c.yml entry, as a user would run it.
            for id, policy, engine in
                [
                    "IdentityMultiDiscrete-v0", "MlpPolicy", "dotnet"
                    "IdentityMultiBinary-v0", "MlpPolicy", "dotnet"
                    "ImageIdentity-v0", "CnnPolicy", "torch"
                    "SimpleMultiObs-v0", "MultiInputPolicy", "torch"
                ] do
                test
                    $"a2c train --stop-at-threshold solves {id} ({policy}, engine {engine}) and eval of its checkpoint agrees" {
                    let dir = tempDir ()
                    let summary = dir + "-summary.json"

                    let code, out, err =
                        run
                            [
                                "train"
                                "--env"
                                id
                                "--hyperparams"
                                shipped
                                "--seed"
                                "1"
                                "--stop-at-threshold"
                                "--run-dir"
                                dir
                                "--summary-json"
                                summary
                            ]

                    Expect.equal code 0 err
                    let json = JsonDocument.Parse(File.ReadAllText summary).RootElement
                    Expect.isTrue (json.GetProperty("solved").GetBoolean()) out

                    let config =
                        JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json"))).RootElement

                    Expect.equal (config.GetProperty("policy").GetString()) policy "config.json records the policy"
                    Expect.equal (config.GetProperty("engine").GetString()) "auto" "the engine as asked"

                    let code, out, err =
                        run
                            [
                                "eval"
                                "--checkpoint"
                                Path.Combine(dir, "checkpoint.zip")
                                "--episodes"
                                "10"
                            ]

                    Expect.equal code 0 err
                    Expect.stringContains out "100.00 ± 0.00" $"the saved policy is the trained one: {out}"
                    Directory.Delete(dir, true)
                    File.Delete summary
                }

            test "a policy that does not fit the env's spaces is refused before anything is written (exit 2)" {
                let dir = tempDir ()

                let code, _, err =
                    run [ "train"; "--env"; "CartPole-v1"; "--policy"; "CnnPolicy"; "--run-dir"; dir ]

                Expect.equal code 2 err
                Expect.stringContains err "CnnPolicy reads images" "why"
                Expect.isFalse (Directory.Exists dir) "nothing written"

                let code, _, err =
                    run [ "train"; "--env"; "ImageIdentity-v0"; "--engine"; "dotnet"; "--run-dir"; dir ]

                Expect.equal code 2 err
                Expect.stringContains err "--engine torch" "names the engine that runs it"
                Expect.isFalse (Directory.Exists dir) "nothing written"
            }

            test
                "env trace takes MultiDiscrete actions as arrays and prints Dict observations by key; a bad action is named" {
                let code, out, err =
                    run
                        [
                            "env"
                            "trace"
                            "--env"
                            "IdentityMultiDiscrete-v0"
                            "--seed"
                            "1"
                            "--actions"
                            "[[0,1],[2,3]]"
                        ]

                Expect.equal code 0 err
                let first = JsonDocument.Parse(out.Split('\n')[0]).RootElement
                Expect.equal (first.GetProperty("obs").GetArrayLength()) 2 "two integers"

                let code, out, err =
                    run
                        [
                            "env"
                            "trace"
                            "--env"
                            "SimpleMultiObs-v0"
                            "--seed"
                            "1"
                            "--actions"
                            "[0]"
                        ]

                Expect.equal code 0 err
                let obs = JsonDocument.Parse(out.Split('\n')[0]).RootElement.GetProperty("obs")
                Expect.equal (obs.GetProperty("image").GetArrayLength()) 1296 "the image key"
                Expect.equal (obs.GetProperty("vec").GetArrayLength()) 2 "the vector key"

                let code, _, err =
                    run [ "env"; "trace"; "--env"; "IdentityMultiDiscrete-v0"; "--actions"; "[[0,4]]" ]

                Expect.equal code 2 err

                Expect.stringContains
                    err
                    "choice 1 is 4, outside [0, 3] of MultiDiscrete([3, 4])"
                    "names the choice and the space"
            }
        ]
