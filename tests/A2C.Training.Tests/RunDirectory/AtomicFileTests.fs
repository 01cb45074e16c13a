module A2C.Training.Tests.RunDirectory.AtomicFileTests

open System
open System.Collections.Concurrent
open System.IO
open A2C.Training
open Expecto

let private tempDir () =
    let dir =
        Path.Combine(Path.GetTempPath(), "a2c-atomic-" + Guid.NewGuid().ToString("N"))

    Directory.CreateDirectory dir |> ignore
    dir

/// The files under `dir` whose directory `work` flushed after renaming them, in order.
let private synced (dir: string) work =
    let seen = ConcurrentQueue<string>()

    let handler =
        Action<string>(fun path ->
            if path.StartsWith dir then
                seen.Enqueue path)

    AtomicFile.add_DirectorySynced handler

    try
        work ()
    finally
        AtomicFile.remove_DirectorySynced handler

    List.ofSeq seen

[<Tests>]
let tests =
    testList
        "atomic files"
        [
            test "a replaced file is whole, no temporary file is left, and its directory is flushed after each rename" {
                let dir = tempDir ()
                let path = Path.Combine(dir, "config.json")

                let seen =
                    synced dir (fun () ->
                        RunFiles.WriteAtomically(path, "one")
                        RunFiles.WriteAtomically(path, [| 116uy; 119uy; 111uy |]))

                Expect.equal (File.ReadAllText path) "two" "the second write's content"
                Expect.isEmpty (Directory.GetFiles(dir, "*.tmp")) "no temporary file"

                if not (OperatingSystem.IsWindows()) then
                    Expect.equal seen [ path; path ] "the directory is flushed after each of the two renames"

                Directory.Delete(dir, true)
            }

            test "a write that fails names the file and leaves the previous file and no temporary file" {
                let dir = tempDir ()
                let missing = Path.Combine(dir, "gone", "model.bin")
                let error = Expect.throwsC (fun () -> RunFiles.WriteAtomically(missing, "x")) id
                Expect.isTrue (error :? IOException) $"an IOException ({error.GetType().Name})"
                Expect.stringStarts error.Message $"cannot write '{missing}': " "names the file"
                let path = Path.Combine(dir, "summary.json")
                RunFiles.WriteAtomically(path, "before")

                Expect.throwsT<InvalidOperationException>
                    (fun () -> AtomicFile.Write(path, fun _ -> invalidOp "the writer failed"))
                    "the writer's own error passes through"

                Expect.equal (File.ReadAllText path) "before" "the previous file is untouched"
                Expect.isEmpty (Directory.GetFiles(dir, "*.tmp")) "no temporary file"
                Directory.Delete(dir, true)
            }
        ]
