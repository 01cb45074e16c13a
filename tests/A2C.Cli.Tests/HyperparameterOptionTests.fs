module A2C.Cli.Tests.HyperparameterOptionTests

open System
open System.IO
open A2C.Cli
open A2C.Training
open A2C.Training.Tests.OptionsGenerators
open Expecto
open FsCheck
open FsCheck.FSharp

let private run (args: string list) =
    use stdout = new StringWriter()
    use stderr = new StringWriter()
    let code = CliApp.Run(List.toArray args, stdout, stderr)
    code, stdout.ToString(), stderr.ToString()

/// A run dir that a dry run must leave alone (it is never created).
let private nowhere () =
    Path.Combine(Path.GetTempPath(), $"a2c-dry-{Guid.NewGuid():N}")

/// `--option=text` for every row but the env, which is a registered one.
let private arguments (options: A2COptions) =
    [
        for row in Hyperparameters.All do
            if row <> Hyperparameters.Env then
                $"{row.Cli}={row.Format options}"
    ]

[<Tests>]
let tests =
    testSequenced
    <| testList
        "train's options from the hyperparameter table"
        [
            test
                "every row's option is in a2c train --help, an enum-like one with its allowed values; bench's --engine too" {
                let code, help, _ = run [ "train"; "--help" ]
                Expect.equal code 0 "help exits 0"

                for row in Hyperparameters.All do
                    Expect.stringContains help row.Cli $"{row.Name}'s option"
                    Expect.stringContains help $"[{row.Name}; " $"{row.Name}'s name and default"

                    match row.Choices with
                    | null -> ()
                    | choices ->
                        Expect.stringContains help $"{row.Cli} <{String.Join('|', choices)}>" $"{row.Cli}'s values"

                Expect.stringContains help "--device <auto|cpu|cuda>" "the devices"
                Expect.stringContains help "--preset <seed>" "the presets"
                let _, benchHelp, _ = run [ "bench"; "--help" ]
                Expect.stringContains benchHelp "--engine <auto|dotnet|torch>" "bench shares the engine's row"
            }

            test "an unknown value of every enum-like option is refused naming the option and its values, exit 2" {
                for row in Hyperparameters.All do
                    match row.Choices with
                    | null -> ()
                    | choices ->
                        let allowed = String.Join(", ", choices)
                        let dir = nowhere ()

                        let code, _, err =
                            run
                                [
                                    "train"
                                    "--env"
                                    "CartPole-v1"
                                    row.Cli
                                    "bogus"
                                    "--dry-run"
                                    "--run-dir"
                                    dir
                                ]

                        Expect.equal code CliApp.UsageError $"{row.Cli}: exit 2 ({err})"

                        Expect.stringContains
                            err
                            $"a2c train: {row.Cli} is 'bogus'; allowed: {allowed}."
                            $"{row.Cli}: the message"

                        Expect.isFalse (Directory.Exists dir) "nothing written"
            }

            testPropertyWithConfig
                { FsCheckConfig.defaultConfig with
                    maxTest = 25
                }
                "random valid options given as --option=text come back in --dry-run's config.json"
            <| Prop.forAll (Arb.fromGen validOptions) (fun generated ->
                let options = Hyperparameters.Env.Set(generated, "CartPole-v1")
                let dir = nowhere ()

                let code, out, err =
                    run (
                        [ "train"; "--env"; "CartPole-v1"; "--dry-run"; "--run-dir"; dir ]
                        @ arguments options
                    )

                let back =
                    if code = 0 then
                        Some(RunFiles.ParseConfig(out, "stdout"))
                    else
                        None

                let differ =
                    match back with
                    | None -> [ $"exit {code}: {err}" ]
                    | Some back ->
                        [
                            for row in Hyperparameters.All do
                                if not (row.Same(options, back)) then
                                    $"{row.Name}: {row.Format options} became {row.Format back}"
                        ]

                List.isEmpty differ
                |> Prop.label $"{String.Join('\n', differ)}\n{describe options}")

            test
                "every option a resumed run keeps is refused with --resume by its spelling; the free ones are named as allowed" {
                let checkpoint = Path.Combine(nowhere (), "checkpoint.zip")

                for row in Hyperparameters.All do
                    if row.OnResume <> ResumeRule.Free then
                        let code, _, err =
                            run [ "train"; "--resume"; checkpoint; $"{row.Cli}={row.FormatValue row.Default}" ]

                        Expect.equal code CliApp.UsageError $"{row.Cli}: exit 2"

                        Expect.stringContains
                            err
                            $"{row.Cli} cannot be given with --resume: a resumed run keeps its options and run dir (only --total-steps, --threads and the logging options may change)."
                            $"{row.Cli}: the message"
            }
        ]
