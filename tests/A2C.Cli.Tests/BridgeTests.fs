module A2C.Cli.Tests.BridgeTests

open System
open System.Diagnostics
open System.IO
open Expecto
open A2C.Cli.Tests.Children

/// The repository's root, from the test app's bin directory.
let private root =
    Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."))

/// Debian's python3, where apt puts python3-grpcio and python3-protobuf (a pyenv python on PATH would not see them).
let private python =
    if File.Exists "/usr/bin/python3" then
        "/usr/bin/python3"
    else
        "python3"

let private start (file: string) (args: string list) =
    let info =
        ProcessStartInfo(file, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root)

    args |> List.iter info.ArgumentList.Add
    nonNull (Process.Start info)

[<Tests>]
let tests =
    testSequenced
    <| testList
        "python bridge"
        [
            test "the bridge's own test suite passes (python3 -m unittest)" {
                use proc =
                    start python [ "-m"; "unittest"; "discover"; "-s"; "bridges/python"; "-p"; "test_*.py" ]

                let code, out, err = finish proc (TimeSpan.FromMinutes 2.0)

                Expect.equal
                    code
                    0
                    $"the Python tests failed (needs python3-grpcio, python3-protobuf, protobuf-compiler):\n{out}\n{err}"

                Expect.stringContains err "OK" "unittest's summary"
            }

            test "a2c train --env grpc:// solves CartPole served by the Python bridge (pure-Python CartPole)" {
                use bridge =
                    start
                        python
                        [
                            "bridges/python/gym_server.py"
                            "--env"
                            "bridges/python/envs/cartpole.py:make"
                            "--n-envs"
                            "8"
                            "--port"
                            "0"
                        ]

                try
                    let line = bridge.StandardOutput.ReadLineAsync()

                    if not (line.Wait(TimeSpan.FromSeconds 60.0)) || isNull line.Result then
                        failtestf "the bridge did not start: %s" (bridge.StandardError.ReadToEnd())

                    let text = nonNull line.Result
                    let address = "grpc://" + text.Substring(text.LastIndexOf ' ' + 1)
                    let dir = Path.Combine(Path.GetTempPath(), $"a2c-bridge-{Guid.NewGuid():N}")
                    let summary = dir + ".json"

                    try
                        use train =
                            start
                                "dotnet"
                                [
                                    Children.a2cDll
                                    "train"
                                    "--env"
                                    address
                                    "--stop-at-threshold"
                                    "--total-steps"
                                    "500000"
                                    "--eval-episodes"
                                    "10"
                                    "--run-dir"
                                    dir
                                    "--summary-json"
                                    summary
                                ]

                        let code, out, err = finish train (TimeSpan.FromMinutes 3.0)
                        Expect.equal code 0 (out + err)
                        let json = Text.Json.JsonDocument.Parse(File.ReadAllText summary).RootElement
                        Expect.isTrue (json.GetProperty("solved").GetBoolean()) out
                    finally
                        if Directory.Exists dir then
                            Directory.Delete(dir, true)

                        File.Delete summary
                finally
                    if not bridge.HasExited then
                        bridge.Kill true
                        bridge.WaitForExit()
            }
        ]
