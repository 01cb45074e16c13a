module A2C.Cli.Tests.FaultTests

open System
open System.IO
open System.Threading
open A2C.Envs
open A2C.Envs.Vector
open A2C.Cli
open A2C.Training
open Expecto
open System.Reactive.Linq

/// An env whose `faulty`-th instance misbehaves at its `at`-th step: "nan-obs", "inf-reward",
/// "nan-reward-each-episode" (every episode's 7th step) or "hang" (sleeps 20 s).
type private Faulty(kind: string, faulty: bool, at: int) =
    inherit Env("Faulty-v0", Spaces.Box(-10f, 10f, 2), Spaces.Discrete(2))
    let mutable t = 0
    let mutable total = 0

    override _.OnReset(obs) =
        t <- 0
        obs.[0] <- 0f
        obs.[1] <- 0f

    override _.OnStep(action: int, obs: Span<float32>) =
        t <- t + 1
        total <- total + 1
        obs.[0] <- float32 (t % 5) / 5f
        obs.[1] <- float32 action
        let mutable reward = 1.0

        if faulty then
            match kind with
            | "nan-obs" when total = at -> obs.[1] <- nanf
            | "inf-reward" when total = at -> reward <- infinity
            | "nan-reward-each-episode" when t = 7 -> reward <- nan
            | "hang" when total = at -> Thread.Sleep 20_000
            | _ -> ()

        StepResult(reward, (t = 20), false)

/// Registers `id` once: instance 1 of every vector env made from it is the faulty one.
let private register (id: string) (kind: string) (at: int) =
    if not (Registry.Specs |> Seq.exists (fun s -> s.Id = id)) then
        let made = ref 0

        let make () =
            let index = Interlocked.Increment(&made.contents) - 1
            let faulty = index % 2 = 1
            new Faulty(kind, faulty, at) :> IEnv

        Registry.Register(EnvSpec(id, Func<IEnv>(make), Nullable 100, Nullable(), "a test env that misbehaves"))

let private tempDir () =
    Path.Combine(Path.GetTempPath(), $"a2c-fault-{Guid.NewGuid():N}")

/// Runs the CLI in this process: (exit code, stdout, stderr).
let private cli (args: string list) =
    use stdout = new StringWriter()
    use stderr = new StringWriter()
    let code = CliApp.Run(List.toArray args, stdout, stderr)
    code, stdout.ToString(), stderr.ToString()

let private noStackTrace (text: string) =
    Expect.isFalse (text.Contains "   at ") $"no stack trace on stderr:\n{text}"

