module A2C.Cli.Tests.CliTests

open System
open System.Diagnostics
open System.IO
open Expecto
open A2C.Cli

/// Runs the CLI in-process and returns (exit code, stdout, stderr).
let private run (args: string list) =
    use stdout = new StringWriter()
    use stderr = new StringWriter()
    let code = CliApp.Run(List.toArray args, stdout, stderr)
    code, stdout.ToString(), stderr.ToString()

/// Runs the built a2c.dll as a child process, as a user would, and returns (exit code, stdout, stderr).
let private runProcessWith (configure: ProcessStartInfo -> unit) (args: string list) =
    let info = Children.a2cStartInfo args
    configure info
    use proc = nonNull (Process.Start info)
    Children.finish proc (TimeSpan.FromMinutes 2.0)

let private runProcess = runProcessWith ignore

/// Whether the system's own libstdc++ (not our private copy) exports what TorchSharp's shim needs.
let systemLibstdcxxIsNewEnough () =
    [
        "/lib/x86_64-linux-gnu/libstdc++.so.6"
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6"
        "/usr/lib64/libstdc++.so.6"
    ]
    |> List.tryFind File.Exists
    |> Option.map (fun path -> File.ReadAllText(path, Text.Encoding.Latin1).Contains "GLIBCXX_3.4.32")

[<Tests>]
let tests =
    testSequenced
    <| testList
        "cli"
        [
            test "--help lists the commands and exits 0" {
                let code, out, _ = run [ "--help" ]
                Expect.equal code 0 "exit code"
                Expect.stringContains out "version" "help lists `version`"
                Expect.stringContains out "train" "help lists `train`"
            }

            test "version reports a2c, TorchSharp 0.107.0, libtorch 2.10 and the device" {
                let code, out, err = run [ "version" ]
                Expect.equal code 0 $"exit code (stderr: {err})"
                Expect.stringContains out $"a2c         {CliApp.AppVersion}" "app version"
                Expect.stringContains out "TorchSharp  0.107.0" "TorchSharp version"
                Expect.stringContains out "libtorch    2.10" "libtorch version reported by the native library"
                Expect.stringContains out "device      cpu" "CPU-only build uses the CPU"
            }

            test "an unknown command is an error that names it, with a non-zero exit" {
                let code, _, err = run [ "tarin" ]
                Expect.notEqual code 0 "exit code"
                Expect.stringContains err "tarin" "the error names what was wrong"
            }

            test "the built program runs as a child process: a2c version exits 0" {
                let code, out, err = runProcess [ "version" ]
                Expect.equal code 0 $"exit code (stderr: {err})"
                Expect.stringContains out "libtorch" "prints the libtorch version"
            }

            test "without the private libstdc++ on an old system, a2c version names the missing GLIBCXX version" {
                match systemLibstdcxxIsNewEnough () with
                | Some false when OperatingSystem.IsLinux() ->
                    let withoutPrivateCopy (info: ProcessStartInfo) =
                        info.Environment.Remove "LD_LIBRARY_PATH" |> ignore

                    let code, out, err = runProcessWith withoutPrivateCopy [ "version" ]
                    Expect.equal code CliApp.Failure $"exit code (stdout: {out})"
                    Expect.stringContains err "GLIBCXX_3.4.32" "the loader's reason is shown"
                    Expect.stringContains err "./a2c" "the message says how to run it"
                    let copied = Path.Combine(AppContext.BaseDirectory, "cpu")
                    Expect.isFalse (Directory.Exists copied) "no copy of libtorch is made beside the program"
                | _ -> skiptest "the system's libstdc++ is new enough (or this is not Linux x64): nothing to diagnose"
            }
        ]
