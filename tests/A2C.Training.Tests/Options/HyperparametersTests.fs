module A2C.Training.Tests.HyperparametersTests

open System
open System.IO
open System.Text.Json.Nodes
open System.Text.RegularExpressions
open A2C.Core
open A2C.Training
open A2C.Training.Tests.OptionsGenerators
open Expecto
open FsCheck
open FsCheck.FSharp

let private config =
    { FsCheckConfig.defaultConfig with
        maxTest = 200
    }

/// The repository's root, found from the test app's bin directory.
let private repoRoot () =
    let rec up (dir: DirectoryInfo) =
        if File.Exists(Path.Combine(dir.FullName, "A2C.sln")) then
            dir.FullName
        else
            up (nonNull dir.Parent)

    up (DirectoryInfo AppContext.BaseDirectory)

let private sameIn (a: A2COptions) (b: A2COptions) =
    [
        for row in Hyperparameters.All do
            if not (row.Same(a, b)) then
                $"{row.Name}: {row.Format a} became {row.Format b}"
    ]

/// Files whose quoted literal of an option's SB3 name is a field of another format, not the
/// option: progress.csv's columns, the checkpoint's manifest, normalization.json, the summary and
/// sweep files, the `a2c env` command, a table header and the exported policy's description (written by the exporter, read by A2C.Policy).
let private otherFormats =
    Map.ofList
        [
            "env",
            set
                [
                    "src/A2C.Training/RunDirectory/Checkpoint.cs"
                    "src/A2C.Cli/Commands/TrainingSession.cs"
                    "src/A2C.Cli/Sweep/SweepPlan.cs"
                    "src/A2C.Cli/Sweep/SweepSummary.cs"
                    "src/A2C.Cli/Commands/EnvCommands.cs"
                    "src/A2C.Cli/Commands/PlotCommand.cs"
                    "src/A2C.Training/Export/PolicyGraph.cs"
                    "src/A2C.Policy/Format/DescriptionReader.cs"
                ]
            "seed",
            set
                [
                    "src/A2C.Cli/Commands/TrainingSession.cs"
                    "src/A2C.Cli/Sweep/SweepSummary.cs"
                ]
            "total_timesteps",
            set
                [
                    "src/A2C.Training/RunDirectory/RunFiles.cs"
                    "src/A2C.Training/RunDirectory/ProgressCsv.cs"
                    "src/A2C.Training/RunDirectory/Checkpoint.cs"
                    "src/A2C.Cli/Commands/TrainingSession.cs"
                    "src/A2C.Cli/Sweep/SweepSummary.cs"
                    "src/A2C.Cli/Sweep/SeedPool.cs"
                ]
            "learning_rate", set [ "src/A2C.Training/RunDirectory/RunFiles.cs" ]
            "value_loss", set [ "src/A2C.Training/RunDirectory/RunFiles.cs" ]
            "gamma", set [ "src/A2C.Training/Rollouts/Normalizer.cs" ]
            // Members of the a2c.policy description in an exported policy.onnx (docs/export.md).
            "activation",
            set
                [
                    "src/A2C.Training/Export/PolicyGraph.cs"
                    "src/A2C.Policy/Format/DescriptionReader.cs"
                ]
            "full_std",
            set
                [
                    "src/A2C.Training/Export/PolicyGraph.cs"
                    "src/A2C.Policy/Format/DescriptionReader.cs"
                ]
        ]

/// An RL Zoo file with one entry that sets every row to its value in `options`, quoted as text.
let private zooEntry (options: A2COptions) =
    let quote (text: string) = "'" + text.Replace("'", "''") + "'"

    String.Join(
        "\n",
        [
            yield quote options.Env + ":"
            for row in Hyperparameters.All -> $"  {row.Name}: {quote (row.Format options)}"
        ]
    )

