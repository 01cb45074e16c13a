/// Reliability (issue 9): corrupt and foreign files, bad input, and disk faults. Every case must end
/// with a message naming what was wrong, exit 2 (bad input) or 1 (a failure), no stack trace, and
/// nothing written or lost. docs/reliability.md lists the cases and quotes the messages.
module A2C.Cli.Tests.InputFaultTests

open System
open System.Diagnostics
open System.IO
open System.IO.Compression
open System.Security.Cryptography
open System.Text
open System.Text.Json.Nodes
open System.Threading
open A2C.Cli
open A2C.Training
open Expecto
open A2C.Cli.Tests.Mounts

let private runWith (token: CancellationToken) (args: string list) =
    use stdout = new StringWriter()
    use stderr = new StringWriter()
    let code = CliApp.Run(List.toArray args, stdout, stderr, token)
    code, stdout.ToString(), stderr.ToString()

let private run = runWith CancellationToken.None

let private tempDir () =
    Path.Combine(Path.GetTempPath(), "a2c-fault-" + Guid.NewGuid().ToString("N"))

/// No stack trace and no exception type name reaches the user.
let private noStackTrace (context: string) (err: string) =
    Expect.isFalse (err.Contains "   at ") $"{context}: no stack trace on stderr:\n{err}"
    Expect.isFalse (err.Contains "Exception") $"{context}: no exception type on stderr:\n{err}"

/// Trains a short run into a new directory and returns it.
let private train (extra: string list) =
    let dir = tempDir ()

    let code, _, err =
        run (
            [
                "train"
                "--total-steps"
                "800"
                "--checkpoint-every"
                "400"
                "--run-dir"
                dir
                "--eval-episodes"
                "0"
            ]
            @ extra
        )

    Expect.equal code 0 err
    dir

let private zipEntries (bytes: byte[]) =
    use zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read)

    [
        for e in zip.Entries ->
            use s = e.Open()
            use m = new MemoryStream()
            s.CopyTo m
            e.FullName, m.ToArray()
    ]

let private zipOf (entries: (string * byte[]) list) =
    use memory = new MemoryStream()

    do
        use zip = new ZipArchive(memory, ZipArchiveMode.Create, true)

        for name, data in entries do
            use s = zip.CreateEntry(name).Open()
            s.Write(data, 0, data.Length)

    memory.ToArray()

let private parseObject (text: string) =
    match JsonNode.Parse text with
    | :? JsonObject as o -> o
    | _ -> failwith "expected a JSON object"

let private parseObjectBytes (bytes: byte[]) =
    parseObject (Encoding.UTF8.GetString bytes)

/// The entries with manifest.json's checksums recomputed: what a checkpoint written by another
/// program (or another build of this one) looks like, where only the content is foreign.
let private rehashed (entries: (string * byte[]) list) =
    let manifest =
        parseObjectBytes (entries |> List.find (fst >> (=) "manifest.json") |> snd)

    let hashes = JsonObject()

    for name, data in entries do
        if name <> "manifest.json" then
            hashes[name] <- JsonValue.Create(Convert.ToHexString(SHA256.HashData data))

    manifest["sha256"] <- hashes

    entries
    |> List.map (fun (name, data) ->
        if name = "manifest.json" then
            name, Encoding.UTF8.GetBytes(manifest.ToJsonString())
        else
            name, data)

let private mapConfig (change: JsonObject -> unit) (entries: (string * byte[]) list) =
    entries
    |> List.map (fun (name, data) ->
        if name = "config.json" then
            let json = parseObjectBytes data
            change json
            name, Encoding.UTF8.GetBytes(json.ToJsonString())
        else
            name, data)

let private snapshot (dir: string) =
    [
        for f in Directory.GetFiles(dir, "*", SearchOption.AllDirectories) |> Array.sort ->
            f, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes f))
    ]

/// Runs a command that must refuse its input: exit `code`, a message with every expected part, no
/// stack trace, nothing printed to stdout beyond the first line, and `dir` left byte for byte.
let private refused (code: int) (dir: string) (args: string list) (expected: string list) =
    let before = snapshot dir
    let actual, _, err = run args
    let context = String.Join(" ", args)
    Expect.equal actual code $"{context}: exit code (stderr: {err})"

    for part in expected do
        Expect.stringContains err part $"{context}: message"

    noStackTrace context err
    Expect.equal (snapshot dir) before $"{context}: nothing in the run dir changed"

