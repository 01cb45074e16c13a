module A2C.Envs.Tests.ArchitectureTests

open System.Reflection
open Expecto

[<Tests>]
let tests =
    testList
        "architecture"
        [
            test "A2C.Envs knows no TorchSharp, no core, no host and no Rx" {
                let referenced =
                    Assembly.Load("A2C.Envs").GetReferencedAssemblies()
                    |> Array.map (fun name -> nonNull name.Name)
                    |> Set.ofArray

                // The simulator adapters use the BCL's IObservable and IObserver, not System.Reactive.
                let forbidden =
                    set [ "A2C.Core"; "FSharp.Core"; "a2c"; "TorchSharp"; "System.Reactive" ]

                let found = Set.intersect forbidden referenced
                Expect.isEmpty found "A2C.Envs must not depend on the learner side of the house"
            }
        ]
