module A2C.Envs.Tests.Spaces.SpacesTests

open System
open A2C.Envs
open A2C.Envs.Spaces
open Expecto

[<Tests>]
let tests =
    testList
        "spaces"
        [
            test "Discrete contains exactly its n elements from start; samples stay inside" {
                let d = Discrete(3, 5)

                Expect.equal
                    [ for a in 3..9 -> d.Contains a ]
                    [ false; false; true; true; true; false; false ]
                    "5, 6, 7"

                let rng = Rng(1L)
                let samples = [ for _ in 1..1000 -> d.Sample rng ]
                Expect.equal (samples |> List.distinct |> List.sort) [ 5; 6; 7 ] "all three drawn, nothing else"
                Expect.equal (string d) "Discrete(3, start=5)" "printed like Gymnasium"
            }

            test "Box contains its bounds but not NaN or the outside; samples follow each bound's kind" {
                let b =
                    Box([| -1f; 0f; -infinityf; -infinityf |], [| 1f; infinityf; 2f; infinityf |])

                Expect.isTrue (b.Contains(ReadOnlySpan [| -1f; 1e30f; -1e30f; 0f |])) "bounds are inclusive"
                Expect.isFalse (b.Contains(ReadOnlySpan [| nanf; 0f; 0f; 0f |])) "NaN is never inside"
                Expect.isFalse (b.Contains(ReadOnlySpan [| 0f; -0.1f; 0f; 0f |])) "below a finite low"
                Expect.isFalse (b.Contains(ReadOnlySpan [| 0f; 0f |])) "wrong length"
                let rng = Rng(2L)

                for _ in 1..1000 do
                    let s = b.Sample rng
                    Expect.isTrue (b.Contains(ReadOnlySpan s)) $"{s}"
            }

            test "the same seed gives the same samples" {
                let b = Box(-2f, 2f, 3)
                Expect.sequenceEqual (b.Sample(Rng(7L))) (b.Sample(Rng(7L))) "seeded"
            }

            test "a box with low above high is refused" {
                Expect.throwsT<ArgumentException> (fun () -> Box(1f, 0f, 2) |> ignore) "low > high"
            }
        ]
