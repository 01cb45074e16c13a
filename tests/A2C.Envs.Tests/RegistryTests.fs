module A2C.Envs.Tests.RegistryTests

open System
open A2C.Envs
open A2C.Envs.Checking
open A2C.Envs.Wrappers
open A2C.Envs.Tests.Helpers
open Expecto

let private published =
    [
        "CartPole-v1", Some 500, Some 475.0
        "Acrobot-v1", Some 500, Some -100.0
        "MountainCar-v0", Some 200, Some -110.0
        "MountainCarContinuous-v0", Some 999, Some 90.0
        "Pendulum-v1", Some 200, None
        "LineWalk-v0", Some 100, Some 1.0
        "Identity-v0", Some 100, Some 95.0
        "IdentityContinuous-v0", Some 100, Some 95.0
    ]

[<Tests>]
let tests =
    testList
        "registry"
        [
            test "every published env is registered with Gymnasium's time limit and reward threshold" {
                for id, steps, threshold in published do
                    let spec = Registry.Spec id
                    Expect.equal (Option.ofNullable spec.MaxEpisodeSteps) steps $"{id} max steps"
                    Expect.equal (Option.ofNullable spec.RewardThreshold) threshold $"{id} threshold"
            }

            test "Make wraps the env in its time limit; the limit truncates" {
                use env = Registry.Make("LineWalk-v0", Nullable 3)
                Expect.isTrue (env :? TimeLimit) "TimeLimit outside"
                reset env 0 |> ignore
                // Alternate right/left so the walk never reaches an edge.
                let flags = [ for a in [ 1; 0; 1 ] -> (snd (stepDiscrete env a)).Truncated ]
                Expect.equal flags [ false; false; true ] "truncated on the third step"

                throws<InvalidOperationException>(fun () -> stepDiscrete env 0 |> ignore)
                |> ignore

                reset env 0 |> ignore
                Expect.isFalse (snd (stepDiscrete env 1)).Truncated "the count restarts at reset"
            }

            test "an unknown id lists the known ones and suggests the right version" {
                let e =
                    throws<UnknownEnvironmentException>(fun () -> Registry.Make "CartPole-v0" |> ignore)

                Expect.stringContains e.Message "CartPole-v1" "suggests v1"
                Expect.stringContains e.Message "Known ids" "lists the registry"

                let e2 =
                    throws<UnknownEnvironmentException>(fun () -> Registry.Make "Nope-v9" |> ignore)

                Expect.stringContains e2.Message "LineWalk-v0" "lists all"
            }

            test "the checker passes every registered env" {
                for spec in Registry.Specs do
                    let report = EnvChecker.Check(spec.Id, 2000, 0)
                    Expect.isTrue report.Passed (string report)
            }

            test "the checker catches an env that leaves its observation space and one that ignores its seed" {
                let leaky () =
                    { new Env("Leaky-v0", Spaces.Box(-1f, 1f, 1), Spaces.Discrete(2)) with
                        member _.OnReset(obs) = obs.[0] <- 0f

                        member _.OnStep(action: int, obs: Span<float32>) =
                            obs.[0] <- 2f
                            StepResult(0.0, false, false)
                    }

                let report = EnvChecker.Check(Func<IEnv>(fun () -> leaky () :> IEnv), 10, 0)
                Expect.isFalse report.Passed "2 lies outside [-1, 1]"
                Expect.stringContains (string report) "outside" "the report says what is wrong"

                let unseeded () =
                    let rng = Random()

                    { new Env("Unseeded-v0", Spaces.Box(-1f, 1f, 1), Spaces.Discrete(2)) with
                        member _.OnReset(obs) = obs.[0] <- float32 (rng.NextDouble())

                        member _.OnStep(action: int, obs: Span<float32>) =
                            obs.[0] <- float32 (rng.NextDouble())
                            StepResult(0.0, false, false)
                    }

                let report = EnvChecker.Check(Func<IEnv>(fun () -> unseeded () :> IEnv), 10, 0)

                let determinism =
                    report.Results |> Seq.find (fun r -> r.Name = "determinism under a seed")

                Expect.equal determinism.Severity CheckSeverity.Error (string report)
            }
        ]
