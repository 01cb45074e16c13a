module A2C.Training.Tests.HelperThreadTests

open System
open System.Threading
open System.Threading.Tasks
open A2C.Training
open Expecto

/// Runs `body` on a thread pool thread and fails if it does not end within `seconds` (a lost
/// wake-up would otherwise hang the test run).
let private within (seconds: float) (body: unit -> unit) =
    let task = Task.Run body
    Expect.isTrue (task.Wait(TimeSpan.FromSeconds seconds)) $"finished within {seconds} s"

[<Tests>]
let tests =
    testList
        "helper thread"
        [
            test "Run returns after both pieces ran, the helper's on another thread" {
                use helper = new HelperThread()
                let caller = Environment.CurrentManagedThreadId
                let mutable there = -1
                let mutable here = -1

                helper.Run(
                    (fun () -> there <- Environment.CurrentManagedThreadId),
                    (fun () -> here <- Environment.CurrentManagedThreadId)
                )

                Expect.equal here caller "here runs on the caller"
                Expect.notEqual there caller "there runs on the helper"
                Expect.isGreaterThan there 0 "and has finished"
            }

            test "many runs back to back, and runs after the helper went to sleep, each run both pieces once" {
                within 60.0 (fun () ->
                    use helper = new HelperThread()
                    let mutable there = 0
                    let mutable here = 0

                    for i in 1..200_000 do
                        helper.Run((fun () -> there <- there + 1), (fun () -> here <- here + 1))

                        // Now and then idle past the spin, so the next post must wake a sleeping helper.
                        if i % 20_000 = 0 then
                            Thread.Sleep(HelperThread.IdleSpin * 5.0)

                    for _ in 1..50 do
                        Thread.Sleep(HelperThread.IdleSpin * 3.0)
                        helper.Run((fun () -> there <- there + 1), (fun () -> here <- here + 1))

                    Expect.equal there 200_050 "every piece given to the helper ran once"
                    Expect.equal here 200_050 "every piece of the caller ran once")
            }

            test "the helper's exception reaches the caller after the caller's piece finished, and the next run works" {
                use helper = new HelperThread()
                let mutable hereDone = false

                let thrown =
                    Expect.throwsC
                        (fun () ->
                            helper.Run(
                                (fun () -> raise (InvalidOperationException "helper failed")),
                                (fun () ->
                                    Thread.Sleep 20
                                    hereDone <- true)
                            ))
                        id

                Expect.equal thrown.Message "helper failed" "the helper's exception, unchanged"
                Expect.isTrue hereDone "the caller's piece had finished"
                let mutable ran = false
                helper.Run((fun () -> ran <- true), ignore)
                Expect.isTrue ran "the helper still runs work"
            }

            test "the caller's exception wins, and Run still waits for the helper's piece" {
                use helper = new HelperThread()
                let mutable thereDone = false

                let thrown =
                    Expect.throwsC
                        (fun () ->
                            helper.Run(
                                (fun () ->
                                    Thread.Sleep 50
                                    thereDone <- true
                                    raise (InvalidOperationException "helper failed")),
                                (fun () -> raise (ArgumentException "caller failed"))
                            ))
                        id

                Expect.equal thrown.Message "caller failed" "the caller's exception"
                Expect.isTrue thereDone "the helper's piece had finished before Run returned"
                // The helper's exception of that run is not carried into the next.
                helper.Run(ignore, ignore)
            }

            test "Dispose ends the thread, twice is harmless, and Run afterwards names the disposed helper" {
                within 10.0 (fun () ->
                    let helper = new HelperThread()
                    helper.Run(ignore, ignore)
                    helper.Dispose()
                    helper.Dispose()
                    Expect.throwsT<ObjectDisposedException> (fun () -> helper.Run(ignore, ignore)) "refused")
            }
        ]
