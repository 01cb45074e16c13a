/// Parse errors in our words, found from the parse's structure (issue 14): an unknown option, a
/// flag's bad value, a stray word, a missing command, and an option given twice, for each command.
module A2C.Cli.Tests.ParseErrorTests

open System
open System.IO
open System.Threading
open A2C.Cli
open Expecto

let private run (args: string list) =
    // A cancelled token: a row that were wrongly accepted stops at once rather than trains.
    use cancelled = new CancellationTokenSource()
    cancelled.Cancel()
    use stdout = new StringWriter()
    use stderr = new StringWriter()
    let code = CliApp.Run(List.toArray args, stdout, stderr, cancelled.Token)
    code, stdout.ToString(), stderr.ToString()

let private tempPath () =
    Path.Combine(Path.GetTempPath(), "a2c-parse-" + Guid.NewGuid().ToString("N"))

/// Every row is refused with exit 2, its stderr exactly the lines given, nothing on stdout, nothing written.
let private refused (rows: (string list * string list) list) =
    for args, expected in rows do
        let written = tempPath ()
        let args = args |> List.map (fun a -> a.Replace("OUT", written))
        let expected = expected |> List.map (fun a -> a.Replace("OUT", written))
        let code, out, err = run args
        let context = String.Join(" ", args)
        Expect.equal code CliApp.UsageError $"{context}: exit 2 (stderr: {err})"

        Expect.equal
            (err.Split('\n', StringSplitOptions.RemoveEmptyEntries ||| StringSplitOptions.TrimEntries)
             |> List.ofArray)
            expected
            $"{context}: the messages"

        Expect.equal out "" $"{context}: nothing on stdout"
        Expect.isFalse (Directory.Exists written || File.Exists written) $"{context}: nothing written"

let private trace = [ "env"; "trace"; "--env"; "CartPole-v1"; "--actions"; "[0]" ]

let private sweep =
    [ "sweep"; "--env"; "CartPole-v1"; "--seeds"; "1-2"; "--out"; "OUT" ]

