module A2C.Training.Tests.ArchitectureTests

open System.Reflection
open Expecto

/// Names of the assemblies that A2C.Training's compiled code refers to.
let private trainingReferences () =
    Assembly.Load("A2C.Training").GetReferencedAssemblies()
    |> Array.map (fun name -> nonNull name.Name)
    |> Set.ofArray

[<Tests>]
let tests =
    testList
        "architecture"
        [
            test "A2C.Training knows neither the CLI, nor ASP.NET Core, nor a command-line parser" {
                // Examples, benchmarks and users reference the library; what the a2c executable
                // needs (its parser, its terminal UI, the gRPC server's web host) stays there.
                let forbidden =
                    set
                        [
                            "a2c"
                            "System.CommandLine"
                            "Spectre.Console"
                            "Microsoft.AspNetCore"
                            "Microsoft.AspNetCore.Hosting"
                            "Grpc.AspNetCore.Server"
                        ]

                let found = Set.intersect forbidden (trainingReferences ())
                Expect.isEmpty found "A2C.Training references assemblies that belong to the CLI"
            }

            test "A2C.Training uses the core and the environments" {
                let found = trainingReferences ()
                Expect.isTrue (found.Contains "A2C.Core" && found.Contains "A2C.Envs") "arrows: Training -> Core, Envs"
            }
        ]
