module A2C.Cli.Tests.ArchitectureTests

open System
open System.IO
open System.Reflection
open System.Text.RegularExpressions
open Expecto

let private root =
    Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."))

/// A file under src/ over the house's limit says why on a line with this phrase (hot-path kernels).
let private longFileReason = "over the 450-line limit because"

let private sourceFiles () =
    Directory.EnumerateFiles(Path.Combine(root, "src"), "*.*", SearchOption.AllDirectories)
    |> Seq.filter (fun path ->
        let parts = path.Split(Path.DirectorySeparatorChar)

        (path.EndsWith ".cs" || path.EndsWith ".fs" || path.EndsWith ".fsi")
        && not (Array.contains "obj" parts || Array.contains "bin" parts))
    |> List.ofSeq

[<Tests>]
let tests =
    testList
        "architecture"
        [
            test "the CLI stands on the library: a2c references A2C.Training, Core and Envs come through it" {
                let references =
                    Assembly.Load("a2c").GetReferencedAssemblies()
                    |> Array.map (fun name -> nonNull name.Name)
                    |> Set.ofArray

                Expect.isTrue (references.Contains "A2C.Training") "Cli -> Training"
            }

            test "examples and benchmarks reference the library, not the CLI" {
                let examples = Directory.GetFiles(Path.Combine(root, "examples"), "*.cs")
                Expect.isNonEmpty examples "there are examples"

                for file in examples do
                    let projects =
                        File.ReadAllLines file
                        |> Array.filter (fun line -> line.StartsWith "#:project ")

                    // deploy.cs also runs its export with A2C.Policy, the runtime a game would reference.
                    let allowed =
                        if Path.GetFileName file = "deploy.cs" then
                            [|
                                "#:project ../src/A2C.Training/A2C.Training.csproj"
                                "#:project ../src/A2C.Policy/A2C.Policy.csproj"
                            |]
                        else
                            [| "#:project ../src/A2C.Training/A2C.Training.csproj" |]

                    Expect.equal projects allowed $"{Path.GetFileName file} references the libraries, not the CLI"

                let bench =
                    File.ReadAllText(Path.Combine(root, "bench", "A2C.Benchmarks", "A2C.Benchmarks.csproj"))

                Expect.isFalse (bench.Contains "A2C.Cli") "the benchmarks do not reference the CLI"
                Expect.stringContains bench "A2C.Training.csproj" "they reference the library"
            }

            test "no file under src/ is over 450 lines, but for kernels that say why" {
                let tooLong =
                    [
                        for path in sourceFiles () do
                            let lines = File.ReadAllLines path

                            if
                                lines.Length > 450
                                && not (lines |> Array.exists (fun l -> l.Contains longFileReason))
                            then
                                $"{Path.GetRelativePath(root, path)} ({lines.Length} lines)"
                    ]

                Expect.equal tooLong [] "split these by responsibility, or say why a hot-path kernel is longer"
            }

            test "no source file names a package registry's address" {
                let address =
                    Regex(@"://[^\s""]*(nuget|debian|npmjs|pypi|pythonhosted)", RegexOptions.IgnoreCase)

                let found =
                    [
                        for path in sourceFiles () do
                            if address.IsMatch(File.ReadAllText path) then
                                Path.GetRelativePath(root, path)
                    ]

                Expect.equal found [] "restore uses the machine's configured source; no committed file names one"
            }
        ]
