module A2C.Training.Tests.RunDirectory.CheckpointTests

open System
open System.IO
open System.IO.Compression
open System.Reflection
open System.Security.Cryptography
open System.Text
open System.Text.Json.Nodes
open A2C.Training
open Expecto

/// Written by `a2c train --env CartPole-v1 --n-envs 2 --net-arch 8 --total-steps 400 --normalize true
/// --seed 3` at commit 8e6691f, before checkpoints were written from a TrainingState: version 2.
let private fixture =
    Path.Combine(AppContext.BaseDirectory, "RunDirectory", "checkpoint-v2.zip")

let private tempFile name =
    let dir =
        Path.Combine(Path.GetTempPath(), "a2c-checkpoint-" + Guid.NewGuid().ToString("N"))

    Directory.CreateDirectory dir |> ignore
    Path.Combine(dir, name)

let private small total =
    A2COptions(Env = "CartPole-v1", NEnvs = 2, TotalTimesteps = total, NetArch = [| 8 |], Seed = 5, Normalize = true)

let private json (bytes: byte array) = nonNull (JsonNode.Parse bytes)

/// A checkpoint of `entries` with a manifest whose checksums vouch for them, as a file made by hand.
let private forge (entries: (string * byte array) list) path =
    let struct (_, original) = Checkpoint.Read fixture
    let manifest = (json original.["manifest.json"]).AsObject()

    manifest.["sha256"] <-
        JsonObject(
            entries
            |> List.map (fun (name, data) ->
                Collections.Generic.KeyValuePair.Create(
                    name,
                    JsonValue.Create(Convert.ToHexString(SHA256.HashData data)) :> JsonNode | null
                ))
        )

    use file = File.Create path
    use zip = new ZipArchive(file, ZipArchiveMode.Create)

    for name, data in ("manifest.json", Encoding.UTF8.GetBytes(manifest.ToJsonString())) :: entries do
        use stream = zip.CreateEntry(name).Open()
        stream.Write(data, 0, data.Length)

let private sameState context (expected: TrainingState) (actual: TrainingState) =
    Expect.sequenceEqual actual.Model expected.Model $"{context}: weights"
    Expect.sequenceEqual actual.Optimizer expected.Optimizer $"{context}: optimizer"
    Expect.sequenceEqual actual.Generator expected.Generator $"{context}: sampler"
    Expect.sequenceEqual actual.Envs expected.Envs $"{context}: envs"
    Expect.equal actual.Timesteps expected.Timesteps $"{context}: steps"
    Expect.equal actual.Updates expected.Updates $"{context}: updates"
    // Seconds are wall time: only a copy has the same.
    Expect.sequenceEqual
        [ for e in actual.Episodes -> e.Return, e.Length ]
        [ for e in expected.Episodes -> e.Return, e.Length ]
        $"{context}: episode log"

    Expect.isTrue (JsonNode.DeepEquals(actual.Normalization, expected.Normalization)) $"{context}: normalization"

/// What a TorchSharp run's resume can promise: the checkpoint brings back exactly the state it saved,
/// and the run goes on to the same step with finite weights. Two TorchSharp runs of one seed in one
/// process differ in the last bit of their weights (1e-7, CartPole-v1 too), and RMSprop turns such a
/// difference in a near-zero gradient into a whole step, so their weights after more updates are
/// not compared.
let private resumesTorch context (saved: Trainer) (resumed: Trainer) (uninterrupted: Trainer) =
    sameState $"{context}, restored before running" (saved.CaptureState()) (resumed.CaptureState())
    resumed.Run() |> ignore
    Expect.equal resumed.Timesteps uninterrupted.Timesteps $"{context}: the same steps"

    Expect.isTrue (resumed.Agent.Model.Flat.All.detach().isfinite().all().item<bool>()) $"{context}: finite weights"