[<Tests>]
let corrupt =
    testSequenced
    <| testList
        "corrupt and foreign files"
        [
            test
                "a corrupt checkpoint (truncated, bit-flipped in any entry, an entry missing, not ours, empty) is refused by resume and eval; it stays as it was and a good copy still resumes" {
                let dir = train [ "--env"; "CartPole-v1" ]
                let checkpoint = Path.Combine(dir, "checkpoint.zip")
                let aside = Path.Combine(dir, "checkpoint-good.zip")
                File.Copy(checkpoint, aside)
                let good = File.ReadAllBytes checkpoint
                let entries = zipEntries good

                Expect.equal
                    (entries |> List.map fst |> List.sort)
                    [
                        "config.json"
                        "envs.bin"
                        "generator.bin"
                        "manifest.json"
                        "model.bin"
                        "optimizer.bin"
                        "trainer.json"
                    ]
                    "the entries this test damages one by one"

                let flipped name =
                    entries
                    |> List.map (fun (n, data) ->
                        if n = name then
                            let copy = Array.copy data
                            // In the manifest, a bit of the first checksum's hex; elsewhere, the middle byte.
                            let at =
                                if n = "manifest.json" then
                                    Encoding.UTF8.GetString(data).IndexOf("\"sha256\":{\"") + 30
                                else
                                    data.Length / 2

                            copy[at] <- copy[at] ^^^ 1uy
                            n, copy
                        else
                            n, data)
                    |> zipOf

                let cases =
                    [
                        for length in
                            [
                                1
                                22
                                100
                                good.Length / 4
                                good.Length / 2
                                good.Length - 22
                                good.Length - 1
                            ] -> $"truncated to {length} bytes", good[.. length - 1], [ "checkpoint" ]
                    ]
                    @ [
                        for name, _ in entries ->
                            $"{name} bit-flipped",
                            flipped name,
                            [
                                "is damaged"
                                (if name = "manifest.json" then
                                     "SHA-256"
                                 else
                                     $"{name} does not match its SHA-256")
                            ]
                    ]
                    @ [
                        for name, _ in entries ->
                            $"{name} missing",
                            entries |> List.filter (fst >> (<>) name) |> zipOf,
                            [
                                (if name = "manifest.json" then
                                     "not an a2c checkpoint"
                                 else
                                     $"{name} is missing")
                            ]
                    ]
                    @ [
                        "a zip that is not ours",
                        zipOf [ "hello.txt", Encoding.UTF8.GetBytes "hello" ],
                        [ "not an a2c checkpoint" ]
                        "a zip whose manifest is not ours",
                        zipOf [ "manifest.json", Encoding.UTF8.GetBytes """{"format":"other","version":2}""" ],
                        [ "not an a2c checkpoint"; "\"other\"" ]
                        "a checkpoint of a future version",
                        entries
                        |> List.map (fun (n, d) ->
                            if n = "manifest.json" then
                                n,
                                Encoding.UTF8.GetBytes(
                                    Encoding.UTF8.GetString(d).Replace("\"version\":2", "\"version\":99")
                                )
                            else
                                n, d)
                        |> zipOf,
                        [ "version 99"; "reads version 2" ]
                        "a manifest that is not JSON",
                        entries
                        |> List.map (fun (n, d) -> if n = "manifest.json" then n, d[.. d.Length / 2] else n, d)
                        |> zipOf,
                        [ "manifest.json is not valid JSON" ]
                        "an empty file", [||], [ "is empty (0 bytes)" ]
                        "a text file", Encoding.UTF8.GetBytes "not a zip", [ "not a zip file" ]
                    ]

                for case, bytes, expected in cases do
                    File.WriteAllBytes(checkpoint, bytes)

                    for args in
                        [
                            [ "train"; "--resume"; checkpoint ]
                            [ "eval"; "--checkpoint"; checkpoint; "--episodes"; "1" ]
                        ] do
                        refused CliApp.UsageError dir args (checkpoint :: expected)

                    Expect.sequenceEqual (File.ReadAllBytes checkpoint) bytes $"{case}: the file is left as it was"

                // The copy of the last good checkpoint resumes the run, in its own run dir.
                let code, out, err =
                    run [ "train"; "--resume"; aside; "--total-steps"; "1200"; "--eval-episodes"; "0" ]

                Expect.equal code 0 err
                Expect.stringContains out "resuming CartPole-v1 at step 800" "resumed from the copy"

                Expect.sequenceEqual
                    (zipEntries (File.ReadAllBytes checkpoint) |> List.map fst |> List.sort)
                    (entries |> List.map fst |> List.sort)
                    "a whole new checkpoint replaced the damaged one"

                let code, _, err = run [ "train"; "--resume"; checkpoint; "--gamma"; "0.9" ]
                Expect.equal code CliApp.UsageError "options are fixed on resume"
                Expect.stringContains err "--gamma" "names the option"
                noStackTrace "--gamma on resume" err

                for missing in [ "/nonexistent/checkpoint.zip"; dir ] do
                    let code, _, err = run [ "train"; "--resume"; missing ]
                    Expect.equal code CliApp.UsageError missing
                    Expect.stringContains err missing "names it"
                    noStackTrace missing err

                Directory.Delete(dir, true)
            }

            test
                "a model.bin from another env or architecture beside a config.json is refused by eval, naming what config.json expects and what model.bin holds" {
                let cartPole = train [ "--env"; "CartPole-v1" ]
                let acrobot = train [ "--env"; "Acrobot-v1" ]
                let small = train [ "--env"; "CartPole-v1"; "--net-arch"; "32" ]
                let shared = train [ "--env"; "CartPole-v1"; "--net"; "shared" ]
                let pendulum = train [ "--env"; "Pendulum-v1" ]
                let expected = "expected 4 observations, 2 discrete actions, net separate 64,64"

                for source, found in
                    [
                        acrobot, "found 6 observations, 3 discrete actions, net separate 64,64"
                        small, "found 4 observations, 2 discrete actions, net separate 32"
                        shared, "found 4 observations, 2 discrete actions, net shared 64,64"
                        pendulum, "found 3 observations, a 1-dimensional continuous action, net separate 64,64"
                    ] do
                    let dir = tempDir ()
                    Directory.CreateDirectory dir |> ignore
                    File.Copy(Path.Combine(source, "model.bin"), Path.Combine(dir, "model.bin"))
                    File.Copy(Path.Combine(cartPole, "config.json"), Path.Combine(dir, "config.json"))
                    let model = Path.Combine(dir, "model.bin")

                    refused
                        CliApp.UsageError
                        dir
                        [ "eval"; "--checkpoint"; model; "--episodes"; "1" ]
                        [ model; "config.json"; expected; found ]

                    Directory.Delete(dir, true)

                for dir in [ cartPole; acrobot; small; shared; pendulum ] do
                    Directory.Delete(dir, true)
            }

            test
                "a checkpoint of another architecture or env, or one put in another run's directory, is refused by resume and eval naming both sides" {
                let dir = train [ "--env"; "CartPole-v1" ]
                let checkpoint = Path.Combine(dir, "checkpoint.zip")
                let good = File.ReadAllBytes checkpoint
                let entries = zipEntries good

                let write change =
                    File.WriteAllBytes(checkpoint, entries |> mapConfig change |> rehashed |> zipOf)

                let both expected =
                    for args in
                        [
                            [ "train"; "--resume"; checkpoint ]
                            [ "eval"; "--checkpoint"; checkpoint; "--episodes"; "1" ]
                        ] do
                        refused CliApp.UsageError dir args (checkpoint :: expected)

                // A config.json that says 32 units beside weights of 64,64 (checksums intact).
                write (fun c -> c["net_arch"] <- JsonArray(JsonValue.Create 32))

                both
                    [
                        "model.bin"
                        "expected 4 observations, 2 discrete actions, net separate 32"
                        "found 4 observations, 2 discrete actions, net separate 64,64"
                    ]

                write (fun c -> c["env"] <- JsonValue.Create "Acrobot-v1")

                both
                    [
                        "expected 6 observations, 3 discrete actions"
                        "found 4 observations, 2 discrete actions"
                    ]

                write (fun c -> c["env"] <- JsonValue.Create "Nope-v9")
                both [ "Nope-v9"; "Known ids" ]
                // The good checkpoint, dropped into the directory of a run of another env.
                let other = train [ "--env"; "Acrobot-v1" ]
                let stray = Path.Combine(other, "checkpoint.zip")
                File.WriteAllBytes(stray, good)

                refused
                    CliApp.UsageError
                    other
                    [ "train"; "--resume"; stray ]
                    [
                        stray
                        "the checkpoint holds a run of CartPole-v1"
                        Path.Combine(other, "config.json")
                        "records a run of Acrobot-v1"
                    ]

                Directory.Delete(dir, true)
                Directory.Delete(other, true)
            }

            test
                "a malformed config.json beside model.bin (not JSON, a field missing, a wrong type, out of range) is refused naming the file and the field" {
                let dir = train [ "--env"; "CartPole-v1" ]
                let config = Path.Combine(dir, "config.json")
                let model = Path.Combine(dir, "model.bin")
                let original = File.ReadAllText config
                let parsed () = parseObject original

                let edited change =
                    let json = parsed ()
                    change json
                    json.ToJsonString()

                let optional =
                    "device"
                    :: [
                        for row in Hyperparameters.All do
                            if row.OptionalInConfig then
                                row.Name
                    ]

                let fields =
                    [
                        for p in parsed () do
                            // Optional: runs written before these existed lack them.
                            if not (List.contains p.Key optional) then
                                p.Key
                    ]

                Expect.isGreaterThanOrEqual fields.Length 20 "every option is a field"

                let cases =
                    [
                        "not JSON", "{\"env\": \"CartPole-v1\",", [ "is not valid JSON" ]
                        "empty", "", [ "is not valid JSON" ]
                        "an array", "[1, 2]", [ "does not hold a JSON object" ]
                    ]
                    @ [
                        for field in fields ->
                            $"{field} missing",
                            edited (fun j -> j.Remove field |> ignore),
                            [ $"lacks the field {field}" ]
                    ]
                    @ [
                        "gamma a string",
                        edited (fun j -> j["gamma"] <- JsonValue.Create "high"),
                        [ "gamma is \"high\"; expected a number" ]
                        "n_envs a fraction",
                        edited (fun j -> j["n_envs"] <- JsonValue.Create 2.5),
                        [ "n_envs is 2.5; expected a whole number" ]
                        "env a number",
                        edited (fun j -> j["env"] <- JsonValue.Create 3),
                        [ "env is 3; expected a string" ]
                        "normalize a string",
                        edited (fun j -> j["normalize"] <- JsonValue.Create "yes"),
                        [ "normalize is \"yes\"; expected true or false" ]
                        "net_arch an object",
                        edited (fun j -> j["net_arch"] <- JsonObject()),
                        [ "net_arch is {}; expected an array" ]
                        "net_arch of strings",
                        edited (fun j -> j["net_arch"] <- JsonArray(JsonValue.Create "a")),
                        [ "net_arch[0] is \"a\"" ]
                        "gamma null", edited (fun j -> j["gamma"] <- null), [ "gamma is null; expected a number" ]
                        "net unknown",
                        edited (fun j -> j["net"] <- JsonValue.Create "wide"),
                        [ "net is \"wide\"; allowed: shared, separate" ]
                        "net a number",
                        edited (fun j -> j["net"] <- JsonValue.Create "5"),
                        [ "net is \"5\"; allowed: shared, separate" ]
                        "activation unknown",
                        edited (fun j -> j["activation"] <- JsonValue.Create "gelu"),
                        [ "activation is \"gelu\"; allowed: tanh, relu" ]
                        "value_loss unknown",
                        edited (fun j -> j["value_loss"] <- JsonValue.Create "l1"),
                        [ "value_loss is \"l1\"; allowed: mse, huber" ]
                        "engine unknown",
                        edited (fun j -> j["engine"] <- JsonValue.Create "gpu"),
                        [ "engine is \"gpu\"; allowed: auto, dotnet, torch" ]
                        "learning_rate not a schedule",
                        edited (fun j -> j["learning_rate"] <- JsonValue.Create "fast"),
                        [ "learning_rate: 'fast' is not a schedule" ]
                        "gamma out of range",
                        edited (fun j -> j["gamma"] <- JsonValue.Create 7),
                        [ "gamma is 7; allowed: 0 to 1" ]
                        "n_envs out of range",
                        edited (fun j -> j["n_envs"] <- JsonValue.Create 0),
                        [ "n_envs is 0; allowed: 1 to 4096" ]
                        "net_arch out of range",
                        edited (fun j -> j["net_arch"] <- JsonArray(JsonValue.Create 0)),
                        [ "net_arch is 0; allowed" ]
                        "learning_rate out of range",
                        edited (fun j -> j["learning_rate"] <- JsonValue.Create "2"),
                        [ "learning_rate is 2; allowed" ]
                        "seed out of range",
                        edited (fun j -> j["seed"] <- JsonValue.Create -1),
                        [ "seed is -1; allowed: 0 or more" ]
                        "use_sde a string",
                        edited (fun j -> j["use_sde"] <- JsonValue.Create "yes"),
                        [ "use_sde is \"yes\"; expected true or false" ]
                        "sde_sample_freq out of range",
                        edited (fun j -> j["sde_sample_freq"] <- JsonValue.Create -5),
                        [ "sde_sample_freq is -5; allowed" ]
                        "env unknown",
                        edited (fun j -> j["env"] <- JsonValue.Create "Nope-v0"),
                        [ "Nope-v0"; "Known ids" ]
                    ]

                for case, text, expected in cases do
                    File.WriteAllText(config, text)

                    refused
                        CliApp.UsageError
                        dir
                        [ "eval"; "--checkpoint"; model; "--episodes"; "1" ]
                        (config :: expected)

                    Expect.equal (File.ReadAllText config) text $"{case}: config.json is left as it was"

                // The same reader guards the config.json inside a checkpoint.
                let checkpoint = Path.Combine(dir, "checkpoint.zip")

                File.WriteAllBytes(
                    checkpoint,
                    zipEntries (File.ReadAllBytes checkpoint)
                    |> mapConfig (fun c -> c["gamma"] <- JsonValue.Create "high")
                    |> rehashed
                    |> zipOf
                )

                refused
                    CliApp.UsageError
                    dir
                    [ "eval"; "--checkpoint"; checkpoint; "--episodes"; "1" ]
                    [ $"config.json in '{checkpoint}'"; "gamma is \"high\"" ]

                Directory.Delete(dir, true)
            }

            test
                "a damaged model.bin (empty, truncated, not a model) or normalization.json (not JSON, a field wrong, another env's) is refused by eval naming the file" {
                let dir = train [ "--env"; "MountainCar-v0"; "--normalize" ]
                let model = Path.Combine(dir, "model.bin")
                let stats = Path.Combine(dir, "normalization.json")
                let goodModel = File.ReadAllBytes model
                let goodStats = File.ReadAllText stats

                let eval expected =
                    refused CliApp.UsageError dir [ "eval"; "--checkpoint"; model; "--episodes"; "1" ] expected

                for bytes, expected in
                    [
                        [||], [ model; "is empty (0 bytes)" ]
                        goodModel[..99], [ model; "is truncated: it ends after 100 bytes" ]
                        goodModel[.. goodModel.Length - 2], [ model; "is truncated" ]
                        Array.append goodModel [| 0uy |], [ model; "1 bytes follow its last tensor" ]
                        Encoding.UTF8.GetBytes "hello\n", [ model; "is not a model file" ]
                    ] do
                    File.WriteAllBytes(model, bytes)
                    eval expected

                File.WriteAllBytes(model, goodModel)
                let json = parseObject goodStats
                // The statistics of a run of an env with 4 observations.
                for name in [ "obs_mean"; "obs_var" ] do
                    json[name] <-
                        JsonArray(
                            JsonValue.Create 0.0,
                            JsonValue.Create 1.0,
                            JsonValue.Create 1.0,
                            JsonValue.Create 1.0
                        )

                for text, expected in
                    [
                        "{", [ stats; "cannot be used" ]
                        goodStats.Replace("\"gamma\":", "\"gamma\":\"x\",\"was\":"),
                        [ stats; "gamma is \"x\"; expected a finite number" ]
                        goodStats.Replace("\"obs_var\"", "\"obs_variance\""), [ stats; "lacks 'obs_var'" ]
                        json.ToJsonString(), [ stats; "expected statistics of 2 observations; found 4" ]
                    ] do
                    File.WriteAllText(stats, text)
                    eval expected

                Directory.Delete(dir, true)
            }
        ]