[<Tests>]
let tests =
    testSequenced
    <| testList
        "faults"
        [
            test "an env that returns a NaN observation stops training, naming the env, the element and the step" {
                register "NaNObservation-v0" "nan-obs" 50
                let dir = tempDir ()

                let code, _, err =
                    cli
                        [
                            "train"
                            "--env"
                            "NaNObservation-v0"
                            "--n-envs"
                            "2"
                            "--total-steps"
                            "5000"
                            "--run-dir"
                            dir
                        ]

                Expect.equal code 1 err

                Expect.stringContains
                    err
                    "environment 1 returned observation[1] = NaN at step 49"
                    "env, element, value, step"

                noStackTrace err
                Directory.Delete(dir, true)
            }

            test "an env that returns an infinite reward stops training, naming it" {
                register "InfReward-v0" "inf-reward" 30
                let dir = tempDir ()

                let code, _, err =
                    cli
                        [
                            "train"
                            "--env"
                            "InfReward-v0"
                            "--n-envs"
                            "2"
                            "--total-steps"
                            "5000"
                            "--run-dir"
                            dir
                        ]

                Expect.equal code 1 err
                Expect.stringContains err "environment 1 returned reward = Infinity at step 29" "env, value, step"
                noStackTrace err
                Directory.Delete(dir, true)
            }

            test "--nan-policy skip drops each rollout that saw a NaN, counts it, and trains the budget" {
                register "NaNEachEpisode-v0" "nan-reward-each-episode" 0
                let dir = tempDir ()
                let summary = dir + ".json"

                let code, _, err =
                    cli
                        [
                            "train"
                            "--env"
                            "NaNEachEpisode-v0"
                            "--n-envs"
                            "2"
                            "--total-steps"
                            "4000"
                            "--nan-policy"
                            "skip"
                            "--eval-episodes"
                            "0"
                            "--run-dir"
                            dir
                            "--summary-json"
                            summary
                        ]

                Expect.equal code 0 err
                let json = Text.Json.JsonDocument.Parse(File.ReadAllText summary).RootElement
                let skipped = json.GetProperty("skipped_rollouts").GetInt64()
                Expect.isGreaterThan skipped 10L "every episode of env 1 has a NaN reward"

                Expect.isGreaterThanOrEqual
                    (json.GetProperty("total_timesteps").GetInt64())
                    4000L
                    "the budget was trained"

                Expect.stringContains
                    err
                    "dropped a rollout (--nan-policy skip): environment 1 returned reward = NaN"
                    "each drop is reported"

                Expect.stringContains
                    (File.ReadAllText(Path.Combine(dir, "config.json")))
                    "\"nan_policy\": \"skip\""
                    "recorded"

                Directory.Delete(dir, true)
                File.Delete summary
            }

            test "an env that hangs stops training at --env-step-timeout, naming it, with the last checkpoint intact" {
                register "Hangs-v0" "hang" 400
                let dir = tempDir ()
                let clock = Diagnostics.Stopwatch.StartNew()

                let code, _, err =
                    cli
                        [
                            "train"
                            "--env"
                            "Hangs-v0"
                            "--n-envs"
                            "2"
                            "--total-steps"
                            "100000"
                            "--checkpoint-every"
                            "200"
                            "--env-step-timeout"
                            "0.5"
                            "--run-dir"
                            dir
                        ]

                Expect.equal code 1 err
                Expect.isLessThan clock.Elapsed.TotalSeconds 15.0 "stopped at the time limit, not after the 20 s hang"

                Expect.stringContains
                    err
                    "environment 1 (Faulty-v0) did not finish step 399 within 0.5 s"
                    "names env and step"

                Expect.stringContains err "is intact" "points at the checkpoint"
                let struct (options, _) = Checkpoint.Read(Path.Combine(dir, "checkpoint.zip"))
                Expect.equal options.EnvStepTimeout 0.5 "the checkpoint reads back, with the limit"
                noStackTrace err
                Directory.Delete(dir, true)
            }

            test "out-of-range fault options are usage errors naming them" {
                let code, _, err = cli [ "train"; "--env"; "CartPole-v1"; "--nan-policy"; "ignore" ]
                Expect.equal code 2 err
                Expect.stringContains err "--nan-policy is 'ignore'; allowed: fail, skip." "nan policy"

                let code, _, err =
                    cli [ "train"; "--env"; "CartPole-v1"; "--env-step-timeout"; "-1" ]

                Expect.equal code 2 err
                Expect.stringContains err "--env-step-timeout is -1; allowed: 0 (no limit) to 86400 seconds." "timeout"

                let code, _, err =
                    cli [ "train"; "--resume"; "no-such/checkpoint.zip"; "--remote-timeout"; "0" ]

                Expect.equal code 2 err

                Expect.stringContains
                    err
                    "--remote-timeout is 0; allowed: more than 0, up to 86400 seconds."
                    "checked on resume too"
            }

            for engine in [ Engine.DotNet; Engine.Torch ] do
                test
                    $"a blown-up model (a learning rate gone wrong): the update is refused and the parameters stay as they were ({engine})" {
                    let options = A2COptions(NEnvs = 2, NSteps = 4)
                    use vec = VectorEnv.Make("CartPole-v1", 2)

                    let spec =
                        PolicySpec(4, 2, false, NetKind.Separate, [| 16 |], Activation.Tanh, true, 0f)

                    use model = ActorCritic.Seeded(spec, 1L)
                    use agent = new Agent(model, 2L, TorchSharp.torch.CPU, engine)
                    use learner = new Learner(agent, options, TorchSharp.torch.CPU)
                    let flat = nonNull model.Flat.Host
                    // The critic's bias far beyond any return: the squared error overflows float32.
                    flat.[model.Flat.Layout.CriticHead.Bias] <- 1e30f

                    let rollout: RolloutBuffer =
                        RolloutStream
                            .CreateRollouts(
                                vec,
                                agent,
                                4,
                                Nullable 0,
                                System.Reactive.Concurrency.Scheduler.CurrentThread
                            )
                            .Take(1)
                            .Wait()

                    let before = Array.copy flat

                    Expect.throwsT<NonFiniteUpdateException>
                        (fun () -> learner.Update(rollout, 1.0) |> ignore)
                        "refused"

                    Expect.sequenceEqual flat before "every parameter as it was"
                }
        ]
