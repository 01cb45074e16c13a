/// Gymnasium's own episodes, replayed bit for bit: tests/reference/gymnasium_episodes.json holds
/// seeded episodes that Gymnasium 1.4 played (tests/reference/record_gymnasium.py recorded them;
/// docs/gymnasium-parity.md says which sources, which numpy and which command). Each one is run
/// through `a2c env trace --seed`, and every line must carry Gymnasium's observation (as float32,
/// or the integer of a Discrete one), reward and flags exactly; the reset observation is checked
/// through the registry, since trace prints steps only.
module A2C.Cli.Tests.GymnasiumParityTests

open System
open System.IO
open System.Text.Json
open System.Text.Json.Nodes
open A2C.Cli
open A2C.Envs
open Expecto

let private episodesFile =
    Path.GetFullPath(
        Path.Combine(
            AppContext.BaseDirectory,
            "..",
            "..",
            "..",
            "..",
            "..",
            "tests",
            "reference",
            "gymnasium_episodes.json"
        )
    )

let private run (args: string list) =
    use stdout = new StringWriter()
    use stderr = new StringWriter()
    let code = CliApp.Run(List.toArray args, stdout, stderr)
    code, stdout.ToString(), stderr.ToString()

/// A recorded float32 value, which the file writes as the float64 of the same value.
let private asFloat32 (what: string) (value: JsonElement) =
    let d = value.GetDouble()
    let f = float32 d
    Expect.equal (float f) d $"{what}: the file holds float32 values"
    f

/// Checks a traced observation against Gymnasium's: an integer for Discrete, else float32 values.
let private expectObs (what: string) (traced: JsonElement) (recorded: JsonElement) =
    match recorded.ValueKind with
    | JsonValueKind.Number ->
        Expect.equal traced.ValueKind JsonValueKind.Number $"{what}: a Discrete observation"
        Expect.isFalse (traced.GetRawText().Contains '.') $"{what}: printed as an integer, not {traced.GetRawText()}"
        Expect.equal (traced.GetInt32()) (recorded.GetInt32()) what
    | _ ->
        let expected = [| for v in recorded.EnumerateArray() -> asFloat32 what v |]
        let actual = [| for v in traced.EnumerateArray() -> v.GetSingle() |]
        Expect.equal actual expected $"{what}, as float32"

let private idOf (episode: JsonElement) =
    nonNull (episode.GetProperty("id").GetString())

let private kwargsOf (episode: JsonElement) =
    let kwargs = episode.GetProperty "kwargs"

    if kwargs.EnumerateObject() |> Seq.isEmpty then
        None
    else
        Some(kwargs.GetRawText())

let private replay (episode: JsonElement) =
    let id = idOf episode
    let seed = episode.GetProperty("seed").GetInt32()
    let kwargs = kwargsOf episode
    let steps = [| for s in episode.GetProperty("steps").EnumerateArray() -> s |]

    let args =
        [
            "env"
            "trace"
            "--env"
            id
            "--seed"
            string seed
            "--actions"
            episode.GetProperty("actions").GetRawText()
        ]
        @ (kwargs |> Option.map (fun k -> [ "--env-kwargs"; k ]) |> Option.defaultValue [])

    let code, out, err = run args
    Expect.equal code 0 $"a2c {String.Join(' ', args)}: {err}"

    let lines =
        out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        |> Array.map (fun line -> JsonDocument.Parse(line.TrimEnd '\r').RootElement)

    Expect.equal lines.Length steps.Length "one line per recorded step (trace stops where Gymnasium's episode ended)"

    for t, (line, step) in Array.indexed (Array.zip lines steps) do
        let at = $"step {t}"
        expectObs $"{at}: obs" (line.GetProperty "obs") (step.GetProperty "obs")

        let reward, recordedReward =
            line.GetProperty("reward").GetDouble(), step.GetProperty("reward").GetDouble()

        Expect.equal reward recordedReward $"{at}: reward, exactly (traced {reward:R}, Gymnasium's {recordedReward:R})"

        Expect.equal
            (line.GetProperty("terminated").GetBoolean())
            (step.GetProperty("terminated").GetBoolean())
            $"{at}: terminated"

        Expect.equal
            (line.GetProperty("truncated").GetBoolean())
            (step.GetProperty("truncated").GetBoolean())
            $"{at}: truncated"

    use env =
        match kwargs with
        | Some k -> Registry.Make(id, (nonNull (JsonNode.Parse k)).AsObject())
        | None -> Registry.Make id

    let reset = env.Reset(seed)
    let recorded = episode.GetProperty "reset_obs"

    match recorded.ValueKind with
    | JsonValueKind.Number ->
        Expect.equal reset [| float32 (recorded.GetInt32()) |] "reset observation (the Discrete state)"
    | _ ->
        Expect.equal
            reset
            [| for v in recorded.EnumerateArray() -> asFloat32 "reset observation" v |]
            "reset observation, as float32"

let private episodes =
    use document = JsonDocument.Parse(File.ReadAllText episodesFile)

    [
        for e in document.RootElement.GetProperty("episodes").EnumerateArray() -> e.Clone()
    ]

let private name (episode: JsonElement) =
    let kwargs =
        kwargsOf episode |> Option.map (fun k -> " " + k) |> Option.defaultValue ""

    let steps = episode.GetProperty("steps").GetArrayLength()
    $"""{idOf episode}{kwargs} seed {episode.GetProperty("seed").GetInt32()}: {steps} steps bit for bit"""

[<Tests>]
let tests =
    testList
        "Gymnasium parity"
        [
            test "the recording covers CartPole, Pendulum, slippery FrozenLake and the other Gymnasium envs we register" {
                let ids = episodes |> List.map idOf |> set

                for id in
                    [
                        "CartPole-v1"
                        "Pendulum-v1"
                        "FrozenLake-v1"
                        "FrozenLake8x8-v1"
                        "Acrobot-v1"
                        "MountainCar-v0"
                        "MountainCarContinuous-v0"
                    ] do
                    Expect.contains ids id $"{id} recorded"

                let slippery =
                    episodes |> List.filter (fun e -> idOf e = "FrozenLake-v1" && kwargsOf e = None)

                Expect.isGreaterThanOrEqual slippery.Length 2 "two seeded slippery lakes"
            }

            for episode in episodes do
                test (name episode) { replay episode }
        ]