/// The directory must not appear: nothing was written.
let private refusedWithoutWriting (args: string list) (expected: string list) (written: string) =
    // A cancelled token: a row that were wrongly accepted would stop at once (train, serve) rather than run on.
    use cancelled = new CancellationTokenSource()
    cancelled.Cancel()
    let code, out, err = runWith cancelled.Token args
    let context = String.Join(" ", args)
    Expect.equal code CliApp.UsageError $"{context}: exit code (stdout: {out}, stderr: {err})"

    for part in expected do
        Expect.stringContains err part $"{context}: the message names the option and what is allowed"

    noStackTrace context err
    Expect.isFalse (Directory.Exists written || File.Exists written) $"{context}: nothing written"

[<Tests>]
let badInput =
    testSequenced
    <| testList
        "bad input"
        [
            test
                "every numeric and enum option of a2c train out of range: exit 2, the option and its range named, no run dir" {
                let dir = tempDir ()
                let tooDeep = String.Join(",", Array.create 17 "8")

                let rows =
                    [
                        [ "--n-envs"; "0" ], [ "--n-envs is 0; allowed: 1 to 4096" ]
                        [ "--n-envs"; "4097" ], [ "--n-envs is 4097; allowed: 1 to 4096" ]
                        [ "--n-envs"; "abc" ], [ "--n-envs is 'abc'; expected a whole number" ]
                        [ "--n-envs"; "99999999999" ], [ "--n-envs is '99999999999'; expected a whole number from" ]
                        [ "--total-steps"; "39" ], [ "--total-steps is 39; allowed: at least n_envs * n_steps = 40" ]
                        [ "--total-steps"; "-1" ], [ "--total-steps is -1; allowed: at least" ]
                        [ "--seed"; "-1" ], [ "--seed is -1; allowed: 0 or more" ]
                        [ "--seed"; "1.5" ], [ "--seed is '1.5'; expected a whole number" ]
                        [ "--preset"; "fast" ], [ "--preset is 'fast'; the only preset is 'seed'" ]
                        [ "--net"; "wide" ], [ "--net is 'wide'; allowed: shared, separate" ]
                        [ "--net-arch"; "64,x" ], [ "--net-arch is '64,x'; expected positive integers" ]
                        [ "--net-arch"; "0" ], [ "--net-arch is '0'; expected positive integers" ]
                        [ "--net-arch"; "5000" ], [ "--net-arch is 5000; allowed: up to 16 layers of 1 to 4096 units" ]
                        [ "--net-arch"; tooDeep ], [ "--net-arch is " + tooDeep + "; allowed: up to 16 layers" ]
                        [ "--activation"; "gelu" ], [ "--activation is 'gelu'; allowed: tanh, relu" ]
                        [ "--learning-rate"; "0" ],
                        [ "--learning-rate is 0; allowed: (0, 1], or lin_X with X in (0, 1]" ]
                        [ "--learning-rate"; "2" ], [ "--learning-rate is 2; allowed: (0, 1]" ]
                        [ "--learning-rate"; "lin_2" ], [ "--learning-rate is lin_2; allowed: (0, 1]" ]
                        [ "--learning-rate"; "fast" ], [ "--learning-rate: 'fast' is not a schedule" ]
                        [ "--learning-rate"; "nan" ], [ "--learning-rate: 'nan' is not a schedule" ]
                        [ "--n-steps"; "0" ], [ "--n-steps is 0; allowed: 1 to 100000" ]
                        [ "--n-steps"; "100001" ], [ "--n-steps is 100001; allowed: 1 to 100000" ]
                        [ "--gamma"; "-0.1" ], [ "--gamma is -0.1; allowed: 0 to 1" ]
                        [ "--gamma"; "1.5" ], [ "--gamma is 1.5; allowed: 0 to 1" ]
                        [ "--gamma"; "NaN" ], [ "--gamma is NaN; allowed: 0 to 1" ]
                        [ "--gamma"; "high" ], [ "--gamma is 'high'; expected a number" ]
                        [ "--gae-lambda"; "2" ], [ "--gae-lambda is 2; allowed: 0 to 1" ]
                        [ "--ent-coef"; "-1" ], [ "--ent-coef is -1; allowed: 0 to 1" ]
                        [ "--ent-coef"; "Infinity" ], [ "--ent-coef is Infinity; allowed: 0 to 1" ]
                        [ "--vf-coef"; "11" ], [ "--vf-coef is 11; allowed: 0 to 10" ]
                        [ "--max-grad-norm"; "0" ], [ "--max-grad-norm is 0; allowed: greater than 0, up to 1000" ]
                        [ "--max-grad-norm"; "1001" ],
                        [ "--max-grad-norm is 1001; allowed: greater than 0, up to 1000" ]
                        [ "--rms-prop-eps"; "0" ], [ "--rms-prop-eps is 0; allowed: greater than 0, less than 1" ]
                        [ "--rms-prop-eps"; "1" ], [ "--rms-prop-eps is 1; allowed: greater than 0, less than 1" ]
                        [ "--use-rms-prop"; "maybe" ], [ "--use-rms-prop is 'maybe'; expected true or false" ]
                        [ "--normalize-advantage=maybe" ],
                        [ "--normalize-advantage is 'maybe'; expected true or false" ]
                        [ "--normalize"; "2" ], [ "--normalize is '2'; expected true or false" ]
                        [ "--value-loss"; "l1" ], [ "--value-loss is 'l1'; allowed: mse, huber" ]
                        [ "--log-std-init"; "3" ], [ "--log-std-init is 3; allowed: -20 to 2" ]
                        [ "--log-std-init"; "-21" ], [ "--log-std-init is -21; allowed: -20 to 2" ]
                        [ "--device"; "tpu" ], [ "--device is 'tpu'; allowed: auto, cpu, cuda" ]
                        [ "--engine"; "jax" ], [ "--engine is 'jax'; allowed: auto, dotnet, torch" ]
                        [ "--remote-timeout"; "0" ],
                        [ "--remote-timeout is 0; allowed: more than 0, up to 86400 seconds" ]
                        [ "--remote-timeout"; "86401" ],
                        [ "--remote-timeout is 86401; allowed: more than 0, up to 86400" ]
                        [ "--remote-timeout"; "NaN" ], [ "--remote-timeout is NaN; allowed: more than 0" ]
                        [ "--eval-episodes"; "-1" ], [ "--eval-episodes is -1; allowed: 0 or more" ]
                        [ "--log-interval"; "0" ], [ "--log-interval is 0; allowed: 1 or more" ]
                        [ "--checkpoint-every"; "-1" ], [ "--checkpoint-every is -1; allowed: 0 or more" ]
                        [ "--summary-json"; "/nonexistent/dir/s.json" ],
                        [
                            "--summary-json: the directory of '/nonexistent/dir/s.json'"
                            "does not exist"
                        ]
                        [ "--summary-json"; Path.GetTempPath() ], [ "--summary-json: "; "is a directory" ]
                        [ "--env"; "CartPol-v1" ], [ "--env: unknown environment id 'CartPol-v1'"; "CartPole-v1" ]
                        [ "--env"; "grpc://nohost" ], [ "--env is 'grpc://nohost'; a remote env is grpc://HOST:PORT" ]
                    ]

                for args, expected in rows do
                    let env =
                        if List.contains "--env" args then
                            []
                        else
                            [ "--env"; "CartPole-v1" ]

                    refusedWithoutWriting ([ "train" ] @ env @ args @ [ "--run-dir"; dir ]) expected dir
            }

            test "resuming with out-of-range options is refused before anything in the run dir changes" {
                let dir = train [ "--env"; "CartPole-v1" ]
                let checkpoint = Path.Combine(dir, "checkpoint.zip")

                for args, expected in
                    [
                        [ "--total-steps"; "10" ], [ "--total-steps is 10; allowed: at least n_envs * n_steps = 40" ]
                        [ "--total-steps"; "400" ],
                        [
                            "--total-steps is 400; allowed: at least the 800 steps the checkpoint has already taken"
                        ]
                        [ "--eval-episodes"; "-1" ], [ "--eval-episodes is -1; allowed: 0 or more" ]
                        [ "--log-interval"; "0" ], [ "--log-interval is 0; allowed: 1 or more" ]
                        [ "--checkpoint-every"; "-5" ], [ "--checkpoint-every is -5; allowed: 0 or more" ]
                        [ "--summary-json"; "/nonexistent/s.json" ], [ "--summary-json: the directory" ]
                    ] do
                    refused CliApp.UsageError dir ([ "train"; "--resume"; checkpoint ] @ args) expected

                Directory.Delete(dir, true)
            }

            test
                "the numeric options of eval, bench, serve and env are refused by name with their ranges, exit 2, nothing written" {
                let json = tempDir () + ".json"

                let rows =
                    [
                        [ "eval"; "--checkpoint"; "x.zip"; "--episodes"; "0" ],
                        [ "--episodes is 0; allowed: 1 or more" ]
                        [ "eval"; "--checkpoint"; "x.zip"; "--episodes"; "many" ],
                        [ "--episodes is 'many'; expected a whole number" ]
                        [ "eval"; "--checkpoint"; "x.zip"; "--seed"; "x" ], [ "--seed is 'x'; expected a whole number" ]
                        [ "eval"; "--checkpoint"; "x.zip"; "--deterministic"; "maybe" ],
                        [ "--deterministic is 'maybe'; expected true or false" ]
                        [ "bench"; "--n-envs"; "0"; "--json"; json ], [ "--n-envs is 0; allowed: 1 to 4096" ]
                        [ "bench"; "--n-envs"; "4097"; "--json"; json ], [ "--n-envs is 4097; allowed: 1 to 4096" ]
                        [ "bench"; "--n-steps"; "0"; "--json"; json ], [ "--n-steps is 0; allowed: 1 to 100000" ]
                        [ "bench"; "--steps"; "39"; "--json"; json ],
                        [ "--steps is 39; allowed: at least n_envs * n_steps = 40" ]
                        [ "bench"; "--steps"; "x"; "--json"; json ], [ "--steps is 'x'; expected a whole number" ]
                        [ "bench"; "--repeats"; "0"; "--json"; json ], [ "--repeats is 0; allowed: 1 to 100" ]
                        [ "bench"; "--repeats"; "101"; "--json"; json ], [ "--repeats is 101; allowed: 1 to 100" ]
                        [ "bench"; "--net-arch"; "0"; "--json"; json ],
                        [ "--net-arch is '0'; expected positive integers" ]
                        [ "bench"; "--net-arch"; "8192"; "--json"; json ],
                        [ "--net-arch is 8192; allowed: up to 16 layers of 1 to 4096 units" ]
                        [ "bench"; "--engine"; "jax"; "--json"; json ],
                        [ "--engine is 'jax'; allowed: auto, dotnet, torch" ]
                        [ "bench"; "--env"; "Nope-v0"; "--json"; json ], [ "--env: unknown environment id 'Nope-v0'" ]
                        [ "bench"; "--json"; "/nonexistent/dir/b.json" ],
                        [ "--json: the directory of '/nonexistent/dir/b.json'" ]
                        [ "serve"; "--env"; "CartPole-v1"; "--n-envs"; "0" ], [ "--n-envs is 0; allowed: 1 to 4096" ]
                        [ "serve"; "--env"; "CartPole-v1"; "--n-envs"; "4097" ],
                        [ "--n-envs is 4097; allowed: 1 to 4096" ]
                        [ "serve"; "--env"; "CartPole-v1"; "--port"; "-1" ], [ "--port is -1; allowed: 0 to 65535" ]
                        [ "serve"; "--env"; "CartPole-v1"; "--port"; "65536" ],
                        [ "--port is 65536; allowed: 0 to 65535" ]
                        [ "serve"; "--env"; "CartPole-v1"; "--port"; "http" ],
                        [ "--port is 'http'; expected a whole number" ]
                        [ "serve"; "--env"; "CartPole-v1"; "--max-message-bytes"; "1023" ],
                        [ "--max-message-bytes is 1023; allowed: 1024 or more" ]
                        [ "serve"; "--env"; "CartPole-v1"; "--bind"; "localhost:1" ],
                        [ "--bind is 'localhost:1'; expected an IP address" ]
                        [ "serve"; "--env"; "Nope-v0" ], [ "--env: unknown environment id 'Nope-v0'" ]
                        [ "env"; "trace"; "--env"; "CartPole-v1"; "--actions"; "[0]"; "--seed"; "x" ],
                        [ "--seed is 'x'; expected a whole number" ]
                        [ "env"; "check"; "CartPole-v1"; "--steps"; "0" ], [ "--steps is 0; allowed: 1 or more" ]
                        [ "env"; "check"; "CartPole-v1"; "--seed"; "1e3" ],
                        [ "--seed is '1e3'; expected a whole number" ]
                    ]

                for args, expected in rows do
                    refusedWithoutWriting args expected json
            }

            test "parse errors are usage errors: exit 2, one line naming the command, no help text" {
                for args, expected in
                    [
                        [],
                        "a2c: a command is required: version, train, eval, export, record, predict, env, sweep, tune, plot, bench, serve, run"
                        [ "tarin" ],
                        "a2c: 'tarin' is not a command; allowed: version, train, eval, export, record, predict, env, sweep, tune, plot, bench, serve, run."
                        [ "env" ], "a2c env: a command is required: list, check, trace"
                        [ "env"; "check"; "CartPole-v1"; "extra" ], "a2c env check: unexpected argument 'extra'."
                        [ "train"; "--n-envs" ], "a2c train: Required argument missing for option: '--n-envs'."
                    ] do
                    let code, out, err = run args
                    Expect.equal code CliApp.UsageError $"{args}: exit code"
                    Expect.stringStarts (err.Trim()) expected $"{args}: the message"
                    Expect.isFalse (err.Trim().Contains '\n') $"{args}: one line"
                    Expect.equal out "" $"{args}: no help text"
            }
        ]

