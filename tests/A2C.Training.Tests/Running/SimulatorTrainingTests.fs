/// Training over simulators that push: the trainer's whole loop, and agent, learner and rollout
/// stream composed by hand.
module A2C.Training.Tests.Running.SimulatorTrainingTests

open System
open System.Reactive.Concurrency
open System.Reactive.Linq
open A2C.Envs
open A2C.Envs.Simulators
open A2C.Envs.Spaces
open A2C.Training
open Expecto
open TorchSharp
open A2C.Envs.Tests.Simulators.SimulatorFakes
open A2C.Training.Tests.Helpers

[<Tests>]
let tests =
    testSequenced
    <| testList
        "simulators that push: training"
        [
            test "Trainer trains on the adapter like on any env: whole loop, episodes and reports" {
                let envs = [ for _ in 1..4 -> Registry.Make "CartPole-v1" ]

                let adapter =
                    new SimulatorVectorEnv(
                        [ for e in envs -> EnvSimulator(e).Endpoint ],
                        Box(Single.NegativeInfinity, Single.PositiveInfinity, 4),
                        Discrete(2)
                    )

                use trainer =
                    new Trainer(A2COptions(Env = "pushed-cartpole", TotalTimesteps = 4000L), adapter)

                let result = guarded (fun () -> trainer.Run())
                Expect.equal trainer.Options.NEnvs 4 "n_envs is the adapter's"
                Expect.isGreaterThanOrEqual result.TotalTimesteps 4000L "trained the whole budget"
                Expect.isGreaterThan result.Episodes 50 "episodes were counted from the adapter"
                Expect.equal trainer.Spec.Id "pushed-cartpole" "an unregistered name gets a spec of its own"
            }

            test "Agent, Learner and the rollout stream train end to end over threaded simulators" {
                // Identity-v0: name the one-hot state for a reward of 1; episodes are truncated at
                // 100 steps, so bootstrapping from final observations is exercised too.
                let envs = [ for _ in 1..4 -> Registry.Make "Identity-v0" ]

                let sims =
                    [ for i, e in List.indexed envs -> new ThreadedSim($"walker-{i}", fromEnv e) ]

                try
                    use env =
                        new SimulatorVectorEnv(
                            [ for s in sims -> s.Endpoint ],
                            envs.[0].ObservationSpace,
                            envs.[0].ActionSpace
                        )

                    let options = A2COptions(Env = "Identity-v0", NEnvs = 4, NSteps = 5, Seed = 1)

                    use model =
                        newModel (PolicySpec(4, 4, false, NetKind.Separate, [| 64; 64 |], Activation.Tanh, true, 0f))

                    use agent = new Agent(model, 2L, torch.CPU)
                    use learner = new Learner(agent, options, torch.CPU)
                    use thread = new EventLoopScheduler()

                    // 200 updates of 4 x 5 steps: 4,000 steps. The buffer is reused: copy what is kept.
                    let updates =
                        guarded (fun () ->
                            RolloutStream
                                .CreateRollouts(env, agent, options.NSteps, Nullable options.Seed, thread)
                                .Select(fun rollout -> learner.Update(rollout, 1.0), List.ofSeq rollout.Episodes)
                                .Take(200)
                                .ToList()
                                .Wait())

                    Expect.equal updates.Count 200 "one update per rollout"

                    for stats, _ in updates do
                        Expect.isTrue (Double.IsFinite stats.TotalLoss) "finite losses"

                    let returns =
                        [
                            for _, episodes in updates do
                                for e in episodes -> e.Return
                        ]

                    Expect.equal returns.Length 40 "each of the 4 sims ends an episode every 100 of its 1,000 steps"
                    let first, last = List.take 8 returns, List.skip (returns.Length - 8) returns

                    // With these seeds: 37.5 at first, 87.75 at the end; chance is 25.
                    Expect.isGreaterThan
                        (List.average last)
                        (List.average first + 30.0)
                        $"it learns: the first 8 episodes return {List.average first}, the last 8 {List.average last}"
                finally
                    disposeAll sims

                for e in envs do
                    e.Dispose()
            }

        ]
