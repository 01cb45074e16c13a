module A2C.Cli.Tests.ExperimentTests

open System
open System.Diagnostics
open System.IO
open A2C.Training
open Expecto

let private root =
    Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."))

/// `COMMAND... FILE.cs -- ARGS` in `directory`; (exit code, stdout, stderr).
let private start (configure: ProcessStartInfo -> unit) (directory: string) (command: string list) =
    let info =
        ProcessStartInfo(
            List.head command,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory
        )

    for arg in List.tail command do
        info.ArgumentList.Add arg

    configure info
    use proc = nonNull (Process.Start info)
    Children.finish proc (TimeSpan.FromMinutes 3.0)

/// `./a2c run FILE.cs -- 4000` from the repository root, as the README runs an example.
let private runExample (file: string) =
    start
        ignore
        root
        [
            Path.Combine(root, "a2c")
            "run"
            Path.GetRelativePath(root, file)
            "--"
            "4000"
        ]

/// `dotnet run FILE.cs -- 4000` from the repository root: the plain way, without the launcher.
let private dotnetRun (configure: ProcessStartInfo -> unit) (file: string) =
    start configure root [ "dotnet"; "run"; Path.GetRelativePath(root, file); "--"; "4000" ]

[<Tests>]
let tests =
    testSequenced
    <| testList
        "experiments"
        [
            test "Experiment runs every seed, reports every update as a stream, and returns curves and evaluations" {
                let experiment =
                    Experiment
                        .On("CartPole-v1")
                        .Envs(2)
                        .Seeds(1, 2)
                        .With(fun _ -> A2COptions(Env = "CartPole-v1", NEnvs = 2, NSteps = 5))
                        .Evaluate(2)

                let reports = ResizeArray()
                use _ = experiment.Progress.Subscribe(fun r -> reports.Add r)
                let result = experiment.Run 2000L
                Expect.equal [ for s in result.Seeds -> s.Seed ] [ 1; 2 ] "one result per seed, in order"
                Expect.equal reports.Count (2 * 2000 / 10) "every update of every seed was reported"

                for s in result.Seeds do
                    Expect.equal s.Training.TotalTimesteps 2000L "the budget"
                    Expect.equal s.Curve.Count 200 "one curve point per update"
                    Expect.equal (nonNull s.Evaluation).Episodes.Count 2 "evaluated"

                Expect.isTrue (Double.IsFinite result.MeanEvaluation) "a summary over seeds"
            }

            test "every example in examples/ runs to the end on a small budget (./a2c run FILE.cs)" {
                for file in Directory.GetFiles(Path.Combine(root, "examples"), "*.cs") do
                    let code, out, err = runExample file
                    Expect.equal code 0 $"{Path.GetFileName file}:\n{out}\n{err}"
            }

            test "a copy of examples/starter.cs outside the repo runs with ./a2c run from its own folder" {
                let folder = Directory.CreateTempSubdirectory("a2c-starter-").FullName

                try
                    File.Copy(Path.Combine(root, "examples", "starter.cs"), Path.Combine(folder, "starter.cs"))

                    let code, out, err =
                        start
                            ignore
                            folder
                            [ Path.Combine(root, "a2c"); "run"; "starter.cs"; "--"; "4000"; "curves.png" ]

                    Expect.equal code 0 $"exit code\n{out}\n{err}"
                    Expect.stringContains out "CartPole-v1: eval over seeds" "it trained and evaluated"

                    Expect.isTrue
                        (File.Exists(Path.Combine(folder, "curves.png")))
                        "and plotted in its working directory"

                    Expect.equal
                        (File.ReadAllText(Path.Combine(folder, "starter.cs")))
                        (File.ReadAllText(Path.Combine(root, "examples", "starter.cs")))
                        "the user's file is left as it was"
                finally
                    Directory.Delete(folder, true)
            }

            test
                "an example started without the private libstdc++ (Debian 12) says what to do, not TorchSharp's 'missing package'" {
                match CliTests.systemLibstdcxxIsNewEnough () with
                | Some false when OperatingSystem.IsLinux() ->
                    let withoutPrivateCopy (info: ProcessStartInfo) =
                        info.Environment.Remove "LD_LIBRARY_PATH" |> ignore

                    let code, out, err =
                        dotnetRun withoutPrivateCopy (Path.Combine(root, "examples", "cartpole.cs"))

                    let said = out + err
                    Expect.notEqual code 0 "it fails"
                    Expect.stringContains said "GLIBCXX_3.4.32" "with the loader's reason"
                    Expect.stringContains said "LD_LIBRARY_PATH" "and what to do"
                    Expect.stringContains said "./a2c run" "or the launcher that does it"
                    Expect.isFalse (said.Contains "   at ") "one short message, no stack trace"
                    Expect.isFalse (said.Contains "Unhandled exception") "not reported as a crash"

                    Expect.isFalse
                        (said.Contains "doesn't contain a reference to libtorch")
                        "not TorchSharp's misleading message"
                | _ -> skiptest "the system's libstdc++ is new enough (or this is not Linux x64): nothing to diagnose"
            }
        ]
