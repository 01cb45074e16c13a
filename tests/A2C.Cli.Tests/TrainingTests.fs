module A2C.Cli.Tests.TrainingTests

open System
open System.IO
open System.Reactive.Concurrency
open System.Reactive.Linq
open A2C.Envs
open A2C.Envs.Vector
open A2C.Training
open Expecto

/// A scripted env: episodes of `length` steps, reward 1 only on the last (terminated) step; the
/// observation is [step index, env marker]. Throws at step `failAt` when set.
type private Scripted(length: int, marker: float32, ?failAt: int) =
    inherit Env("Scripted-v0", Spaces.Box(-1000f, 1000f, 2), Spaces.Discrete(2))
    let mutable t = 0
    let mutable total = 0

    override _.OnReset(obs) =
        t <- 0
        obs.[0] <- 0f
        obs.[1] <- marker

    override _.OnStep(action: int, obs: Span<float32>) =
        total <- total + 1

        match failAt with
        | Some k when total = k -> failwith "the simulator crashed"
        | _ -> ()

        t <- t + 1
        obs.[0] <- float32 t
        obs.[1] <- marker
        let last = t = length
        StepResult((if last then 1.0 else 0.0), last, false)

/// Always action 0; V(s) = 0.5 everywhere.
type private FixedPolicy() =
    let mutable calls = 0
    member _.Calls = calls

    interface IPolicy with
        member _.Act(_, count, discrete, _, values) =
            calls <- calls + 1

            for i in 0 .. count - 1 do
                discrete.[i] <- 0
                values.[i] <- 0.5f

        member _.Values(_, count, values) =
            for i in 0 .. count - 1 do
                values.[i] <- 0.5f

let private scripted (lengths: int list) (failAt: int option) =
    let envs =
        lengths
        |> List.mapi (fun i l ->
            match failAt with
            | Some k when i = 1 -> new Scripted(l, float32 i, k) :> IEnv
            | _ -> new Scripted(l, float32 i) :> IEnv)

    new VectorEnv(ResizeArray envs)

let private runTrain (args: string list) =
    use stdout = new StringWriter()
    use stderr = new StringWriter()
    let code = A2C.Cli.CliApp.Run(List.toArray args, stdout, stderr)
    code, stdout.ToString(), stderr.ToString()

/// Reads the records of a TensorBoard event file (TFRecord framing: u64 length, u32 CRC, data, u32 CRC).
let private tfRecords (path: string) =
    let bytes = File.ReadAllBytes path
    let mutable offset = 0

    let records =
        [
            while offset + 12 <= bytes.Length do
                let length = int (BitConverter.ToUInt64(bytes, offset))
                yield bytes.[offset + 12 .. offset + 12 + length - 1]
                offset <- offset + 12 + length + 4
        ]

    records, offset = bytes.Length

let private tempDir () =
    Path.Combine(Path.GetTempPath(), "a2c-test-" + Guid.NewGuid().ToString("N"))

[<Tests>]

/// progress.csv's rows without the fps column, which is the one that depends on timing.
let private progressWithoutFps (dir: string) =
    File.ReadAllLines(Path.Combine(dir, "progress.csv"))
    |> Array.map (fun line -> line.Split(',') |> Array.removeAt 1 |> String.concat ",")

/// A seeded CartPole run with `extra` options: its progress.csv without fps, model.bin and config.json.
let private cartPoleRun (extra: string list) =
    let dir = tempDir ()

    let code, out, err =
        runTrain (
            [
                "train"
                "--env"
                "CartPole-v1"
                "--seed"
                "3"
                "--run-dir"
                dir
                "--log-interval"
                "10"
                "--eval-episodes"
                "0"
            ]
            @ extra
        )

    Expect.equal code 0 (err + out)
    let rows = progressWithoutFps dir
    let model = File.ReadAllBytes(Path.Combine(dir, "model.bin"))
    let config = File.ReadAllText(Path.Combine(dir, "config.json"))
    Directory.Delete(dir, true)
    rows, model, config

