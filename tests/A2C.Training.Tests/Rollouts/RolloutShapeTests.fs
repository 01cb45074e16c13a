module A2C.Training.Tests.Rollouts.RolloutShapeTests

open System
open System.Reactive.Concurrency
open System.Reactive.Linq
open A2C.Envs.Vector
open A2C.Training
open Expecto

/// Pushes the cart away from the way the pole leans, so CartPole episodes end within a few steps; V(s) = x.
type private TopplingPolicy() =
    interface IPolicy with
        member _.Act(observations, count, discrete, _, values) =
            for i in 0 .. count - 1 do
                discrete.[i] <- if observations.[i * 4 + 2] > 0f then 0 else 1
                values.[i] <- observations.[i * 4]

        member _.Values(observations, count, values) =
            for i in 0 .. count - 1 do
                values.[i] <- observations.[i * 4]

/// One step's fields, copied out of its view.
type private Step =
    {
        Step: int64
        Observations: float32[]
        Actions: int[]
        Values: float32[]
        Rewards: float32[]
        Terminated: bool[]
        Truncated: bool[]
        FinalValues: float32[]
        NextObservations: float32[]
        Episodes: EpisodeStats[]
    }

let private copy (b: StepBatch) =
    {
        Step = b.Step
        Observations = b.Observations.ToArray()
        Actions = b.DiscreteActions.ToArray()
        Values = b.Values.ToArray()
        Rewards = b.Rewards.ToArray()
        Terminated = b.Terminated.ToArray()
        Truncated = b.Truncated.ToArray()
        FinalValues = b.FinalValues.ToArray()
        NextObservations = b.NextObservations.ToArray()
        Episodes = b.FinishedEpisodes.ToArray()
    }

let private envs = 3
let private nSteps = 5
let private rolloutCount = 12

let private newEnv () = VectorEnv.Make("CartPole-v1", envs)

[<Tests>]
let tests =
    testSequenced
    <| testList
        "rollout shape"
        [
            test "the step stream, its rollouts and the trainer's reused buffer hold the same steps" {
                use env1 = newEnv ()
                use env2 = newEnv ()
                use env3 = newEnv ()

                let steps =
                    RolloutStream
                        .Create(env1, TopplingPolicy(), Nullable 0, Scheduler.CurrentThread)
                        .Take(nSteps * rolloutCount)
                        .Select(copy)
                        .ToList()
                        .Wait()
                    |> List.ofSeq

                let viaRollouts =
                    RolloutStream
                        .Create(env2, TopplingPolicy(), Nullable 0, Scheduler.CurrentThread)
                        .Rollouts(nSteps)
                        .Take(rolloutCount)
                        .ToList()
                        .Wait()

                // The trainer's form refills one buffer: read it within OnNext.
                let viaBuffer =
                    RolloutStream
                        .CreateRollouts(env3, TopplingPolicy(), nSteps, Nullable 0, Scheduler.CurrentThread)
                        .Take(rolloutCount)
                        .Select(fun rollout -> [ for b in rollout -> copy b ])
                        .ToList()
                        .Wait()
                    |> Seq.concat
                    |> List.ofSeq

                let fromRollouts =
                    [
                        for r in viaRollouts do
                            for b in r -> copy b
                    ]

                Expect.equal fromRollouts steps "Rollouts(n): the same steps as the step stream, field by field"
                Expect.equal viaBuffer steps "CreateRollouts: the same steps again"
                Expect.equal [ for s in steps -> s.Step ] [ 0L .. int64 (nSteps * rolloutCount - 1) ] "steps in order"

                let episodes = steps |> List.collect (fun s -> List.ofArray s.Episodes)
                Expect.isGreaterThan episodes.Length 5 "episodes ended along the way"

                Expect.equal
                    [
                        for r in viaRollouts do
                            yield! r.Episodes
                    ]
                    episodes
                    "each rollout's episodes are its steps' episodes"

                for s in steps do
                    for e in s.Episodes do
                        Expect.isTrue
                            (s.Terminated.[e.Env] || s.Truncated.[e.Env])
                            $"episode of env {e.Env} ends in step {s.Step}"

                for before, after in List.pairwise steps do
                    Expect.equal
                        before.NextObservations
                        after.Observations
                        $"s_t+1 of step {before.Step} is s_t of the next"
            }

            test "a step is a view of its rollout's arrays, and Rollouts(n) gives a new rollout each time" {
                use env = newEnv ()

                let rollouts =
                    RolloutStream
                        .Create(env, TopplingPolicy(), Nullable 0, Scheduler.CurrentThread)
                        .Rollouts(nSteps)
                        .Take(2)
                        .ToList()
                        .Wait()

                Expect.isFalse (Object.ReferenceEquals(rollouts.[0], rollouts.[1])) "two rollouts, two buffers"
                let rollout = rollouts.[1]
                Expect.equal rollout.Count nSteps "a rollout is its n steps"
                let step = rollout.[2]
                Expect.isTrue (Object.ReferenceEquals(step.Rollout, rollout)) "the step's rollout"
                Expect.equal step.Step (rollout.FirstStep + 2L) "its index since the stream started"
                Expect.equal step.Rewards.Length envs "one reward per env"
                rollout.Rewards.[2 * envs + 1] <- 42f
                Expect.equal step.Rewards.[1] 42f "the view reads the buffer, not a copy"

                Expect.equal
                    (step.NextObservations.ToArray())
                    (rollout.[3].Observations.ToArray())
                    "s_t+1 within the rollout"

                Expect.equal
                    (rollout.[nSteps - 1].NextObservations.ToArray())
                    rollout.NextObservations
                    "the last step's s_t+1 is the rollout's bootstrap observations"

                Expect.throwsT<ArgumentOutOfRangeException> (fun () -> rollout.[nSteps] |> ignore) "past the last step"
            }

            test "the trainer's form refills one buffer; a hand-filled buffer keeps its episodes on the last step" {
                use env = newEnv ()

                let seen =
                    RolloutStream
                        .CreateRollouts(env, TopplingPolicy(), nSteps, Nullable 0, Scheduler.CurrentThread)
                        .Take(3)
                        .ToList()
                        .Wait()

                Expect.isTrue
                    (Object.ReferenceEquals(seen.[0], seen.[1])
                     && Object.ReferenceEquals(seen.[1], seen.[2]))
                    "one buffer, refilled"

                let rollout = RolloutBuffer(2, 1, 4, 1, true)
                rollout.Episodes.Add(EpisodeStats(0, 3.0, 3, true))
                Expect.equal rollout.[0].FinishedEpisodes.Length 0 "none placed on the first step"

                Expect.equal
                    (rollout.[1].FinishedEpisodes.ToArray())
                    [| EpisodeStats(0, 3.0, 3, true) |]
                    "the last step"
            }
        ]