[<Tests>]
let tests =
    testList
        "hyperparameters"
        [
            testList
                "format then parse is the identity on random in-range values"
                [
                    for row in Hyperparameters.All ->
                        testPropertyWithConfig config row.Name
                        <| Prop.forAll (Arb.fromGen (validIn A2COptions.Defaults row)) (fun value ->
                            let text = row.FormatValue value
                            let options = row.SetValue(A2COptions.Defaults, value)
                            let back = row.SetValue(A2COptions.Defaults, row.ParseValue text)

                            row.Same(options, back)
                            |> Prop.label $"'{text}' read back as '{row.Format back}'")
                ]

            testPropertyWithConfig
                config
                "config.json round-trips random valid options, its fields in the table's order"
            <| Prop.forAll (Arb.fromGen validOptions) (fun options ->
                let json = RunFiles.ConfigJson(options, "cpu")
                let back = RunFiles.ParseConfig(json.ToJsonString(), "config.json")
                let names = [ for p in json -> p.Key ]

                (sameIn options back |> List.isEmpty |> Prop.label $"{sameIn options back}")
                .&. (names = [ for row in Hyperparameters.All -> row.Name ] @ [ "device" ]
                     |> Prop.label $"fields {names}"))

            test "a config.json of an older run, without the fields added later, reads with their defaults" {
                let options = Hyperparameters.Engine.Set(A2COptions.Defaults, Engine.Torch)
                let json = RunFiles.ConfigJson(options, "cpu")

                let later =
                    [
                        for row in Hyperparameters.All do
                            if row.OptionalInConfig then
                                row
                    ]

                Expect.isNonEmpty later "engine, nan_policy and env_step_timeout came later"

                for row in later do
                    json.Remove row.Name |> ignore

                let back = RunFiles.ParseConfig(json.ToJsonString(), "config.json")

                for row in later do
                    Expect.equal (row.GetValue back) row.Default $"{row.Name}: the default"

                let missing =
                    (nonNull (JsonNode.Parse(RunFiles.ConfigJson(options, "cpu").ToJsonString()))).AsObject()

                missing.Remove Hyperparameters.NSteps.Name |> ignore

                let error =
                    Expect.throwsC (fun () -> RunFiles.ParseConfig(missing.ToJsonString(), "'c.json'") |> ignore) id

                Expect.stringContains
                    error.Message
                    "'c.json' lacks the field n_steps (a whole number)"
                    "names the file and field"
            }

            test
                "env_kwargs: config.json keeps the object; RL Zoo's YAML mapping, Python dict() and JSON forms read alike; a kwarg the env does not take is an option problem" {
                let options =
                    Hyperparameters.EnvKwargs.Set(A2COptions(Env = "FrozenLake-v1"), "{\"is_slippery\":false}")

                let json = RunFiles.ConfigJson(options, "cpu")

                Expect.equal
                    ((nonNull json["env_kwargs"]).ToJsonString())
                    "{\"is_slippery\":false}"
                    "an object in config.json"

                Expect.equal
                    (RunFiles.ParseConfig(json.ToJsonString(), "config.json").EnvKwargs)
                    "{\"is_slippery\":false}"
                    "read back"

                let old = json.AsObject()
                old.Remove "env_kwargs" |> ignore

                Expect.equal
                    (RunFiles.ParseConfig(old.ToJsonString(), "config.json").EnvKwargs)
                    "{}"
                    "a run from before env_kwargs reads as none"

                for form in
                    [
                        "  env_kwargs:\n    is_slippery: False\n    map_name: '8x8'\n"
                        "  env_kwargs: \"dict(is_slippery=False, map_name='8x8')\"\n"
                        "  env_kwargs: '{\"is_slippery\": false, \"map_name\": \"8x8\"}'\n"
                    ] do
                    let path =
                        Path.Combine(Path.GetTempPath(), $"a2c-zoo-kwargs-{Guid.NewGuid():N}.yml")

                    File.WriteAllText(path, "FrozenLake-v1:\n" + form)

                    try
                        let errors = ResizeArray()

                        let read =
                            ZooHyperparams.Apply(A2COptions(Env = "FrozenLake-v1"), path, "FrozenLake-v1", errors)

                        Expect.isEmpty errors form
                        Expect.equal read.EnvKwargs "{\"is_slippery\":false,\"map_name\":\"8x8\"}" form
                    finally
                        File.Delete path

                let problems =
                    Hyperparameters.EnvKwargs.Set(A2COptions.Defaults, "{\"is_slippery\":false}").Validate()

                Expect.equal problems.Count 1 "CartPole-v1 takes none"
                Expect.stringContains (string problems[0]) "CartPole-v1 takes no env kwargs" (string problems[0])

                let remote =
                    Hyperparameters.EnvKwargs.Set(A2COptions(Env = "grpc://127.0.0.1:5000"), "{\"a\":1}")

                Expect.stringContains
                    (string (remote.Validate()[0]))
                    "give the kwargs to a2c serve"
                    "a served env's kwargs go to its server"
            }

            test "validation names each option and its range, in the table's order, as before" {
                let options =
                    A2COptions.Defaults
                    |> fun o -> Hyperparameters.Gamma.Set(o, 1.5f)
                    |> fun o -> Hyperparameters.TotalTimesteps.Set(o, 39L)
                    |> fun o -> Hyperparameters.LearningRate.Set(o, Schedule.Linear(2.0, 0.0))

                Expect.sequenceEqual
                    (options.Validate())
                    [
                        "total_timesteps is 39; allowed: at least n_envs * n_steps = 40."
                        "learning_rate is lin_2; allowed: (0, 1], or lin_X with X in (0, 1]."
                        "gamma is 1.5; allowed: 0 to 1."
                    ]
                    "messages"

                Expect.sequenceEqual
                    ((Hyperparameters.NEnvs.Set(A2COptions.Defaults, 0)).Validate())
                    [ "n_envs is 0; allowed: 1 to 4096." ]
                    "n_envs"

                Expect.isEmpty (A2COptions.Defaults.Validate()) "the defaults are valid"
            }

            test
                "threads round-trips through config.json, takes 1 or 2, and refuses 2 with engine torch or a TorchSharp-only policy" {
                let options = A2COptions(Threads = 2)
                let json = RunFiles.ConfigJson(options, "cpu")
                Expect.equal ((nonNull json["threads"]).GetValue<int>()) 2 "written"
                let back = RunFiles.ParseConfig(json.ToJsonString(), "config.json")
                Expect.equal back.Threads 2 "read back"
                json.Remove "threads" |> ignore

                Expect.equal
                    (RunFiles.ParseConfig(json.ToJsonString(), "config.json").Threads)
                    1
                    "a run from before the option: one thread"

                Expect.sequenceEqual
                    (Hyperparameters.Threads.Set(options, 3).Validate())
                    [ "threads is 3; allowed: 1 or 2." ]
                    "3"

                Expect.sequenceEqual
                    (Hyperparameters.Threads.Set(options, 0).Validate())
                    [ "threads is 0; allowed: 1 or 2." ]
                    "0"

                Expect.sequenceEqual
                    (Hyperparameters.Engine.Set(options, Engine.Torch).Validate())
                    [
                        "threads is 2; allowed: 1 with engine torch (set OMP_NUM_THREADS for TorchSharp's threads)."
                    ]
                    "engine torch"

                // Auto sends a CNN policy to TorchSharp: the trainer names why.
                let cnn = A2COptions(Env = "ImageIdentity-v0", Threads = 2, TotalTimesteps = 1000L)

                let thrown = Expect.throwsC (fun () -> new Trainer(cnn) |> ignore) id
                Expect.isTrue (thrown :? IncompatibleOptionsException) $"an options error: {thrown}"
                Expect.stringContains thrown.Message "threads 2 splits the .NET engine's work" "names the option"
                Expect.stringContains thrown.Message "OMP_NUM_THREADS" "and what to use instead"
            }

            test
                "gSDE options round-trip through config.json and RL Zoo's spelling; the .NET engine is refused with them" {
                let options =
                    A2COptions(
                        Env = "Pendulum-v1",
                        UseSde = true,
                        SdeSampleFreq = 16,
                        FullStd = false,
                        Engine = Engine.Torch
                    )

                let json = RunFiles.ConfigJson(options, "cpu")
                let back = RunFiles.ParseConfig(json.ToJsonString(), "config.json")
                Expect.equal (back.UseSde, back.SdeSampleFreq, back.FullStd) (true, 16, false) "config.json"
                Expect.isEmpty (sameIn options back) "every row"
                let path = Path.Combine(Path.GetTempPath(), $"a2c-zoo-sde-{Guid.NewGuid():N}.yml")

                File.WriteAllText(
                    path,
                    "Pendulum-v1:\n  use_sde: True\n  sde_sample_freq: 16\n  policy_kwargs: \"dict(log_std_init=-2, ortho_init=False, full_std=False)\"\n"
                )

                try
                    let errors = ResizeArray()
                    let read = ZooHyperparams.Apply(A2COptions.Defaults, path, "Pendulum-v1", errors)
                    Expect.isEmpty errors "no problem"

                    Expect.equal
                        (read.UseSde, read.SdeSampleFreq, read.FullStd, read.LogStdInit)
                        (true, 16, false, -2f)
                        "use_sde, sde_sample_freq and policy_kwargs' full_std"
                finally
                    File.Delete path

                Expect.sequenceEqual
                    (Hyperparameters.Engine.Set(options, Engine.DotNet).Validate())
                    [
                        "engine is dotnet; allowed: auto or torch with use_sde (the .NET engine does not do gSDE; use --engine torch)."
                    ]
                    "dotnet with gSDE"

                Expect.sequenceEqual
                    (Hyperparameters.SdeSampleFreq.Set(options, -2).Validate())
                    [
                        "sde_sample_freq is -2; allowed: -1 (only at the start of each rollout), 0 (the same) or a number of steps up to 100000."
                    ]
                    "sde_sample_freq"
            }

            testPropertyWithConfig
                { config with maxTest = 30 }
                "the RL Zoo reader takes every row's SB3 name, with the value its text says"
            <| Prop.forAll (Arb.fromGen validOptions) (fun options ->
                let path = Path.Combine(Path.GetTempPath(), $"a2c-zoo-{Guid.NewGuid():N}.yml")
                File.WriteAllText(path, zooEntry options)

                try
                    let errors = ResizeArray()
                    let read = ZooHyperparams.Apply(A2COptions.Defaults, path, options.Env, errors)

                    (errors.Count = 0 |> Prop.label $"errors: {String.Join('\n', errors)}")
                    .&. (sameIn options read |> List.isEmpty |> Prop.label $"{sameIn options read}")
                finally
                    File.Delete path)

            test "each option's SB3 name is a quoted literal in one file of src/: the table" {
                let root = repoRoot ()
                let table = "src/A2C.Training/Options/Hyperparameters.cs"

                let sources =
                    [
                        for file in
                            Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories) do
                            let relative = Path.GetRelativePath(root, file).Replace('\\', '/')

                            if not (relative.Contains "/obj/" || relative.Contains "/bin/") then
                                // Comments, XML docs among them (<paramref name="seed"/>), are not code.
                                let code =
                                    Regex.Replace(File.ReadAllText file, @"^\s*//.*$", "", RegexOptions.Multiline)

                                relative, code
                    ]

                for row in Hyperparameters.All do
                    let files =
                        set
                            [
                                for file, code in sources do
                                    if code.Contains $"\"{row.Name}\"" then
                                        file
                            ]

                    let allowed =
                        Set.add table (Map.tryFind row.Name otherFormats |> Option.defaultValue Set.empty)

                    Expect.contains files table $"{row.Name} is written in the table"
                    Expect.isEmpty (Set.difference files allowed) $"\"{row.Name}\" is spelled outside the table"
            }

            test
                "every row has a CLI spelling of its own, and a resumed run may change only the step budget and the engine's threads" {
                let spellings = [ for row in Hyperparameters.All -> row.Cli ]
                Expect.equal (List.distinct spellings) spellings "distinct"

                for row in Hyperparameters.All do
                    Expect.isTrue (row.Cli.StartsWith "--" && not (row.Cli.Contains "_")) $"{row.Cli}"

                Expect.equal
                    [
                        for row in Hyperparameters.All do
                            if row.OnResume = ResumeRule.Free then
                                row.Name
                    ]
                    [ "total_timesteps"; "threads" ]
                    "the budget, and the threads (which give the same bits)"
            }

            test "Trainer.Resume refuses a change of a row that shapes the checkpoint and takes one that does not" {
                let path = Path.Combine(Path.GetTempPath(), $"a2c-resume-{Guid.NewGuid():N}.zip")

                do
                    use trainer =
                        new Trainer(Hyperparameters.TotalTimesteps.Set(A2COptions.Defaults, 40L))

                    trainer.SaveCheckpoint path

                try
                    let error =
                        Expect.throwsC
                            (fun () -> Trainer.Resume(path, (fun o -> Hyperparameters.NEnvs.Set(o, 4))).Dispose())
                            id

                    Expect.isTrue (error :? CheckpointException) $"{error}"
                    Expect.stringContains error.Message "n_envs 4 asked for" "names the change"
                    Expect.stringContains error.Message "n_envs 8" "and the checkpoint's value"

                    Expect.stringContains
                        error.Message
                        "env, env_kwargs, n_envs, policy, features_dim, net, net_arch, use_sde, full_std, normalize cannot change on resume"
                        "the rule"

                    use resumed = Trainer.Resume(path, (fun o -> Hyperparameters.Gamma.Set(o, 0.9f)))

                    Expect.equal resumed.Options.Gamma 0.9f "a kept option may change through the library"
                finally
                    File.Delete path
            }
        ]