let stream =
    testSequenced
    <| testList
        "rollout stream"
        [
            test "batches have N-sized fields; dones, auto-reset and final observations land where they should" {
                use vec = scripted [ 2; 3 ] None

                let batches =
                    RolloutStream
                        .Create(vec, FixedPolicy(), Nullable 0, Scheduler.CurrentThread)
                        .Take(6)
                        .ToList()
                        .Wait()

                Expect.equal batches.Count 6 "six steps"

                for b in batches do
                    Expect.equal b.Rewards.Length 2 "one reward per env"
                    Expect.equal b.Observations.Length 4 "N x obs"

                // env 0 (length 2) ends at steps 1, 3, 5; env 1 (length 3) at steps 2, 5.
                Expect.equal
                    [ for b in batches -> b.Terminated.[0] ]
                    [ false; true; false; true; false; true ]
                    "env 0 dones"

                Expect.equal
                    [ for b in batches -> b.Terminated.[1] ]
                    [ false; false; true; false; false; true ]
                    "env 1 dones"

                let ended = batches.[1]
                Expect.equal ended.NextObservations.[0] 0f "auto-reset: the next observation starts a new episode"
                Expect.equal ended.FinishedEpisodes.Length 1 "one episode finished"
                Expect.equal (ended.FinishedEpisodes.[0].Env, ended.FinishedEpisodes.[0].Length) (0, 2) "env 0, 2 steps"
                Expect.equal batches.[2].Observations.[0] 0f "s_t of the step after a reset is the reset observation"
            }

            test "rollouts group n_steps consecutive steps" {
                use vec = scripted [ 4 ] None

                let rollouts =
                    RolloutStream
                        .Create(vec, FixedPolicy(), Nullable 0, Scheduler.CurrentThread)
                        .Rollouts(5)
                        .Take(2)
                        .ToList()
                        .Wait()

                Expect.equal
                    [ for r in rollouts -> [ for b in r -> b.Step ] ]
                    [ [ 0L .. 4L ]; [ 5L .. 9L ] ]
                    "steps in order"
            }

            test "an env that throws ends the stream with an error naming the env index and step" {
                use vec = scripted [ 5; 5 ] (Some 4)

                let error =
                    try
                        RolloutStream
                            .Create(vec, FixedPolicy(), Nullable 0, Scheduler.CurrentThread)
                            .Take(10)
                            .ToList()
                            .Wait()
                        |> ignore

                        None
                    with :? RolloutException as e ->
                        Some e

                match error with
                | Some e ->
                    Expect.equal (e.Env, e.Step) (1, 3L) "env 1 at its 4th step (step 3)"
                    Expect.stringContains e.Message "the simulator crashed" "the cause"
                | None -> failtest "expected a RolloutException"
            }

            test "the immediate scheduler, which could never be stopped, is refused" {
                use vec = scripted [ 3 ] None

                Expect.throwsT<ArgumentException>
                    (fun () ->
                        RolloutStream.Create(vec, FixedPolicy(), Nullable 0, Scheduler.Immediate)
                        |> ignore)
                    "Immediate"
            }

            test "disposal stops stepping" {
                use vec = scripted [ 3 ] None
                let policy = FixedPolicy()
                use scheduler = new EventLoopScheduler()
                let seen = Collections.Concurrent.ConcurrentQueue<int64>()

                let subscription =
                    RolloutStream.Create(vec, policy, Nullable 0, scheduler).Subscribe(fun b -> seen.Enqueue b.Step)

                Threading.SpinWait.SpinUntil((fun () -> seen.Count >= 10), TimeSpan.FromSeconds 10.0)
                |> ignore

                subscription.Dispose()
                Threading.Thread.Sleep 100
                let after = policy.Calls
                Threading.Thread.Sleep 200
                Expect.equal policy.Calls after "no steps after disposal"
            }
        ]

