module A2C.Cli.Tests.RemoteTests

open System
open System.Diagnostics
open System.IO
open System.Threading
open A2C.Envs.Remote
open Expecto
open A2C.Cli.Tests.Children

/// Starts `a2c serve` on a free port and returns the process and its grpc:// address.
let private startServe (envId: string) (n: int) =
    let proc = startA2c [ "serve"; "--env"; envId; "--n-envs"; string n; "--port"; "0" ]

    let line = proc.StandardOutput.ReadLineAsync()

    if not (line.Wait(TimeSpan.FromSeconds 30.0)) || isNull line.Result then
        proc.Kill true
        failtestf "a2c serve did not report its address: %s" (proc.StandardError.ReadToEnd())

    let text = nonNull line.Result
    let address = text.Substring(text.IndexOf "grpc://").Split(';').[0]
    proc, address

let private stop (proc: Process) =
    if not proc.HasExited then
        proc.Kill true
        proc.WaitForExit()

/// A remote session still works: spec, reset and one step.
let private stillServes (address: string) =
    use env =
        RemoteVectorEnv.Connect(address, RemoteEnvOptions(Timeout = TimeSpan.FromSeconds 10.0))

    env.Reset(Nullable 1)
    env.Step(ReadOnlySpan(Array.zeroCreate<int> env.NumEnvs))
    Expect.equal env.Rewards.Length env.NumEnvs "a new session steps normally"

