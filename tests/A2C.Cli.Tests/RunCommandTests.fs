module A2C.Cli.Tests.RunCommandTests

open System
open System.IO
open Expecto
open A2C.Cli

let private inTempFolder (work: string -> unit) =
    let folder = Directory.CreateTempSubdirectory("a2c-run-").FullName

    try
        work folder
    finally
        Directory.Delete(folder, true)

let private library = Path.GetFullPath("/repo/src/A2C.Training/A2C.Training.csproj")

let private run (args: string list) =
    use stdout = new StringWriter()
    use stderr = new StringWriter()
    let code = CliApp.Run(List.toArray args, stdout, stderr)
    code, stdout.ToString(), stderr.ToString()

[<Tests>]
let tests =
    testList
        "run"
        [
            testList
                "script project"
                [
                    test "a script whose #:project line reaches the library runs where it is" {
                        inTempFolder (fun folder ->
                            let lib = Path.Combine(folder, "src", "A2C.Training", "A2C.Training.csproj")
                            Directory.CreateDirectory(Path.GetDirectoryName lib |> nonNull) |> ignore
                            File.WriteAllText(lib, "<Project />")
                            let script = Path.Combine(folder, "examples", "x.cs")
                            Directory.CreateDirectory(Path.GetDirectoryName script |> nonNull) |> ignore
                            File.WriteAllText(script, "#:project ../src/A2C.Training/A2C.Training.csproj\nreturn 0;\n")
                            let shadow = Path.Combine(folder, "shadow")
                            Expect.equal (ScriptProject.Prepare(script, lib, shadow)) script "run in place"
                            Expect.isFalse (Directory.Exists shadow) "no copy made")
                    }

                    test
                        "a copied script runs as a copy that points at the library, with other relative projects made absolute" {
                        inTempFolder (fun folder ->
                            let script = Path.Combine(folder, "mine.cs")

                            File.WriteAllText(
                                script,
                                "#!/usr/bin/env dotnet\n#:project ../src/A2C.Training/A2C.Training.csproj\n#:project lib/Mine.csproj\nreturn 0;\n"
                            )

                            let shadow = Path.Combine(folder, "shadow")
                            let copy = ScriptProject.Prepare(script, library, shadow)
                            Expect.notEqual copy script "a copy"
                            Expect.isTrue (copy.StartsWith shadow) "in the cache folder"
                            Expect.equal (Path.GetFileName copy) "mine.cs" "same name"

                            let lines = File.ReadAllLines copy
                            let mine = Path.Combine(folder, "lib", "Mine.csproj")

                            Expect.equal
                                lines
                                [|
                                    "#!/usr/bin/env dotnet"
                                    $"#:project {library}"
                                    $"#:project {mine}"
                                    "return 0;"
                                |]
                                "shebang first, the library's line pointed here, the other made absolute"

                            Expect.equal (File.ReadAllText script).Length 108 "the user's file is untouched")
                    }

                    test
                        "a script without the library's line gets one, after a shebang; an unchanged copy is not rewritten" {
                        inTempFolder (fun folder ->
                            let script = Path.Combine(folder, "plain.cs")
                            File.WriteAllText(script, "#!/usr/bin/env dotnet\nConsole.WriteLine(1);\n")
                            let shadow = Path.Combine(folder, "shadow")
                            let copy = ScriptProject.Prepare(script, library, shadow)

                            Expect.equal
                                (File.ReadAllLines copy)
                                [| "#!/usr/bin/env dotnet"; $"#:project {library}"; "Console.WriteLine(1);" |]
                                "the line is added"

                            let written = File.GetLastWriteTimeUtc copy
                            File.SetLastWriteTimeUtc(copy, written.AddHours -1.0)
                            let again = ScriptProject.Prepare(script, library, shadow)
                            Expect.equal again copy "the same copy"

                            Expect.equal
                                (File.GetLastWriteTimeUtc copy)
                                (written.AddHours -1.0)
                                "not rewritten, so its cached build stays valid")
                    }

                    test "the library is found above the CLI's own folder, in the repository it was built from" {
                        let found = ScriptProject.FindLibrary AppContext.BaseDirectory
                        Expect.isSome (Option.ofObj found) "found"
                        Expect.isTrue (File.Exists(nonNull found)) "an existing project file"
                    }
                ]

            testSequenced
            <| testList
                "command"
                [
                    test
                        "a missing script, a directory and a file that is not .cs are bad input (exit 2) naming the path" {
                        inTempFolder (fun folder ->
                            let missing = Path.Combine(folder, "nope.cs")
                            let code, _, err = run [ "run"; missing ]
                            Expect.equal code CliApp.UsageError "missing: exit code"
                            Expect.stringContains err $"a2c run: '{missing}' does not exist." "missing: message"
                            let code, _, err = run [ "run"; folder ]
                            Expect.equal code CliApp.UsageError "directory: exit code"
                            Expect.stringContains err "is a directory" "directory: message"
                            let text = Path.Combine(folder, "notes.txt")
                            File.WriteAllText(text, "hi")
                            let code, _, err = run [ "run"; text ]
                            Expect.equal code CliApp.UsageError "not .cs: exit code"
                            Expect.stringContains err "is not a C# script" "not .cs: message")
                    }

                    test "the script's arguments, output and exit code pass through, from any working directory" {
                        inTempFolder (fun folder ->
                            // No #:project line at all: a2c run adds the library's, so A2C types resolve.
                            File.WriteAllText(
                                Path.Combine(folder, "echo.cs"),
                                "Console.WriteLine(string.Join('|', args) + \" \" + A2C.Envs.Registry.Spec(\"CartPole-v1\").RewardThreshold);\nreturn args.Length == 2 && args[0] == \"a b\" ? 7 : 1;\n"
                            )

                            let info = Children.a2cStartInfo [ "run"; "echo.cs"; "--"; "a b"; "--c" ]
                            info.WorkingDirectory <- folder
                            use proc = nonNull (Diagnostics.Process.Start info)
                            let code, out, err = Children.finish proc (TimeSpan.FromMinutes 3.0)
                            Expect.equal code 7 $"the script's exit code\n{out}\n{err}"
                            Expect.stringContains out "a b|--c 475" "its arguments, as given, and the library")
                    }
                ]
        ]