[<Tests>]
let tests =
    testList
        "checkpoint"
        [
            test "a version 2 checkpoint from before TrainingState loads, and saves back to the same entries" {
                let state = Checkpoint.Load fixture
                Expect.equal state.Options.Env "CartPole-v1" "env"
                Expect.equal state.Options.Seed 3 "seed"
                Expect.equal state.Options.NEnvs 2 "n_envs"
                Expect.equal state.Device "cpu" "device, from its config.json"
                Expect.equal state.Timesteps 400L "steps"
                Expect.equal state.Updates 40L "updates"
                Expect.equal state.Episodes.Count 16 "episodes"
                Expect.isNotNull state.Normalization "normalization"
                Expect.isNonEmpty state.Envs "the envs' snapshot"
                Expect.equal state.Source fixture "where it came from"
                let copy = tempFile "checkpoint.zip"
                Checkpoint.Save(state, copy)
                let struct (_, before) = Checkpoint.Read fixture
                let struct (options, after) = Checkpoint.Read copy
                Expect.sequenceEqual (Seq.sort after.Keys) (Seq.sort before.Keys) "the same entries"

                for name in [ "model.bin"; "optimizer.bin"; "generator.bin"; "envs.bin" ] do
                    Expect.sequenceEqual after.[name] before.[name] $"{name}, byte for byte"

                Expect.isTrue
                    (JsonNode.DeepEquals(json after.["trainer.json"], json before.["trainer.json"]))
                    "trainer.json: the same counters, episode log and normalization"

                Expect.equal
                    (options.Env, options.Seed, options.NEnvs, List.ofSeq options.NetArch, options.Normalize)
                    ("CartPole-v1", 3, 2, [ 8 ], true)
                    "config.json: the same options"
            }

            test "a trainer restored from a captured state continues exactly as an uninterrupted run" {
                use uninterrupted = new Trainer(small 400L)
                uninterrupted.Run() |> ignore
                use first = new Trainer(small 200L)
                first.Run() |> ignore
                let half = first.CaptureState()
                use resumed = new Trainer(small 400L)
                resumed.Restore half
                let restored = resumed.CaptureState()
                sameState "restored, before running" half restored
                Expect.sequenceEqual restored.Episodes half.Episodes "restored: the episode log with its times"
                resumed.Run() |> ignore
                let expected = uninterrupted.CaptureState()
                let actual = resumed.CaptureState()
                sameState "after the rest of the run" expected actual
                // The state is a copy: the run goes on without changing it.
                Expect.equal half.Timesteps 200L "the captured state stays at its step"
            }

            test "a gSDE run resumed from its checkpoint file restores its state exactly and runs on (TorchSharp)" {
                // Resampling every 3 of 5 steps: a rollout starts between resamplings' schedules.
                let sde total =
                    A2COptions(
                        Env = "Pendulum-v1",
                        NEnvs = 2,
                        NSteps = 5,
                        TotalTimesteps = total,
                        NetArch = [| 8 |],
                        Seed = 4,
                        Normalize = true,
                        UseSde = true,
                        SdeSampleFreq = 3,
                        FullStd = false,
                        LogStdInit = -1f
                    )

                use uninterrupted = new Trainer(sde 400L)
                Expect.equal uninterrupted.Agent.Engine Engine.Torch "auto picks torch for gSDE"
                uninterrupted.Run() |> ignore
                use first = new Trainer(sde 200L)
                first.Run() |> ignore
                let path = tempFile "checkpoint.zip"
                first.SaveCheckpoint path

                use resumed =
                    Trainer.Resume(path, fun o -> Hyperparameters.TotalTimesteps.Set(o, 400L))

                Expect.equal resumed.Options.SdeSampleFreq 3 "sde_sample_freq from the checkpoint"
                resumesTorch "gSDE" first resumed uninterrupted
                use other = new Trainer(Hyperparameters.Seed.Set(sde 400L, 5))
                other.Run() |> ignore

                Expect.notEqual
                    (other.CaptureState().Model)
                    (uninterrupted.CaptureState().Model)
                    "another seed, other weights"
            }

            test "a state records the trainer's device, and its checkpoint's config.json says so" {
                use trainer = new Trainer(small 100L)
                let state = trainer.CaptureState()
                Expect.equal state.Device (RunFiles.DeviceName trainer.Device) "the trainer's device"
                Expect.equal state.Device "cpu" "a CPU build trains on the CPU"

                let onGpu =
                    TrainingState(
                        state.Options,
                        "cuda",
                        state.Model,
                        state.Optimizer,
                        state.Generator,
                        state.Envs,
                        state.Timesteps,
                        state.Updates,
                        state.SkippedRollouts,
                        state.ElapsedSeconds,
                        state.Episodes,
                        state.Normalization
                    )

                let path = tempFile "checkpoint.zip"
                Checkpoint.Save(onGpu, path)
                let struct (_, entries) = Checkpoint.Read path
                let config = (json entries.["config.json"]).AsObject()

                Expect.equal
                    ((nonNull config.["device"]).GetValue<string>())
                    "cuda"
                    "config.json's device is the state's"

                Expect.equal (Checkpoint.Load path).Device "cuda" "and reads back"
            }

            test "a trainer.json or envs.bin that does not parse is refused naming the entry and the field" {
                let struct (_, entries) = Checkpoint.Read fixture

                let entriesWith name (change: byte array -> byte array) =
                    [
                        for KeyValue(n, data) in entries do
                            if n <> "manifest.json" then
                                yield n, (if n = name then change data else data)
                    ]

                let trainerJson (edit: JsonObject -> unit) =
                    entriesWith "trainer.json" (fun data ->
                        let o = (json data).AsObject()
                        edit o
                        Encoding.UTF8.GetBytes(o.ToJsonString()))

                let cases =
                    [
                        trainerJson (fun o -> o.Remove "timesteps" |> ignore), "trainer.json: timesteps is missing"
                        trainerJson (fun o -> o.["updates"] <- JsonValue.Create "many"),
                        "trainer.json: updates is \"many\""
                        trainerJson (fun o -> (nonNull o.["episode_lengths"]).AsArray().[0] <- JsonValue.Create 1.5),
                        "episode_lengths[0] is 1.5"
                        trainerJson (fun o -> (nonNull o.["episode_seconds"]).AsArray().RemoveAt 0),
                        "expected as many of each"
                        trainerJson (fun o -> o.["normalization"] <- JsonValue.Create 3), "normalization is 3"
                        entriesWith "envs.bin" (fun data -> data.[.. data.Length - 5]), "envs.bin holds 368 bytes"
                    ]

                for forged, expected in cases do
                    let path = tempFile "checkpoint.zip"
                    forge forged path
                    let error = Expect.throwsC (fun () -> Checkpoint.Load path |> ignore) id

                    Expect.isTrue
                        (error :? CheckpointException)
                        $"{expected}: a CheckpointException ({error.GetType().Name})"

                    Expect.stringContains
                        error.Message
                        $"the checkpoint '{path}' does not fit this setup: "
                        $"{expected}: names the file"

                    Expect.stringContains error.Message expected "names the field"
            }

            test "Checkpoint knows the state, not the trainer: no member takes or returns a Trainer" {
                let members =
                    typeof<Checkpoint>
                        .GetMethods(BindingFlags.Public ||| BindingFlags.NonPublic ||| BindingFlags.Static)

                let touching =
                    [
                        for m in members do
                            if
                                m.ReturnType = typeof<Trainer>
                                || m.GetParameters() |> Array.exists (fun p -> p.ParameterType = typeof<Trainer>)
                            then
                                yield m.Name
                    ]

                Expect.isEmpty touching "members of Checkpoint that reach into a Trainer"
            }
        ]