/// A model for the scripted env (2 observations, 2 actions) whose critic is the constant c.
let private constantCritic (c: float32) =
    let spec =
        PolicySpec(2, 2, false, NetKind.Separate, [| 8 |], Activation.Tanh, true, 0f)

    let model = new ActorCritic(spec)
    use _ = TorchSharp.torch.no_grad ()

    for struct (name, p) in model.named_parameters () do
        if name.StartsWith "_criticHead" then
            if name.EndsWith "bias" then
                p.fill_ (TorchSharp.Scalar.op_Implicit (float c)) |> ignore
            else
                p.zero_ () |> ignore

    model

[<Tests>]
let training =
    testSequenced
    <| testList
        "training"
        [
            test
                "through the whole host: a constant critic and a reward only at the end give the hand-computed advantages" {
                // One env, episodes of 5 steps with reward 1 on the 5th (terminated), V = c everywhere.
                // With gamma 0.9 and lambda 1 the return from step t is 0.9^(4 - t): A_t = 0.9^(4 - t) - c.
                let c = 0.25f

                let options = A2COptions(NEnvs = 1, NSteps = 5, Gamma = 0.9f, GaeLambda = 1.0f)

                use model = constantCritic c
                use agent = new Agent(model, 7L, TorchSharp.torch.CPU)
                use learner = new Learner(agent, options, TorchSharp.torch.CPU)
                use vec = scripted [ 5 ] None

                let rollout =
                    RolloutStream.Create(vec, agent, Nullable 0, Scheduler.CurrentThread).Rollouts(5).Take(1).Wait()

                Expect.equal [ for b in rollout -> b.Values.[0] ] (List.replicate 5 c) "the critic is constant"
                learner.Update(rollout, 1.0) |> ignore
                let estimates = nonNull learner.LastEstimates

                let expected = [| for t in 0..4 -> 0.9 ** float (4 - t) - float c |]

                for t in 0..4 do
                    Expect.floatClose Accuracy.medium (float estimates.Advantages.[t]) expected.[t] $"A_{t}"
                    Expect.floatClose Accuracy.medium (float estimates.Returns.[t]) (0.9 ** float (4 - t)) $"R_{t}"
            }

            test "a NaN in the batch refuses the update and leaves the parameters as they were" {
                let options = A2COptions(NEnvs = 1, NSteps = 2)
                use model = constantCritic 0.1f
                use agent = new Agent(model, 7L, TorchSharp.torch.CPU)
                use learner = new Learner(agent, options, TorchSharp.torch.CPU)

                // Two steps of one env: s_0 = [1; NaN], s_1 = [0; 0], action 0, V = 0.1, reward 1, no episode end.
                let rollout = RolloutBuffer(2, 1, 2, 1, true)
                [| 1f; nanf; 0f; 0f |].CopyTo(rollout.Observations, 0)
                Array.fill rollout.Values 0 2 0.1f
                Array.fill rollout.Rewards 0 2 1f

                let snapshot () =
                    [ for p in model.parameters () -> p.data<float32>().ToArray() ]

                let before = snapshot ()

                Expect.throwsT<NonFiniteUpdateException>
                    (fun () -> learner.Update(rollout, 1.0) |> ignore)
                    "NaN observation"

                Expect.equal (snapshot ()) before "parameters unchanged"
            }

            test "two runs with the same seed write the same progress.csv (all but the fps column)" {
                let first, _, _ = cartPoleRun [ "--total-steps"; "4000" ]
                Expect.isGreaterThan first.Length 5 "rows were written"
                let second, _, _ = cartPoleRun [ "--total-steps"; "4000" ]
                Expect.sequenceEqual second first "identical"
            }

            test "--threads 2 trains to the same progress.csv and model.bin as one thread, and config.json records it" {
                let run threads =
                    cartPoleRun [ "--n-envs"; "32"; "--total-steps"; "16000"; "--threads"; threads ]

                let oneRows, oneModel, oneConfig = run "1"
                let twoRows, twoModel, twoConfig = run "2"
                Expect.isGreaterThan oneRows.Length 5 "rows were written"
                Expect.sequenceEqual twoRows oneRows "the same rows"
                Expect.isTrue (twoModel = oneModel) "the same model, byte for byte"
                Expect.stringContains oneConfig "\"threads\": 1" "one thread recorded"
                Expect.stringContains twoConfig "\"threads\": 2" "two recorded"
            }

            test "resuming from a checkpoint continues exactly as an uninterrupted run would" {
                let withoutFps = progressWithoutFps

                let whole, half = tempDir (), tempDir ()

                let common =
                    [
                        "--env"
                        "CartPole-v1"
                        "--seed"
                        "4"
                        "--log-interval"
                        "10"
                        "--eval-episodes"
                        "0"
                        "--normalize"
                    ]

                let code, _, err =
                    runTrain ([ "train"; "--total-steps"; "8000"; "--run-dir"; whole ] @ common)

                Expect.equal code 0 err

                let code, _, err =
                    runTrain ([ "train"; "--total-steps"; "4000"; "--run-dir"; half ] @ common)

                Expect.equal code 0 err
                let checkpoint = Path.Combine(half, "checkpoint.zip")
                Expect.isTrue (File.Exists checkpoint) "a final checkpoint"
                // A row written after the checkpoint (as by a run killed later) must not survive the resume.
                File.AppendAllText(Path.Combine(half, "progress.csv"), "4400,1,2,3,4,5,6,7,8\n")

                let code, _, err =
                    runTrain
                        [
                            "train"
                            "--resume"
                            checkpoint
                            "--total-steps"
                            "8000"
                            "--log-interval"
                            "10"
                            "--eval-episodes"
                            "0"
                        ]

                Expect.equal code 0 err
                Expect.sequenceEqual (withoutFps half) (withoutFps whole) "progress.csv"

                let episodes (dir: string) =
                    File.ReadAllLines(Path.Combine(dir, "monitor.csv"))
                    |> Array.skip 1
                    |> Array.map (fun l -> l.Split(',').[0..1])

                Expect.sequenceEqual (episodes half) (episodes whole) "monitor.csv returns and lengths"
                Directory.Delete(whole, true)
                Directory.Delete(half, true)
            }

            test "Identity-v0 is solved in a few thousand steps" {
                let dir = tempDir ()
                let summary = Path.Combine(dir + "-summary.json")

                let code, out, err =
                    runTrain
                        [
                            "train"
                            "--env"
                            "Identity-v0"
                            "--total-steps"
                            "20000"
                            "--seed"
                            "1"
                            "--run-dir"
                            dir
                            "--eval-episodes"
                            "20"
                            "--summary-json"
                            summary
                        ]

                Expect.equal code 0 err
                let json = Text.Json.JsonDocument.Parse(File.ReadAllText summary).RootElement
                Expect.isGreaterThanOrEqual (json.GetProperty("eval_mean_return").GetDouble()) 95.0 out
                Directory.Delete(dir, true)
                File.Delete summary
            }

            test
                "IdentityContinuous-v0 is solved by the Gaussian policy (actions clipped for the env, learned unclipped)" {
                let dir = tempDir ()
                let summary = dir + "-summary.json"

                let code, out, err =
                    runTrain
                        [
                            "train"
                            "--env"
                            "IdentityContinuous-v0"
                            "--total-steps"
                            "100000"
                            "--seed"
                            "1"
                            "--learning-rate"
                            "1e-3"
                            "--log-std-init"
                            "-1"
                            "--run-dir"
                            dir
                            "--eval-episodes"
                            "10"
                            "--summary-json"
                            summary
                        ]

                Expect.equal code 0 err
                let json = Text.Json.JsonDocument.Parse(File.ReadAllText summary).RootElement
                Expect.isGreaterThanOrEqual (json.GetProperty("eval_mean_return").GetDouble()) 95.0 out
                Directory.Delete(dir, true)
                File.Delete summary
            }

            test
                "--env-kwargs '{\"is_slippery\": false}' makes FrozenLake-v1 solvable at once; config.json keeps the kwargs; bad kwargs are exit 2 and write nothing" {
                let dir = tempDir ()
                let summary = dir + "-summary.json"

                let code, out, err =
                    runTrain
                        [
                            "train"
                            "--env"
                            "FrozenLake-v1"
                            "--env-kwargs"
                            "{\"is_slippery\": false}"
                            "--stop-at-threshold"
                            "--run-dir"
                            dir
                            "--summary-json"
                            summary
                        ]

                Expect.equal code 0 err
                let json = Text.Json.JsonDocument.Parse(File.ReadAllText summary).RootElement
                Expect.isTrue (json.GetProperty("solved").GetBoolean()) out

                Expect.equal
                    (json.GetProperty("eval_mean_return").GetDouble())
                    1.0
                    "the deterministic policy walks the shortest path every time"

                let config =
                    Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json"))).RootElement

                Expect.equal
                    (config.GetProperty("env_kwargs").GetRawText())
                    "{\n    \"is_slippery\": false\n  }"
                    "config.json"

                Directory.Delete(dir, true)
                File.Delete summary

                for kwargs, words in
                    [
                        "{\"slippery\": false}", "has no env kwarg slippery; it takes desc, map_name, is_slippery"
                        "{\"map_name\": \"9x9\"}", "\"9x9\""
                        "[1]", "a JSON object"
                    ] do
                    let bad = tempDir ()

                    let code, _, err =
                        runTrain [ "train"; "--env"; "FrozenLake-v1"; "--env-kwargs"; kwargs; "--run-dir"; bad ]

                    Expect.equal code A2C.Cli.CliApp.UsageError $"exit 2 for {kwargs}"
                    Expect.stringContains err words "names what is wrong"
                    Expect.isFalse (Directory.Exists bad) "no run dir"
            }

            test
                "FrozenLake-v1 (slippery, Discrete observations read one-hot) reaches 0.70 over 100 deterministic episodes" {
                let dir = tempDir ()
                let summary = dir + "-summary.json"

                let code, out, err =
                    runTrain
                        [
                            "train"
                            "--env"
                            "FrozenLake-v1"
                            "--total-steps"
                            "300000"
                            "--run-dir"
                            dir
                            "--summary-json"
                            summary
                        ]

                Expect.equal code 0 err
                let json = Text.Json.JsonDocument.Parse(File.ReadAllText summary).RootElement
                // Seeds 0, 1 and 2 reach 0.70, 0.71 and 0.70 at this budget; the best policy of the slippery 4x4 map reaches about 0.74.
                Expect.isTrue (json.GetProperty("solved").GetBoolean()) out
                Directory.Delete(dir, true)
                File.Delete summary
            }

            test
                "Taxi-v4 with --use-action-masks reaches its threshold (seed 0, stop at threshold); on an env without a mask the flag is exit 2" {
                let dir = tempDir ()
                let summary = dir + "-summary.json"

                let code, out, err =
                    runTrain
                        [
                            "train"
                            "--env"
                            "Taxi-v4"
                            "--use-action-masks"
                            "--stop-at-threshold"
                            "--total-steps"
                            "1000000"
                            "--eval-episodes"
                            "20"
                            "--run-dir"
                            dir
                            "--summary-json"
                            summary
                        ]

                Expect.equal code 0 err
                let json = Text.Json.JsonDocument.Parse(File.ReadAllText summary).RootElement
                // Seeds 0, 1 and 2 reach a last-100 mean of 8 after 243k, 208k and 202k steps (docs/results.md).
                Expect.isGreaterThanOrEqual (json.GetProperty("final_mean_return").GetDouble()) 8.0 out
                Expect.isLessThan (json.GetProperty("total_timesteps").GetInt64()) 1_000_000L "stopped at the threshold"

                let config =
                    Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json"))).RootElement

                Expect.isTrue (config.GetProperty("use_action_masks").GetBoolean()) "config.json keeps it"
                Directory.Delete(dir, true)
                File.Delete summary

                let bad = tempDir ()

                let code, _, err =
                    runTrain [ "train"; "--env"; "CartPole-v1"; "--use-action-masks"; "--run-dir"; bad ]

                Expect.equal code A2C.Cli.CliApp.UsageError err
                Expect.stringContains err "CartPole-v1 gives no action mask" "names the env"
                Expect.isFalse (Directory.Exists bad) "no run dir"
            }

            test
                "CliffWalking-v1 (entropy bonus 0.05) learns the optimal walk, -13; an evaluation episode that never ends is exit 1 with advice, the model kept" {
                let dir = tempDir ()
                let summary = dir + "-summary.json"

                let code, out, err =
                    runTrain
                        [
                            "train"
                            "--env"
                            "CliffWalking-v1"
                            "--ent-coef"
                            "0.05"
                            "--total-steps"
                            "300000"
                            "--run-dir"
                            dir
                            "--summary-json"
                            summary
                        ]

                Expect.equal code 0 err
                let json = Text.Json.JsonDocument.Parse(File.ReadAllText summary).RootElement
                Expect.equal (json.GetProperty("eval_mean_return").GetDouble()) -13.0 out
                Directory.Delete(dir, true)
                File.Delete summary

                // 400 steps teach seed 1's policy no way to the goal, and CliffWalking has no time limit.
                let endless = tempDir ()

                let code, _, err =
                    runTrain
                        [
                            "train"
                            "--env"
                            "CliffWalking-v1"
                            "--total-steps"
                            "400"
                            "--seed"
                            "1"
                            "--eval-episodes"
                            "1"
                            "--run-dir"
                            endless
                        ]

                Expect.equal code A2C.Cli.CliApp.Failure err
                Expect.stringContains err "ran 100,000 steps without ending" "says what happened"
                Expect.stringContains err "max_episode_steps" "and what to do"
                Expect.isTrue (File.Exists(Path.Combine(endless, "model.bin"))) "the model is kept"
                Directory.Delete(endless, true)

                let limited = tempDir ()

                let code, out, err =
                    runTrain
                        [
                            "train"
                            "--env"
                            "CliffWalking-v1"
                            "--env-kwargs"
                            "{\"max_episode_steps\": 50}"
                            "--total-steps"
                            "400"
                            "--seed"
                            "1"
                            "--eval-episodes"
                            "1"
                            "--run-dir"
                            limited
                        ]

                Expect.equal code 0 err
                Expect.stringContains out "eval: -50.00" "gym.make's time limit ends the same walk at 50 steps"
                Directory.Delete(limited, true)
            }

            test "CartPole-v1 reaches its threshold (seed 0, stop at threshold, CI-sized budget)" {
                let dir = tempDir ()
                let summary = dir + "-summary.json"

                let code, out, err =
                    runTrain
                        [
                            "train"
                            "--env"
                            "CartPole-v1"
                            "--total-steps"
                            "300000"
                            "--seed"
                            "0"
                            "--stop-at-threshold"
                            "--run-dir"
                            dir
                            "--summary-json"
                            summary
                        ]

                Expect.equal code 0 err
                let json = Text.Json.JsonDocument.Parse(File.ReadAllText summary).RootElement
                Expect.isTrue (json.GetProperty("solved").GetBoolean()) out
                // Checkpoints (every 100,000 steps by default) restart the clock; the wall time must not.
                let fps = json.GetProperty("fps").GetDouble()
                Expect.isLessThan fps 1e6 $"a plausible rate, not time since the last checkpoint ({fps})"
                let wall = json.GetProperty("wall_seconds").GetDouble()
                let steps = json.GetProperty("total_timesteps").GetDouble()

                Expect.floatClose
                    Accuracy.low
                    (steps / wall)
                    fps
                    "fps is the whole run's steps over the whole run's wall time"

                Expect.isGreaterThanOrEqual (json.GetProperty("eval_mean_return").GetDouble()) 475.0 out
                Directory.Delete(dir, true)
                File.Delete summary
            }
        ]

