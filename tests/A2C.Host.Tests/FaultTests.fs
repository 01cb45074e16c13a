/// Reliability (issue 9): corrupt and foreign files, bad input, and disk faults. Every case must end
/// with a message naming what was wrong, exit 2 (bad input) or 1 (a failure), no stack trace, and
/// nothing written or lost. docs/reliability.md lists the cases and quotes the messages.
module A2C.Host.Tests.FaultTests

open System
open System.IO
open System.Security.Cryptography
open System.Text
open System.Threading
open A2C.Host.Cli
open Expecto

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
                        [], "a2c: a command is required: version, train, eval, env, bench, serve"
                        [ "tarin" ], "a2c: 'tarin' is not a command; allowed: version, train, eval, env, bench, serve."
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
