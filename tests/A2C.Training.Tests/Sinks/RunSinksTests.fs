module A2C.Training.Tests.Sinks.RunSinksTests

open System
open System.IO
open A2C.Training
open A2C.Training.Tests.RunDirectory
open Expecto

let private tempDir () =
    Path.Combine(Path.GetTempPath(), "a2c-sinks-" + Guid.NewGuid().ToString("N"))

[<Tests>]
let tests =
    testList
        "run sinks"
        [
            test
                "a checkpoint is written after its update's rows: progress.csv, monitor.csv and TensorBoard reach its step first" {
                let dir = tempDir ()

                use trainer =
                    new Trainer(
                        A2COptions(Env = "CartPole-v1", NEnvs = 2, TotalTimesteps = 2000L, NetArch = [| 8 |], Seed = 1)
                    )

                use files = new RunFiles(dir, trainer.Options, "cpu", 0.0)
                // A row every 10 updates (100 steps), a checkpoint every 200 steps.
                trainer.CheckpointEvery <- 200L
                use _ = RunSinks.Subscribe(trainer, files, 10)
                let seen = ResizeArray()

                use _ =
                    trainer.Checkpoints.Subscribe(fun state ->
                        let progress = File.ReadAllLines(Path.Combine(dir, "progress.csv"))
                        let lastRow = int64 ((Array.last progress).Split(',').[0])
                        let episodes = File.ReadAllLines(Path.Combine(dir, "monitor.csv")).Length - 2
                        let written = Checkpoint.Load files.CheckpointPath
                        let events = EventFiles.scalars files.TensorBoardPath |> List.map snd |> List.max

                        seen.Add(
                            (state.Timesteps, lastRow, episodes - state.Episodes.Count, written.Timesteps, events)
                        ))

                trainer.Run() |> ignore

                Expect.equal
                    (List.ofSeq seen)
                    [ for s in 200L..200L..2000L -> s, s, 0, s, s ]
                    "at each checkpoint (step): progress.csv's last row, monitor.csv's rows beyond the episode log (none), checkpoint.zip's step and TensorBoard's last step"

                Directory.Delete(dir, true)
            }

            test "progress rows and TensorBoard scalars: every logInterval-th update and the last" {
                let report update stop =
                    UpdateReport(
                        update,
                        update * 10L,
                        0.0,
                        0,
                        Nullable(),
                        Nullable(),
                        UpdateStats(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
                        stop
                    )

                Expect.isTrue (ProgressSink.Logs(report 20L false, 10)) "update 20 of every 10"
                Expect.isFalse (ProgressSink.Logs(report 21L false, 10)) "update 21"
                Expect.isTrue (ProgressSink.Logs(report 21L true, 10)) "the last update"
            }
        ]