[<Tests>]
let cli =
    testSequenced
    <| testList
        "a2c train / eval"
        [
            test
                "train writes config.json, progress.csv, monitor.csv (SB3 format), model.bin and the summary; eval reads the model" {
                let dir = tempDir ()
                let summary = dir + "-summary.json"

                let code, out, err =
                    runTrain
                        [
                            "train"
                            "--env"
                            "LineWalk-v0"
                            "--total-steps"
                            "2000"
                            "--n-envs"
                            "4"
                            "--run-dir"
                            dir
                            "--log-interval"
                            "20"
                            "--eval-episodes"
                            "5"
                            "--summary-json"
                            summary
                        ]

                Expect.equal code 0 err
                Expect.stringContains out "eval:" "prints the evaluation"

                for file in [ "config.json"; "progress.csv"; "monitor.csv"; "model.bin" ] do
                    Expect.isTrue (File.Exists(Path.Combine(dir, file))) file

                let config =
                    Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json"))).RootElement

                for name in
                    [
                        "n_steps"
                        "gamma"
                        "gae_lambda"
                        "ent_coef"
                        "vf_coef"
                        "max_grad_norm"
                        "learning_rate"
                        "normalize_advantage"
                    ] do
                    Expect.isTrue (fst (config.TryGetProperty name)) $"config.json has {name}"

                let progress = File.ReadAllLines(Path.Combine(dir, "progress.csv"))

                Expect.equal
                    progress.[0]
                    "total_timesteps,fps,ep_rew_mean,ep_len_mean,policy_loss,value_loss,entropy,explained_variance,learning_rate"
                    "header"

                let monitor = File.ReadAllLines(Path.Combine(dir, "monitor.csv"))
                Expect.stringStarts monitor.[0] "#{\"t_start\":" "JSON header line"
                Expect.stringContains monitor.[0] "\"env_id\":\"LineWalk-v0\"" "env id in the header"
                Expect.equal monitor.[1] "r,l,t" "column names"
                Expect.isGreaterThan monitor.Length 2 "episodes recorded"
                let s = Text.Json.JsonDocument.Parse(File.ReadAllText summary).RootElement

                for name in
                    [
                        "env"
                        "seed"
                        "total_timesteps"
                        "wall_seconds"
                        "fps"
                        "episodes"
                        "final_mean_return"
                        "eval_mean_return"
                        "eval_std_return"
                        "solved"
                        "run_dir"
                    ] do
                    Expect.isTrue (fst (s.TryGetProperty name)) $"summary has {name}"

                let code, out, err =
                    runTrain [ "eval"; "--checkpoint"; Path.Combine(dir, "model.bin"); "--episodes"; "5" ]

                Expect.equal code 0 err
                Expect.stringContains out "mean return" "prints mean ± std"
                Directory.Delete(dir, true)
                File.Delete summary
            }

            test "with --normalize, train saves the statistics and eval needs and uses them" {
                let dir = tempDir ()

                let code, _, err =
                    runTrain
                        [
                            "train"
                            "--env"
                            "MountainCar-v0"
                            "--normalize"
                            "--total-steps"
                            "2000"
                            "--run-dir"
                            dir
                            "--eval-episodes"
                            "0"
                        ]

                Expect.equal code 0 err
                let stats = Path.Combine(dir, "normalization.json")
                let json = Text.Json.JsonDocument.Parse(File.ReadAllText stats).RootElement
                Expect.equal (json.GetProperty("obs_mean").GetArrayLength()) 2 "one mean per observation component"

                let config =
                    Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json"))).RootElement

                Expect.isTrue (config.GetProperty("normalize").GetBoolean()) "config records it"

                let code, out, err =
                    runTrain [ "eval"; "--checkpoint"; Path.Combine(dir, "model.bin"); "--episodes"; "2" ]

                Expect.equal code 0 err
                Expect.stringContains out "mean return" "evaluated"
                File.Delete stats

                let code, _, err =
                    runTrain [ "eval"; "--checkpoint"; Path.Combine(dir, "model.bin"); "--episodes"; "2" ]

                Expect.equal code A2C.Cli.CliApp.UsageError "missing statistics"
                Expect.stringContains err "normalization.json" "names the missing file"
                Directory.Delete(dir, true)
            }

            test "bad options are rejected with exit 2 and a message that names each option; nothing is written" {
                let dir = tempDir ()

                let code, _, err =
                    runTrain
                        [
                            "train"
                            "--env"
                            "CartPole-v1"
                            "--gamma"
                            "1.5"
                            "--n-envs"
                            "0"
                            "--learning-rate"
                            "lin_fast"
                            "--net"
                            "wide"
                            "--run-dir"
                            dir
                        ]

                Expect.equal code A2C.Cli.CliApp.UsageError "exit code"

                for expected in [ "--gamma is 1.5"; "--n-envs is 0"; "lin_fast"; "--net is 'wide'" ] do
                    Expect.stringContains err expected expected

                Expect.isFalse (Directory.Exists dir) "no run dir"
                let code, _, err = runTrain [ "train"; "--env"; "CartPol-v1" ]
                Expect.equal code A2C.Cli.CliApp.UsageError "unknown env"
                Expect.stringContains err "CartPole-v1" "lists the known ids"
                let code, _, err = runTrain [ "train"; "--env"; "CartPole-v1"; "--device"; "cuda" ]
                Expect.equal code A2C.Cli.CliApp.UsageError "no CUDA build"
                Expect.stringContains err "TorchSharp-cpu" "says why"
            }

            test "a run dir that already holds a run is refused, not overwritten" {
                let dir = tempDir ()
                Directory.CreateDirectory dir |> ignore
                File.WriteAllText(Path.Combine(dir, "progress.csv"), "precious")

                let code, _, err =
                    runTrain [ "train"; "--env"; "CartPole-v1"; "--run-dir"; dir; "--total-steps"; "400" ]

                Expect.equal code A2C.Cli.CliApp.Failure "exit code"
                Expect.stringContains err "not empty" "says why"
                Expect.equal (File.ReadAllText(Path.Combine(dir, "progress.csv"))) "precious" "nothing lost"
                Directory.Delete(dir, true)
            }

            test "SIGINT and SIGTERM stop training after the current update, write model and checkpoint, exit 130 / 143" {
                for signal, expectedCode in [ "INT", 130; "TERM", 143 ] do
                    if OperatingSystem.IsWindows() then
                        skiptest "POSIX signals only"

                    let dir = tempDir ()

                    use proc =
                        Children.startA2c
                            [
                                "train"
                                "--env"
                                "CartPole-v1"
                                "--total-steps"
                                "100000000"
                                "--run-dir"
                                dir
                                "--log-interval"
                                "10"
                            ]

                    let errors = proc.StandardError.ReadToEndAsync()
                    // Wait for training to be under way: the first progress line.
                    let rec firstProgressLine () =
                        match proc.StandardOutput.ReadLine() with
                        | null -> false
                        | line when line.StartsWith "steps" -> true
                        | _ -> firstProgressLine ()

                    Expect.isTrue (firstProgressLine ()) "training started"
                    Expect.isTrue (Children.signal signal proc.Id) $"kill -{signal} returns"
                    let rest = proc.StandardOutput.ReadToEndAsync()

                    if not (proc.WaitForExit(TimeSpan.FromSeconds 60.0)) then
                        proc.Kill true
                        failtest $"a2c did not stop within a minute of SIG{signal}"

                    Expect.equal proc.ExitCode expectedCode $"SIG{signal} exit code (stderr: {errors.Result})"
                    Expect.stringContains rest.Result "done:" "it finished cleanly"
                    Expect.isTrue (File.Exists(Path.Combine(dir, "model.bin"))) "the model was written"
                    Expect.isTrue (File.Exists(Path.Combine(dir, "checkpoint.zip"))) "a checkpoint to resume from"
                    let rows = File.ReadAllLines(Path.Combine(dir, "progress.csv"))
                    Expect.isTrue (rows |> Array.forall (fun r -> r.Split(',').Length = 9)) "no torn rows"
                    Directory.Delete(dir, true)
            }

            test "eval of a missing checkpoint names it" {
                let code, _, err = runTrain [ "eval"; "--checkpoint"; "/nonexistent/model.bin" ]
                Expect.equal code A2C.Cli.CliApp.UsageError "exit code"
                Expect.stringContains err "/nonexistent/model.bin" "names the path"
            }
        ]
