module A2C.Core.Tests.ArchitectureTests

open System.Reflection
open Expecto

/// Names of the assemblies that A2C.Core's compiled code refers to.
let private coreReferences () =
    Assembly.Load("A2C.Core").GetReferencedAssemblies()
    |> Array.map (fun name -> nonNull name.Name)
    |> Set.ofArray

[<Tests>]
let tests =
    testList
        "architecture"
        [
            test "A2C.Core knows no environment, no Rx and no host" {
                // TorchSharp is allowed: the loss is a pure function over tensors (core issue).
                let forbidden = set [ "A2C.Envs"; "a2c"; "System.Reactive"; "System.CommandLine" ]
                let found = Set.intersect forbidden (coreReferences ())
                Expect.isEmpty found "A2C.Core must stay pure: it references assemblies it must not know"
            }
        ]
