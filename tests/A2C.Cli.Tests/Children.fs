/// Child processes for the end-to-end tests: the built a2c started as a user starts it, POSIX
/// signals sent to it, and polling for what it writes.
module A2C.Cli.Tests.Children

open System
open System.Diagnostics
open System.IO
open System.Threading

/// The built a2c.dll beside the test app.
let a2cDll = Path.Combine(AppContext.BaseDirectory, "a2c.dll")

/// `dotnet a2c.dll ARGS` with stdout and stderr redirected, not yet started.
let a2cStartInfo (args: string list) =
    let info =
        ProcessStartInfo("dotnet", RedirectStandardOutput = true, RedirectStandardError = true)

    info.ArgumentList.Add a2cDll
    args |> List.iter info.ArgumentList.Add
    info

/// Starts `dotnet a2c.dll ARGS` with its output redirected.
let startA2c (args: string list) =
    nonNull (Process.Start(a2cStartInfo args))

/// Sends a POSIX signal (`TERM`, `INT`) to process `pid` with kill(1); false if kill did not return within ten seconds.
let signal (name: string) (pid: int) =
    use kill = Process.Start("kill", $"-{name} {pid}")
    kill.WaitForExit(TimeSpan.FromSeconds 10.0)

/// Reads a started process's output to the end and waits for it; past `limit` it is killed and the test fails. (exit code, stdout, stderr)
let finish (proc: Process) (limit: TimeSpan) =
    let out = proc.StandardOutput.ReadToEndAsync()
    let err = proc.StandardError.ReadToEndAsync()

    if not (proc.WaitForExit limit) then
        proc.Kill true

        let command =
            String.Join(" ", proc.StartInfo.FileName :: List.ofSeq proc.StartInfo.ArgumentList)

        Expecto.Tests.failtestf "%s did not finish within %O" command limit

    proc.ExitCode, out.Result, err.Result

/// Checks the condition, pausing between checks, until it holds; false at the deadline.
let pollUntil (pause: unit -> unit) (deadline: TimeSpan) (condition: unit -> bool) =
    let clock = Stopwatch.StartNew()
    let mutable met = condition ()

    while not met && clock.Elapsed < deadline do
        pause ()
        met <- condition ()

    met

/// Polls every few milliseconds until the condition holds; false at the deadline.
let waitUntil = pollUntil (fun () -> Thread.Sleep 2)