[<Tests>]
let tests =
    testSequenced
    <| testList
        "parse errors"
        [
            test "an unknown option is named with where the options are listed, for every command" {
                refused
                    [
                        [ "train"; "--env"; "CartPole-v1"; "--n-envz"; "3" ],
                        [ "a2c train: unknown option '--n-envz' (a2c train --help lists the options)." ]
                        trace @ [ "--x" ],
                        [
                            "a2c env trace: unknown option '--x' (a2c env trace --help lists the options)."
                        ]
                        [ "bench"; "--x"; "3"; "--json"; "OUT" ],
                        [ "a2c bench: unknown option '--x' (a2c bench --help lists the options)." ]
                        // The sweep passes unknown options to a2c train, whose options they would be.
                        sweep @ [ "--n-envz"; "3" ],
                        [ "a2c sweep: unknown option '--n-envz' (a2c train --help lists the options)." ]
                        [ "plot"; "--x"; "--out"; "OUT.png" ],
                        [ "a2c plot: unknown option '--x' (a2c plot --help lists the options)." ]
                        [ "plot"; "run-a"; "--x"; "3"; "--out"; "OUT.png" ],
                        [ "a2c plot: unknown option '--x' (a2c plot --help lists the options)." ]
                        [ "env"; "check"; "--steps"; "5"; "--foo" ],
                        [
                            "a2c env check: unknown option '--foo' (a2c env check --help lists the options)."
                        ]
                    ]
            }

            test "an unknown option is named without its value, and a one-dash one is an option too" {
                refused
                    [
                        [ "train"; "--env"; "CartPole-v1"; "--n-envz=3" ],
                        [ "a2c train: unknown option '--n-envz' (a2c train --help lists the options)." ]
                        [ "train"; "--env"; "CartPole-v1"; "-x" ],
                        [ "a2c train: unknown option '-x' (a2c train --help lists the options)." ]
                        [ "bench"; "-v"; "--json"; "OUT" ],
                        [ "a2c bench: unknown option '-v' (a2c bench --help lists the options)." ]
                    ]
            }

            test "a flag's value that is not true or false is named, given apart or with =" {
                refused
                    [
                        [ "train"; "--env"; "CartPole-v1"; "--normalize"; "maybe" ],
                        [ "a2c train: --normalize is 'maybe'; expected true or false." ]
                        [ "train"; "--env"; "CartPole-v1"; "--stop-at-threshold=yes" ],
                        [ "a2c train: --stop-at-threshold is 'yes'; expected true or false." ]
                        sweep @ [ "--normalize"; "maybe" ],
                        [ "a2c sweep: --normalize is 'maybe'; expected true or false." ]
                        [ "eval"; "--checkpoint"; "x.zip"; "--deterministic"; "perhaps" ],
                        [ "a2c eval: --deterministic is 'perhaps'; expected true or false." ]
                    ]
            }

            test "a stray word is 'not a command' where commands are chosen, an unexpected argument elsewhere" {
                refused
                    [
                        [ "tarin" ],
                        [
                            "a2c: 'tarin' is not a command; allowed: version, train, eval, export, record, predict, env, sweep, tune, plot, bench, serve, run."
                        ]
                        [ "env"; "chek" ], [ "a2c env: 'chek' is not a command; allowed: list, check, trace." ]
                        [ "train"; "--env"; "CartPole-v1"; "stray" ], [ "a2c train: unexpected argument 'stray'." ]
                        trace @ [ "stray" ], [ "a2c env trace: unexpected argument 'stray'." ]
                        [ "bench"; "stray"; "--json"; "OUT" ], [ "a2c bench: unexpected argument 'stray'." ]
                        sweep @ [ "stray" ], [ "a2c sweep: unexpected argument 'stray'." ]
                    ]
            }

            test "a group without its command says which commands there are" {
                refused
                    [
                        [],
                        [
                            "a2c: a command is required: version, train, eval, export, record, predict, env, sweep, tune, plot, bench, serve, run (a2c --help describes them)."
                        ]
                        [ "env" ],
                        [
                            "a2c env: a command is required: list, check, trace (a2c env --help describes them)."
                        ]
                        [ "--bogus" ], [ "a2c: unknown option '--bogus' (a2c --help lists the options)." ]
                    ]
            }

            test "--help of a group or of a command is help, not an error" {
                for args in [ [ "env"; "--help" ]; [ "--help" ]; [ "env"; "trace"; "--help" ] ] do
                    let code, out, err = run args
                    Expect.equal code 0 $"{args}: exit 0 (stderr: {err})"
                    Expect.stringContains out "Usage:" $"{args}: the help"
            }

            test "a single-value option given twice says so, with both values, for numbers, text and flags" {
                refused
                    [
                        // A number: it used to be "--total-steps is '100 2000'; expected a whole number".
                        [
                            "train"
                            "--env"
                            "CartPole-v1"
                            "--total-steps"
                            "100"
                            "--total-steps"
                            "2000"
                        ],
                        [ "a2c train: --total-steps is given twice ('100', '2000'); give it once." ]
                        [ "train"; "--env"; "CartPole-v1"; "--gamma=0.9"; "--gamma=0.99" ],
                        [ "a2c train: --gamma is given twice ('0.9', '0.99'); give it once." ]
                        [ "train"; "--env"; "CartPole-v1"; "--seed"; "1"; "--seed"; "2"; "--seed"; "3" ],
                        [ "a2c train: --seed is given 3 times ('1', '2', '3'); give it once." ]
                        // Text.
                        [ "train"; "--env"; "CartPole-v1"; "--env"; "Acrobot-v1" ],
                        [
                            "a2c train: --env is given twice ('CartPole-v1', 'Acrobot-v1'); give it once."
                        ]
                        // A flag, with values, and bare (which the parser itself accepts).
                        [
                            "train"
                            "--env"
                            "CartPole-v1"
                            "--normalize"
                            "true"
                            "--normalize"
                            "false"
                        ],
                        [ "a2c train: --normalize is given twice ('true', 'false'); give it once." ]
                        [ "train"; "--env"; "CartPole-v1"; "--normalize"; "--normalize" ],
                        [ "a2c train: --normalize is given twice; give it once." ]
                        [
                            "eval"
                            "--checkpoint"
                            "x.zip"
                            "--deterministic"
                            "--deterministic"
                            "false"
                        ],
                        [ "a2c eval: --deterministic is given twice; give it once." ]
                        // Every command.
                        trace @ [ "--seed"; "1"; "--seed"; "2" ],
                        [ "a2c env trace: --seed is given twice ('1', '2'); give it once." ]
                        [
                            "env"
                            "trace"
                            "--env"
                            "CartPole-v1"
                            "--env"
                            "Acrobot-v1"
                            "--actions"
                            "[0]"
                        ],
                        [
                            "a2c env trace: --env is given twice ('CartPole-v1', 'Acrobot-v1'); give it once."
                        ]
                        [ "bench"; "--n-envs"; "2"; "--n-envs"; "3"; "--json"; "OUT" ],
                        [ "a2c bench: --n-envs is given twice ('2', '3'); give it once." ]
                        [ "bench"; "--engine"; "dotnet"; "--engine"; "torch"; "--json"; "OUT" ],
                        [ "a2c bench: --engine is given twice ('dotnet', 'torch'); give it once." ]
                        [ "plot"; "run-a"; "--out"; "OUT.png"; "--out"; "OUT-2.png" ],
                        [ "a2c plot: --out is given twice ('OUT.png', 'OUT-2.png'); give it once." ]
                        [ "plot"; "run-a"; "--width"; "100"; "--width"; "200" ],
                        [ "a2c plot: --width is given twice ('100', '200'); give it once." ]
                        // The sweep's own option, and a train option it passes on.
                        [
                            "sweep"
                            "--env"
                            "CartPole-v1"
                            "--seeds"
                            "1"
                            "--seeds"
                            "2"
                            "--out"
                            "OUT"
                        ],
                        [ "a2c sweep: --seeds is given twice ('1', '2'); give it once." ]
                        sweep @ [ "--total-steps"; "100"; "--total-steps"; "2000" ],
                        [ "a2c sweep: --total-steps is given twice ('100', '2000'); give it once." ]
                        [ "serve"; "--env"; "CartPole-v1"; "--port"; "1"; "--port"; "2" ],
                        [ "a2c serve: --port is given twice ('1', '2'); give it once." ]
                    ]
            }

            test "the repeated option's own parse error is not reported besides, other errors are" {
                refused
                    [
                        [
                            "train"
                            "--env"
                            "CartPole-v1"
                            "--n-envs"
                            "x"
                            "--n-envs"
                            "y"
                            "--gamma"
                            "high"
                        ],
                        [
                            "a2c train: --n-envs is given twice ('x', 'y'); give it once."
                            "a2c train: --gamma is 'high'; expected a number."
                        ]
                    ]
            }

            test "an option that takes many values may be given many times" {
                // Only the missing RUN_DIRs are wrong here, not the repeated --label.
                let code, _, err = run [ "plot"; "--label"; "a"; "--label"; "b" ]
                Expect.equal code CliApp.UsageError "exit 2"
                Expect.stringContains err "--label was given 2 times for 0 RUN_DIRs" "the labels are counted"
                Expect.isFalse (err.Contains "given twice") $"no repetition error: {err}"
            }

            test "after --, an option's shape is a RUN_DIR" {
                let code, _, err = run [ "plot"; "--"; "--x" ]
                Expect.equal code CliApp.UsageError "exit 2"
                Expect.stringContains err "a2c plot: '--x' does not exist." "read as a directory"
            }
        ]