/// Every space through a checkpoint file, one run at a time: trainers running side by side in one
/// process were seen to differ in the last bits of their weights.
[<Tests>]
let spaces =
    testSequenced
    <| testList
        "checkpoint of every space"
        [
            // Every space through a checkpoint file: MultiDiscrete in and out (one-hot) and the TensorFlow-like
            // RMSprop's state on the .NET engine, which continue exactly as an uninterrupted run; MultiBinary,
            // an image (NatureCNN) and a normalized Dict on TorchSharp, which restore exactly (see resumesTorch).
            for id, extra, engine in
                [
                    "IdentityMultiDiscrete-v0", id, Engine.DotNet
                    "Identity-v0", (fun (o: A2COptions) -> Hyperparameters.RmsPropTfLike.Set(o, true)), Engine.DotNet
                    "IdentityMultiBinary-v0",
                    (fun (o: A2COptions) -> Hyperparameters.RmsPropTfLike.Set(o, true)),
                    Engine.Torch
                    "ImageIdentity-v0",
                    (fun (o: A2COptions) -> Hyperparameters.RmsPropTfLike.Set(o, true)),
                    Engine.Torch
                    "SimpleMultiObs-v0", (fun (o: A2COptions) -> Hyperparameters.Normalize.Set(o, true)), Engine.Torch
                ] do
                test $"a {id} run resumes from its checkpoint file (engine {engine})" {
                    let options total =
                        extra (
                            A2COptions(
                                Env = id,
                                NEnvs = 2,
                                NSteps = 5,
                                TotalTimesteps = total,
                                Seed = 6,
                                Engine = engine
                            )
                        )

                    use uninterrupted = new Trainer(options 200L)
                    uninterrupted.Run() |> ignore
                    use first = new Trainer(options 100L)
                    first.Run() |> ignore
                    let path = tempFile "checkpoint.zip"
                    first.SaveCheckpoint path

                    use resumed =
                        Trainer.Resume(path, fun o -> Hyperparameters.TotalTimesteps.Set(o, 200L))

                    if engine = Engine.DotNet then
                        resumed.Run() |> ignore
                        sameState "after the rest of the run" (uninterrupted.CaptureState()) (resumed.CaptureState())
                    else
                        resumesTorch id first resumed uninterrupted
                }

        ]
