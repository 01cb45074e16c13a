namespace A2C.Core

open System.Runtime.CompilerServices

[<assembly: InternalsVisibleTo("A2C.Core.Tests")>]
do ()
