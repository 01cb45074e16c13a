module A2C.Training.Tests.RunDirectory.TensorBoardEventsTests

open System
open System.IO
open A2C.Training
open A2C.Training.Tests.RunDirectory
open Expecto

let private tempDir () =
    Path.Combine(Path.GetTempPath(), "a2c-events-" + Guid.NewGuid().ToString("N"))

[<Tests>]
let tests =
    testList
        "tensorboard events"
        [
            test "DropAfter cuts each event file before its first step past the checkpoint, and a record cut short" {
                let dir = tempDir ()
                let writer = TorchSharp.torch.utils.tensorboard.SummaryWriter dir

                for step in 1..10 do
                    writer.add_scalar ("train/policy_loss", float32 step, step * 100)
                    writer.add_scalar ("time/fps", 1000f, step * 100)

                let file = Directory.GetFiles dir |> Array.exactlyOne
                let whole = File.ReadAllBytes file
                // Half a record, as a kill between TorchSharp's two writes of an event leaves it.
                do
                    use stream = new FileStream(file, FileMode.Append)
                    stream.Write(whole, 0, 20)

                TensorBoardEvents.DropAfter(dir, 500L)
                let events = EventFiles.read file
                Expect.equal events.Head.Tags [] "the file_version record is kept"

                Expect.equal
                    (EventFiles.scalars dir)
                    [
                        for step in 1L .. 5L do
                            yield "train/policy_loss", step * 100L
                            yield "time/fps", step * 100L
                    ]
                    "the events up to step 500, in order"

                let cut = File.ReadAllBytes file
                Expect.sequenceEqual cut whole.[.. cut.Length - 1] "the kept part is the file's start, byte for byte"
                TensorBoardEvents.DropAfter(dir, 500L)
                Expect.sequenceEqual (File.ReadAllBytes file) cut "cutting again at the same step changes nothing"
                TensorBoardEvents.DropAfter(dir, 0L)
                Expect.equal (EventFiles.read file).Length 1 "step 0: only the header record is left"
                Directory.Delete(dir, true)
            }

            test "DropAfter on a run without a tensorboard directory does nothing" {
                TensorBoardEvents.DropAfter(tempDir (), 100L)
            }
        ]
