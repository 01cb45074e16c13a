module A2C.Cli.Tests.HyperparamsTests

open System
open System.IO
open A2C.Core
open A2C.Cli
open A2C.Training
open Expecto

/// The repository's shipped file, from the test app's bin directory.
let private shipped =
    Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "hyperparams", "a2c.yml"))

let private withFile (text: string) (use': string -> unit) =
    let path = Path.Combine(Path.GetTempPath(), $"a2c-zoo-{Guid.NewGuid():N}.yml")
    File.WriteAllText(path, text)

    try
        use' path
    finally
        File.Delete path

let private apply (path: string) (envId: string) =
    let errors = ResizeArray()
    let options = ZooHyperparams.Apply(A2COptions(Env = envId), path, envId, errors)
    options, List.ofSeq errors

/// RL Zoo's idioms: a tag, an anchor with a merge key, lin_ schedules, policy_kwargs as Python.
let private zooStyle =
    """
Base-v0: &defaults
  normalize: true
  n_envs: 4
  n_timesteps: !!float 2e5
  policy: 'MlpPolicy'
  learning_rate: lin_7e-4
  policy_kwargs: "dict(log_std_init=-2, ortho_init=False, activation_fn=nn.ReLU, net_arch=dict(pi=[32, 32], vf=[32, 32]))"

Derived-v0:
  <<: *defaults
  n_envs: 2
  gamma: 0.95

Exotic-v0:
  policy: 'TransformerPolicy'
  env_wrapper: sb3_contrib.common.wrappers.TimeFeatureWrapper
  frame_stack: 4
  n_stepz: 5
  normalize: "{'norm_obs': True, 'norm_reward': False}"
  policy_kwargs: "dict(optimizer_class=SGD, net_arch=[64, 64])"
  gamma: high
"""

[<Tests>]
let tests =
    testList
        "hyperparams"
        [
            test "the shipped hyperparams/a2c.yml applies to all five classic-control envs without a problem" {
                for id in
                    [
                        "CartPole-v1"
                        "Acrobot-v1"
                        "MountainCar-v0"
                        "Pendulum-v1"
                        "MountainCarContinuous-v0"
                    ] do
                    let options, errors = apply shipped id
                    Expect.isEmpty errors $"{id}: no problem"
                    Expect.isEmpty (options.Validate()) $"{id}: valid options"

                let cartPole, _ = apply shipped "CartPole-v1"
                Expect.equal (cartPole.NEnvs, cartPole.TotalTimesteps) (8, 500_000L) "CartPole: 8 envs, 5e5 steps"
                let acrobot, _ = apply shipped "Acrobot-v1"
                Expect.equal (acrobot.NEnvs, acrobot.Normalize) (16, true) "Acrobot: 16 envs, normalized"
                let pendulum, _ = apply shipped "Pendulum-v1"
                Expect.equal pendulum.NSteps 8 "n_steps"
                Expect.equal pendulum.LearningRate (Schedule.Linear(7e-4, 0.0)) "lin_7e-4"
                Expect.equal (pendulum.LogStdInit, pendulum.OrthoInit) (-2f, false) "policy_kwargs"

                Expect.equal
                    (pendulum.UseSde, pendulum.SdeSampleFreq)
                    (true, -1)
                    "Pendulum: gSDE, resampled per rollout"

                let car, _ = apply shipped "MountainCarContinuous-v0"

                Expect.equal
                    (car.UseSde, car.SdeSampleFreq, car.NSteps)
                    (true, 16, 100)
                    "MountainCarContinuous: gSDE every 16 steps"
            }

            test "RL Zoo's idioms: tags, anchors with merge keys, lin_ schedules, policy_kwargs" {
                withFile zooStyle (fun path ->
                    let derived, errors = apply path "Derived-v0"
                    Expect.isEmpty errors "no problem"
                    Expect.equal derived.NEnvs 2 "the entry's own key wins over the merged one"
                    Expect.equal derived.Normalize true "merged from the anchor"
                    Expect.equal derived.TotalTimesteps 200_000L "!!float 2e5"
                    Expect.equal derived.Gamma 0.95f "own key"
                    Expect.equal derived.Activation Activation.Relu "activation_fn=nn.ReLU"
                    Expect.sequenceEqual derived.NetArch [ 32; 32 ] "net_arch=dict(pi=..., vf=...)")
            }

            test "RL Zoo's CNN idioms: CnnPolicy, RMSpropTFLike with its eps, the extractor's width" {
                let text =
                    "Cnn-v0:\n  policy: 'CnnPolicy'\n  policy_kwargs: \"dict(optimizer_class=RMSpropTFLike, optimizer_kwargs=dict(eps=1e-5), features_extractor_kwargs=dict(features_dim=256))\"\n"

                withFile text (fun path ->
                    let options, errors = apply path "Cnn-v0"
                    Expect.isEmpty errors "no problem"
                    Expect.equal options.Policy PolicyKind.Cnn "policy"
                    Expect.isTrue options.RmsPropTfLike "optimizer_class"
                    Expect.equal options.RmsPropEps 1e-5f "optimizer_kwargs' eps"
                    Expect.equal options.FeaturesDim 256 "features_dim")
            }

            test "unknown and unsupported keys are reported by name, never dropped" {
                withFile zooStyle (fun path ->
                    let _, errors = apply path "Exotic-v0"
                    let all = String.Join("\n", errors)
                    Expect.stringContains all "policy: 'TransformerPolicy'" "policy"

                    Expect.stringContains
                        all
                        "env_wrapper: not supported: Python env wrappers do not apply to .NET envs"
                        "a Python wrapper"

                    Expect.stringContains all "frame_stack: not supported" "frame_stack"
                    Expect.stringContains all "n_stepz: unknown key" "a typo"

                    Expect.stringContains
                        all
                        "normalize: '{'norm_obs': True, 'norm_reward': False}' is not true or false"
                        "normalize as a dict"

                    Expect.stringContains all "policy_kwargs: not supported: optimizer_class SGD" "policy_kwargs"

                    Expect.stringContains all "gamma: 'high' is not a number" "a wrong value"
                    Expect.equal errors.Length 7 "one message per problem"
                    let _, missing = apply path "Nowhere-v0"

                    Expect.stringContains
                        missing.Head
                        "has no entry for Nowhere-v0 (it has: Base-v0, Derived-v0, Exotic-v0)"
                        "no entry")
            }

            test "a2c train refuses --use-sde with discrete actions and with --engine dotnet, saying why" {
                let run (args: string[]) =
                    use stderr = new StringWriter()
                    let dir = Path.Combine(Path.GetTempPath(), $"a2c-sde-refused-{Guid.NewGuid():N}")

                    let code =
                        CliApp.Run(Array.append [| "train"; "--run-dir"; dir |] args, new StringWriter(), stderr)

                    Expect.isFalse (Directory.Exists dir) "no run dir left behind"
                    code, stderr.ToString()

                let code, stderr = run [| "--env"; "CartPole-v1"; "--use-sde"; "true" |]
                Expect.equal code 2 stderr

                Expect.stringContains
                    stderr
                    "use_sde needs a Box action space; CartPole-v1 has Discrete(2) actions"
                    "discrete actions"

                let code, stderr =
                    run [| "--env"; "Pendulum-v1"; "--use-sde"; "true"; "--engine"; "dotnet" |]

                Expect.equal code 2 stderr
                Expect.stringContains stderr "--engine is dotnet; allowed: auto or torch with use_sde" "the .NET engine"
                Expect.stringContains stderr "use --engine torch" "the fix"
            }

            test "a2c train --hyperparams: the entry applies, options given override it, a bad file is a usage error" {
                let dir = Path.Combine(Path.GetTempPath(), $"a2c-zoo-run-{Guid.NewGuid():N}")
                use stdout = new StringWriter()
                use stderr = new StringWriter()

                let code =
                    CliApp.Run(
                        [|
                            "train"
                            "--env"
                            "Acrobot-v1"
                            "--hyperparams"
                            shipped
                            "--total-steps"
                            "2000"
                            "--eval-episodes"
                            "0"
                            "--run-dir"
                            dir
                        |],
                        stdout,
                        stderr
                    )

                Expect.equal code 0 (stderr.ToString())
                let config = File.ReadAllText(Path.Combine(dir, "config.json"))
                Expect.stringContains config "\"n_envs\": 16" "from the file"
                Expect.stringContains config "\"normalize\": true" "from the file"
                Expect.stringContains config "\"total_timesteps\": 2000" "the command line wins"
                Directory.Delete(dir, true)

                withFile zooStyle (fun path ->
                    use stderr = new StringWriter()

                    let code =
                        CliApp.Run(
                            [| "train"; "--env"; "Exotic-v0"; "--hyperparams"; path |],
                            new StringWriter(),
                            stderr
                        )

                    Expect.equal code 2 (stderr.ToString())
                    Expect.stringContains (stderr.ToString()) "env_wrapper: not supported" "names the key")
            }
        ]
