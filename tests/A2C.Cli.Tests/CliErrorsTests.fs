/// The one exception mapper (issue 14): each kind of failure becomes "command: message" and its exit
/// code; what it does not know goes on as the bug it is.
module A2C.Cli.Tests.CliErrorsTests

open System
open System.IO
open A2C.Cli
open A2C.Envs
open A2C.Envs.Remote
open A2C.Training
open Expecto

/// Runs `action` under the mapper as command "a2c test"; returns (exit code, stderr).
let private mapped (action: unit -> int) =
    use stderr = new StringWriter()
    let code = CliErrors.Run("a2c test", stderr, Func<int> action)
    code, stderr.ToString()

let private throws (e: exn) = mapped (fun () -> raise e)

[<Tests>]
let tests =
    testList
        "cli errors"
        [
            test "bad input is exit 2 with the exception's message" {
                for e in
                    [
                        CheckpointException("'x.zip' is not a checkpoint.") :> exn
                        UnknownEnvironmentException("Nope-v0", [ "CartPole-v1" ])
                        InvalidDataException("'config.json' is not valid JSON.")
                        CliErrors.Usage("--state has 3 numbers.")
                    ] do
                    let code, err = throws e
                    Expect.equal code CliApp.UsageError $"{e.GetType().Name}: exit 2"

                    Expect.equal
                        err
                        $"a2c test: {e.Message}{Environment.NewLine}"
                        $"{e.GetType().Name}: one line, the message"
            }

            test "a failure at run time is exit 1 with the exception's message" {
                for e in
                    [
                        RemoteEnvironmentException("grpc://127.0.0.1:1 did not answer.") :> exn
                        RolloutException(3, 17L, InvalidOperationException("the simulator died"))
                        NonFiniteUpdateException("the loss is NaN.")
                        NativeLibraryLoadException("libtorch is missing")
                        FileErrors.CannotWrite("/x/summary.json", IOException("No space left on device", 28))
                        CliErrors.Failure("cannot listen on 127.0.0.1:1: in use")
                    ] do
                    let code, err = throws e
                    Expect.equal code CliApp.Failure $"{e.GetType().Name}: exit 1"

                    Expect.equal
                        err
                        $"a2c test: {e.Message}{Environment.NewLine}"
                        $"{e.GetType().Name}: one line, the message"
            }

            test "other I/O failures are exit 1 in plain words" {
                let code, err =
                    throws (UnauthorizedAccessException "Access to the path '/x' is denied.")

                Expect.equal code CliApp.Failure "exit 1"
                Expect.equal err $"a2c test: permission denied.{Environment.NewLine}" "FileErrors.Reason's words"
                let code, err = throws (IOException("Read-only file system", 30))
                Expect.equal code CliApp.Failure "exit 1"

                Expect.equal
                    err
                    $"a2c test: the file system is read-only.{Environment.NewLine}"
                    "FileErrors.Reason's words"
            }

            test "a stop by a signal is the signal's exit code, with nothing printed" {
                let code, err = throws (OperationCanceledException())

                Expect.isTrue
                    (code = CliApp.InterruptedBySigint || code = CliApp.InterruptedBySigterm)
                    $"130 or 143, not {code}"

                Expect.equal err "" "the command has said what is kept"
            }

            test "what the mapper does not know is a bug: it goes on with its stack trace" {
                Expect.throwsT<NullReferenceException>
                    (fun () -> throws (NullReferenceException()) |> ignore)
                    "not swallowed"

                Expect.throwsT<ArgumentException> (fun () -> throws (ArgumentException "x") |> ignore) "not swallowed"
                Expect.isFalse (CliErrors.Describe(FormatException()).HasValue) "no words for it"
            }

            test "success and a command's own exit codes pass through untouched" {
                Expect.equal (mapped (fun () -> 0)) (0, "") "0"
                Expect.equal (mapped (fun () -> CliApp.Failure)) (CliApp.Failure, "") "1"
            }

            test "reading: a missing file is bad input in the caller's words, another failure names the path" {
                let missing =
                    Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "plan.json")

                let code, err =
                    mapped (fun () ->
                        CliErrors.Reading(missing, (fun () -> File.ReadAllText missing), "no plan here.").Length)

                Expect.equal
                    (code, err)
                    (CliApp.UsageError, $"a2c test: no plan here.{Environment.NewLine}")
                    "exit 2, the words given"

                let code, err =
                    mapped (fun () -> CliErrors.Reading(missing, (fun () -> File.ReadAllText missing)).Length)

                Expect.equal code CliApp.UsageError "exit 2 without words of the caller's too"
                Expect.stringContains err missing "the exception's own message names the file"

                let code, err =
                    mapped (fun () ->
                        CliErrors
                            .Reading<string>("/x", (fun () -> raise (UnauthorizedAccessException "denied")), "unused")
                            .Length)

                Expect.equal
                    (code, err)
                    (CliApp.Failure, $"a2c test: cannot read '/x': permission denied.{Environment.NewLine}")
                    "exit 1"
            }

            test "writing: a failure is 'cannot write PATH: reason.', exit 1" {
                let code, err =
                    mapped (fun () ->
                        CliErrors.Writing(
                            "/x/plot.png",
                            (fun () -> raise (IOException("No space left on device", 28)))
                        )

                        0)

                Expect.equal
                    (code, err)
                    (CliApp.Failure,
                     $"a2c test: cannot write '/x/plot.png': no space left on device.{Environment.NewLine}")
                    "exit 1"
            }
        ]