[<Tests>]
let disk =
    testSequenced
    <| testList
        "disk"
        [
            test
                "a run dir where a file is, or under a file, is refused before training: exit 1, no stack trace, the file untouched" {
                let file = tempDir ()
                File.WriteAllText(file, "precious")

                for runDir, expected in
                    [
                        file, "a file of that name is in the way"
                        Path.Combine(file, "run"), $"'{file}' is a file, not a directory"
                    ] do
                    let code, out, err =
                        run [ "train"; "--env"; "CartPole-v1"; "--total-steps"; "400"; "--run-dir"; runDir ]

                    Expect.equal code CliApp.Failure $"{runDir}: exit code"
                    Expect.stringContains err $"cannot create the run dir '{runDir}'" "names the run dir"
                    Expect.stringContains err expected "says why"
                    noStackTrace runDir err
                    Expect.isFalse (out.Contains "steps") "no training"

                Expect.equal (File.ReadAllText file) "precious" "the file is untouched"
                File.Delete file
            }

            test "a run dir on a read-only file system is refused before training: exit 1, no stack trace" {
                match tmpfs "ro,size=128k" with
                | Error why -> skiptest why
                | Ok dir ->
                    try
                        let runDir = Path.Combine(dir, "run")

                        let code, out, err =
                            run [ "train"; "--env"; "CartPole-v1"; "--total-steps"; "400"; "--run-dir"; runDir ]

                        Expect.equal code CliApp.Failure "exit code"

                        Expect.stringContains
                            err
                            $"cannot create the run dir '{runDir}': the file system is read-only."
                            "says why"

                        noStackTrace "read-only" err
                        Expect.isFalse (out.Contains "steps") "no training"
                    finally
                        unmount dir
            }

            test "a full disk before the run: exit 1 naming the file and 'no space', no run dir left behind" {
                match tmpfs "size=128k" with
                | Error why -> skiptest why
                | Ok dir ->
                    try
                        fill dir |> ignore
                        let runDir = Path.Combine(dir, "run")

                        let code, _, err =
                            run [ "train"; "--env"; "CartPole-v1"; "--total-steps"; "400"; "--run-dir"; runDir ]

                        Expect.equal code CliApp.Failure "exit code"
                        Expect.stringContains err $"cannot create the run dir '{runDir}'" "names the run dir"
                        Expect.stringContains err "no space left on device" "says why"
                        noStackTrace "full before" err
                        Expect.isFalse (Directory.Exists runDir) "nothing left behind"
                    finally
                        unmount dir
            }

            test
                "a disk that fills during training: exit 1 at the failing write naming the file and 'no space'; the last checkpoint is whole and resumes elsewhere" {
                match tmpfs "size=128k" with
                | Error why -> skiptest why
                | Ok dir ->
                    let copy = tempDir ()

                    try
                        let runDir = Path.Combine(dir, "run")

                        let code, _, err =
                            run
                                [
                                    "train"
                                    "--env"
                                    "CartPole-v1"
                                    "--total-steps"
                                    "100000000"
                                    "--net-arch"
                                    "8"
                                    "--checkpoint-every"
                                    "2000"
                                    "--log-interval"
                                    "10"
                                    "--run-dir"
                                    runDir
                                ]

                        Expect.equal code CliApp.Failure $"exit code (stderr: {err})"

                        Expect.isMatch
                            err
                            $"cannot write '{Text.RegularExpressions.Regex.Escape runDir}/(checkpoint\\.zip|monitor\\.csv|progress\\.csv|tensorboard)': no space left on device\\."
                            "names the file and says 'no space'"

                        let checkpoint = Path.Combine(runDir, "checkpoint.zip")
                        Expect.stringContains err $"the last checkpoint, {checkpoint}, is intact" "says what survives"
                        noStackTrace "full during" err
                        Expect.isEmpty (Directory.GetFiles(runDir, "*.tmp")) "no half-written file left"
                        let struct (options, _) = Checkpoint.Read checkpoint
                        Expect.equal options.Env "CartPole-v1" "the checkpoint reads"
                        let code, _, err = run [ "eval"; "--checkpoint"; checkpoint; "--episodes"; "2" ]
                        Expect.equal code 0 $"the checkpoint evaluates (stderr: {err})"
                        // Moved to a disk with room, the run continues from that checkpoint.
                        Directory.CreateDirectory copy |> ignore

                        for f in Directory.GetFiles runDir do
                            File.Copy(f, Path.Combine(copy, nonNull (Path.GetFileName f)))

                        let code, _, err =
                            run
                                [
                                    "train"
                                    "--resume"
                                    Path.Combine(copy, "checkpoint.zip")
                                    "--total-steps"
                                    "60000"
                                    "--eval-episodes"
                                    "0"
                                ]

                        Expect.equal code 0 $"resumes (stderr: {err})"
                    finally
                        unmount dir

                        if Directory.Exists copy then
                            Directory.Delete(copy, true)
            }

            test
                "a checkpoint that cannot be written for want of space leaves the previous one as it was, and no temporary file" {
                match tmpfs "size=128k" with
                | Error why -> skiptest why
                | Ok dir ->
                    try
                        use trainer =
                            new Trainer(
                                A2COptions(Env = "CartPole-v1", NEnvs = 2, TotalTimesteps = 1000L, NetArch = [| 8 |])
                            )

                        let path = Path.Combine(dir, "checkpoint.zip")
                        trainer.SaveCheckpoint path
                        let before = File.ReadAllBytes path
                        fill dir |> ignore

                        let error = Expect.throwsC (fun () -> trainer.SaveCheckpoint path) id

                        Expect.isTrue (error :? IOException) $"an IOException ({error.GetType().Name})"
                        Expect.equal error.Message $"cannot write '{path}': no space left on device." "the message"
                        Expect.sequenceEqual (File.ReadAllBytes path) before "the previous checkpoint is untouched"
                        Expect.isFalse (File.Exists(path + ".tmp")) "no temporary file"
                        Checkpoint.Read path |> ignore
                    finally
                        unmount dir
            }
        ]