[<Tests>]
let tests =
    testSequenced
    <| testList
        "remote"
        [
            test
                "a client of protocol version 2 from before rendering (old_peer.py) is served by a2c serve, which renders, as before" {
                let serve, address = startServe "CartPole-v1" 2

                try
                    let root =
                        Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."))

                    let python =
                        if File.Exists "/usr/bin/python3" then
                            "/usr/bin/python3"
                        else
                            "python3"

                    let info =
                        ProcessStartInfo(
                            python,
                            RedirectStandardOutput = true,
                            RedirectStandardError = true,
                            WorkingDirectory = root
                        )

                    [
                        "bridges/python/testdata/old_peer.py"
                        address.Substring "grpc://".Length
                        "3"
                    ]
                    |> List.iter info.ArgumentList.Add

                    use peer = nonNull (Process.Start info)
                    let code, out, err = finish peer (TimeSpan.FromMinutes 1.0)
                    Expect.equal code 0 (out + err)
                    let json = Text.Json.JsonDocument.Parse(out).RootElement
                    Expect.equal (json.GetProperty("env_id").GetString()) "CartPole-v1" "the spec"
                    Expect.equal (json.GetProperty("rewards").GetArrayLength()) 3 "three steps"
                    Expect.isGreaterThan (json.GetProperty("unknown_spec_bytes").GetInt32()) 0 "render info it skips"
                finally
                    stop serve
            }

            test "a2c serve + a2c train --env grpc://: CartPole solves over loopback" {
                let serve, address = startServe "CartPole-v1" 8
                let dir = Path.Combine(Path.GetTempPath(), $"a2c-remote-{Guid.NewGuid():N}")
                let summary = dir + ".json"

                try
                    use train =
                        startA2c
                            [
                                "train"
                                "--env"
                                address
                                "--stop-at-threshold"
                                "--total-steps"
                                "400000"
                                "--eval-episodes"
                                "20"
                                "--run-dir"
                                dir
                                "--summary-json"
                                summary
                            ]

                    let out = train.StandardOutput.ReadToEndAsync()
                    let err = train.StandardError.ReadToEndAsync()
                    Expect.isTrue (train.WaitForExit(TimeSpan.FromMinutes 2.0)) "training ends"
                    Expect.equal train.ExitCode 0 (err.Result + out.Result)
                    let json = Text.Json.JsonDocument.Parse(File.ReadAllText summary).RootElement
                    Expect.isTrue (json.GetProperty("solved").GetBoolean()) out.Result
                    let config = File.ReadAllText(Path.Combine(dir, "config.json"))
                    Expect.stringContains config "\"n_envs\": 8" "n_envs is the server's"
                finally
                    stop serve

                    if Directory.Exists dir then
                        Directory.Delete(dir, true)

                    File.Delete summary
            }

            test "a server that dies mid-run stops training with a message naming it; the last checkpoint stays intact" {
                let serve, address = startServe "CartPole-v1" 8
                let dir = Path.Combine(Path.GetTempPath(), $"a2c-remote-{Guid.NewGuid():N}")

                try
                    use train =
                        startA2c
                            [
                                "train"
                                "--env"
                                address
                                "--total-steps"
                                "50000000"
                                "--checkpoint-every"
                                "20000"
                                "--remote-timeout"
                                "5"
                                "--run-dir"
                                dir
                            ]

                    let err = train.StandardError.ReadToEndAsync()
                    let checkpoint = Path.Combine(dir, "checkpoint.zip")
                    let deadline = DateTime.UtcNow.AddSeconds 60.0

                    while not (File.Exists checkpoint) && DateTime.UtcNow < deadline do
                        Thread.Sleep 50

                    Expect.isTrue (File.Exists checkpoint) "a checkpoint was written before the server died"
                    stop serve
                    Expect.isTrue (train.WaitForExit(TimeSpan.FromSeconds 30.0)) "training stops, it does not hang"
                    Expect.equal train.ExitCode 1 err.Result
                    Expect.stringContains err.Result address "the message names the server"
                    Expect.stringContains err.Result "is intact" "and says where the checkpoint is"
                    let struct (options, _) = A2C.Training.Checkpoint.Read checkpoint
                    Expect.equal options.Env address "the checkpoint reads back"
                finally
                    stop serve

                    if Directory.Exists dir then
                        Directory.Delete(dir, true)
            }

            test "a client that disconnects mid-episode, or is killed, ends only its own session" {
                let serve, address = startServe "CartPole-v1" 4

                try
                    let env = RemoteVectorEnv.Connect(address)
                    env.Reset(Nullable 0)
                    env.Step(ReadOnlySpan [| 0; 1; 0; 1 |])
                    env.Dispose()
                    stillServes address

                    use client =
                        startA2c
                            [
                                "train"
                                "--env"
                                address
                                "--total-steps"
                                "50000000"
                                "--run-dir"
                                Path.Combine(Path.GetTempPath(), $"a2c-remote-{Guid.NewGuid():N}")
                            ]

                    Thread.Sleep 3000
                    client.Kill true
                    client.WaitForExit()
                    stillServes address
                    Expect.isFalse serve.HasExited "the server is still up"
                finally
                    stop serve
            }

            test "a2c serve: an unknown env id is a usage error listing the known ones" {
                use proc = startA2c [ "serve"; "--env"; "NoSuchEnv-v9"; "--port"; "0" ]
                let err = proc.StandardError.ReadToEnd()
                proc.WaitForExit()
                Expect.equal proc.ExitCode 2 err
                Expect.stringContains err "NoSuchEnv-v9" "names the id"
                Expect.stringContains err "CartPole-v1" "lists known ids"
            }

            test
                "a2c train and bench: a malformed grpc address is a usage error; an unreachable server fails naming it, writing nothing" {
                use malformed = startA2c [ "train"; "--env"; "grpc://no port here" ]
                let err = malformed.StandardError.ReadToEnd()
                malformed.WaitForExit()
                Expect.equal malformed.ExitCode 2 err
                Expect.stringContains err "grpc://HOST:PORT" "shows the expected form"

                use malformedBench = startA2c [ "bench"; "--env"; "grpc://127.0.0.1" ]
                let err = malformedBench.StandardError.ReadToEnd()
                malformedBench.WaitForExit()
                Expect.equal malformedBench.ExitCode 2 $"a2c bench too: {err}"
                Expect.stringContains err "grpc://HOST:PORT" "a2c bench shows the expected form"
                let dir = Path.Combine(Path.GetTempPath(), $"a2c-remote-{Guid.NewGuid():N}")

                use unreachable =
                    startA2c
                        [
                            "train"
                            "--env"
                            "grpc://127.0.0.1:1"
                            "--remote-timeout"
                            "5"
                            "--run-dir"
                            dir
                        ]

                let err = unreachable.StandardError.ReadToEnd()
                unreachable.WaitForExit()
                Expect.equal unreachable.ExitCode 1 err
                Expect.stringContains err "grpc://127.0.0.1:1" "names the server"
                Expect.isFalse (Directory.Exists dir) "no run dir was created"
            }
        ]
