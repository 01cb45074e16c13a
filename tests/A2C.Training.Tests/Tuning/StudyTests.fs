/// The study database on its own: claims stop at the trial count and number trials in order, the
/// sampler sees only complete trials, a trial's values and reports come back as stored, and a
/// running trial is failed only when its owner is gone.
module A2C.Training.Tests.StudyTests

open System
open System.IO
open A2C.Training
open Expecto
open Microsoft.Data.Sqlite

let private tempDb () =
    Path.Combine(Path.GetTempPath(), "a2c-study-" + Guid.NewGuid().ToString("N") + ".db")

/// A sampler that remembers how many complete trials it was shown.
let private sampler (seen: ResizeArray<int>) =
    Func<int, Collections.Generic.IReadOnlyList<TrialRecord>, double[]>(fun number trials ->
        seen.Add(Study.Observations(trials).Count)

        A2CSearchSpace.Parameters
        |> Seq.map (fun _ -> float (number % 2))
        |> Array.ofSeq)

/// Sets a running trial's owner and heartbeat as another process would have left them.
let private setOwner (path: string) (number: int) (owner: string) (heartbeat: float) =
    use connection = new SqliteConnection($"Data Source={path};Pooling=False")
    connection.Open()
    use command = connection.CreateCommand()
    command.CommandText <- "UPDATE trials SET owner = $owner, heartbeat = $heartbeat WHERE number = $number"
    command.Parameters.AddWithValue("$owner", owner) |> ignore
    command.Parameters.AddWithValue("$heartbeat", heartbeat) |> ignore
    command.Parameters.AddWithValue("$number", number) |> ignore
    command.ExecuteNonQuery() |> ignore

[<Tests>]
let tests =
    testList
        "study"
        [
            test "claims number trials from 0, stop at the count, and show the sampler only complete trials" {
                let path = tempDb ()
                use study = Study.Open path
                let seen = ResizeArray()

                let claim () =
                    study.Claim(3, A2CSearchSpace.Parameters, sampler seen)

                let first = claim ()
                let struct (number, _) = first.Value
                Expect.equal number 0 "trial 0"
                study.Report(0, 1, 100L, 5.0)
                study.Report(0, 2, 200L, 7.0)
                study.Finish(0, TrialState.Complete, Nullable 7.0)
                let second = claim ()
                let struct (failed, _) = second.Value
                study.Finish(failed, TrialState.Failed, message = "boom")
                let third = claim ()
                let fourth = claim ()
                Expect.isTrue third.HasValue "a failed trial does not count: a third is claimed"
                Expect.isTrue fourth.HasValue "and a fourth (0 complete, 1 failed, 2 and 3 running)"
                Expect.isFalse (claim ()).HasValue "then the study has its three"

                Expect.equal
                    (List.ofSeq seen)
                    [ 0; 1; 1; 1 ]
                    "the sampler saw the complete trial once it was complete, never the failed one"

                match List.ofSeq (study.Trials()) with
                | t0 :: t1 :: _ ->
                    Expect.equal
                        (List.ofSeq t0.Values)
                        (List.replicate A2CSearchSpace.Parameters.Count 0.0)
                        "values as suggested"

                    Expect.equal
                        (t0.Reports |> Seq.map (fun struct (s, v) -> s, v) |> List.ofSeq)
                        [ 1L, 5.0; 2L, 7.0 ]
                        "reports"

                    Expect.equal (List.ofSeq t0.Timesteps) [ 100L; 200L ] "their env steps"
                    Expect.equal t0.Objective (Nullable 7.0) "the objective"
                    Expect.equal (t1.State, t1.Message) (TrialState.Failed, "boom") "the failed one and why"
                    Expect.equal t0.Owner Study.ThisProcess "owned by this process"
                | other -> failtestf "expected trials, got %A" other
            }

            test "a running trial fails when its owner is gone: a dead local pid, or a silent other machine" {
                let path = tempDb ()
                use study = Study.Open path
                let seen = ResizeArray()

                for _ in 1..4 do
                    study.Claim(4, A2CSearchSpace.Parameters, sampler seen) |> ignore

                let now = float (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) / 1000.0
                // 0: this process (alive). 1: a local pid that does not run. 2: another machine, silent for 2 minutes. 3: another machine, just now.
                setOwner path 1 $"{Environment.MachineName}:{Int32.MaxValue}:1" now
                setOwner path 2 "elsewhere:1234:5" (now - 120.0)
                setOwner path 3 "elsewhere:1234:5" now
                Expect.equal (List.ofSeq (study.FailAbandoned())) [ 1; 2 ] "the dead and the silent"

                Expect.equal
                    (study.Trials() |> Seq.map _.State |> List.ofSeq)
                    [ TrialState.Running; TrialState.Failed; TrialState.Failed; TrialState.Running ]
                    "the others run on"
            }

            test "a file that is not SQLite is refused by name, and left as it was" {
                let path = tempDb ()
                File.WriteAllText(path, "not a database")

                Expect.throwsT<InvalidDataException> (fun () -> Study.Open path |> ignore) "refused"
                Expect.equal (File.ReadAllText path) "not a database" "untouched"
            }
        ]
