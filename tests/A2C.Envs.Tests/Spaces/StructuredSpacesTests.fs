module A2C.Envs.Tests.Spaces.StructuredSpacesTests

open System
open System.Collections.Generic
open A2C.Envs
open A2C.Envs.Spaces
open A2C.Envs.Vector
open A2C.Envs.Toy
open Expecto

/// Why `value` is not an element of `space`, or "" when it is one.
let private violation (space: Space) (value: float32[]) =
    match space.Violation(ReadOnlySpan value) with
    | null -> ""
    | why -> why

let private violationOf (why: string | null) =
    match why with
    | null -> ""
    | why -> why

let private contains (space: Space) (value: float32[]) = space.Contains(ReadOnlySpan value)

/// A random space of every kind but Dict, drawn from `rng`.
let private randomLeaf (rng: Rng) : Space =
    match rng.NextInt 5 with
    | 0 -> Discrete(1 + rng.NextInt 6, rng.NextInt 3 - 1)
    | 1 -> MultiDiscrete(Array.init (1 + rng.NextInt 4) (fun _ -> 1 + rng.NextInt 5))
    | 2 -> MultiBinary(1 + rng.NextInt 6)
    | 3 -> Box(-1f, 2f, [| 1 + rng.NextInt 3; 1 + rng.NextInt 3 |], BoxDType.Float32)
    | _ -> Box.Image(1 + rng.NextInt 5, 1 + rng.NextInt 5, 1 + rng.NextInt 3)

[<Tests>]
let tests =
    testList
        "structured spaces"
        [
            test
                "samples of random spaces of every kind (and Dicts of them) are elements; their flat size is their layout's" {
                let rng = Rng(11L)

                for _ in 1..300 do
                    let space: Space =
                        if rng.NextInt 3 = 0 then
                            Dict([| for k in 0 .. rng.NextInt 3 -> struct ($"k{k}", randomLeaf rng) |])
                        else
                            randomLeaf rng

                    let sample = Array.zeroCreate<float32> space.FlatSize
                    space.Sample(rng, Span sample)
                    Expect.equal (violation space sample) "" $"{space}: {sample}"
                    Expect.isFalse (contains space (Array.append sample [| 0f |])) $"{space}: one value too many"
            }

            test "MultiDiscrete holds integers under each nvec; a violation names the choice and the space" {
                let m = MultiDiscrete(3, 4)
                Expect.equal (string m) "MultiDiscrete([3, 4])" "printed like Gymnasium"
                Expect.equal m.FlatSize 2 "one value per choice"
                Expect.isTrue (contains m [| 2f; 3f |]) "the top corner"
                Expect.stringContains (violation m [| 0f; 4f |]) "choice 1 is 4" "names the choice"
                Expect.stringContains (violation m [| 0f; 4f |]) "MultiDiscrete([3, 4])" "names the space"
                Expect.isFalse (contains m [| 0.5f; 0f |]) "not an integer"

                Expect.stringContains
                    (violationOf (m.Violation(ReadOnlySpan [| 3; 0 |])))
                    "choice 0 is 3, outside [0, 2]"
                    "integer actions too"

                Expect.throwsT<ArgumentException>
                    (fun () -> MultiDiscrete([| 2; 0 |]) |> ignore)
                    "a choice with no value"
            }

            test "MultiBinary holds zeros and ones" {
                let b = MultiBinary(3)
                Expect.isTrue (contains b [| 0f; 1f; 1f |]) "bits"
                Expect.stringContains (violation b [| 0f; 2f; 1f |]) "switch 1 is 2" "names the switch"
                Expect.stringContains (violationOf (b.Violation(ReadOnlySpan [| 0; 1 |]))) "has 2 values" "length"
            }

            test "a uint8 image box is an image, holds whole numbers in 0..255 and prints its dtype" {
                let image = Box.Image(4, 5, 3)
                Expect.isTrue image.IsImage "HWC, uint8, 0..255"
                Expect.equal image.FlatSize 60 "H x W x C"
                Expect.equal (string image) "Box(0, 255, (4, 5, 3), uint8)" "printed like Gymnasium"
                let pixels = Array.create 60 255f
                Expect.isTrue (contains image pixels) "white"
                pixels[7] <- 12.5f

                Expect.stringContains
                    (violation image pixels)
                    "component 7 is 12.5, not a whole number"
                    "a fraction is not a uint8"

                Expect.isFalse (Box(0f, 1f, [| 4; 5; 3 |], BoxDType.Float32).IsImage) "float32 is not an image"
                Expect.isFalse (Box(0f, 255f, [| 20 |], BoxDType.UInt8).IsImage) "one dimension is not an image"

                Expect.throwsT<ArgumentException>
                    (fun () -> Box(0f, 256f, [| 2 |], BoxDType.UInt8) |> ignore)
                    "uint8 tops at 255"
            }

            test "a Dict sorts its keys, lays them out in that order, and names the key at fault" {
                let d =
                    Dict(
                        struct ("vec", Box(-1f, 1f, 2) :> Space),
                        struct ("image", Box.Image(2, 2, 1)),
                        struct ("button", Discrete(3))
                    )

                Expect.sequenceEqual d.Keys [ "button"; "image"; "vec" ] "ordinal order, as Gymnasium sorts a mapping"
                Expect.equal [ for e in d.Entries -> e.Offset ] [ 0; 1; 5 ] "offsets"
                Expect.equal d.FlatSize 7 "1 + 4 + 2"
                let good = [| 2f; 0f; 1f; 2f; 3f; 0.5f; -0.5f |]
                Expect.equal (violation d good) "" "an element"
                let bad = Array.copy good
                bad[0] <- 3f
                Expect.stringContains (violation d bad) "key 'button'" "names the key"
                let parts = Dictionary<string, float32[]>()
                parts["vec"] <- [| 0f; 0f |]
                parts["button"] <- [| 1f |]
                let target = Array.zeroCreate<float32> d.FlatSize

                let missing =
                    Expect.throwsT<ArgumentException> (fun () -> d.Flatten(parts, Span target)) "image missing"

                parts["image"] <- [| 1f; 2f; 3f; 4f |]
                d.Flatten(parts, Span target)
                Expect.sequenceEqual target [| 1f; 1f; 2f; 3f; 4f; 0f; 0f |] "flattened in key order"
                parts["extra"] <- [| 0f |]
                Expect.throwsT<ArgumentException> (fun () -> d.Flatten(parts, Span target)) "an unknown key"

                Expect.throwsT<ArgumentException>
                    (fun () -> Dict(struct ("a", Dict(struct ("b", Discrete(2) :> Space)) :> Space)) |> ignore)
                    "no nested Dict"
            }

            test "a Dict's missing key is named in the message" {
                let d =
                    Dict(struct ("image", Box.Image(1, 1, 1) :> Space), struct ("vec", Box(0f, 1f, 1)))

                let parts = Dictionary<string, float32[]>()
                parts["image"] <- [| 3f |]

                try
                    d.Flatten(parts, Span(Array.zeroCreate<float32> 2))
                    failtest "accepted"
                with :? ArgumentException as e ->
                    Expect.stringContains e.Message "missing the key 'vec'" "names the key"
                    Expect.stringContains e.Message "Dict(" "names the space"
            }

            test
                "integer-vector actions reach a MultiDiscrete env through IEnv and VectorEnv; one outside nvec is refused, named" {
                use env = new IdentityMultiDiscrete()
                let obs = env.Reset(5)
                let right = [| int obs[0]; int obs[1] |]
                let t = env.Step(right)
                Expect.equal t.Reward 1.0 "repeating the state pays"

                let e =
                    Expect.throwsT<ArgumentOutOfRangeException>
                        (fun () -> env.Step([| 0; 4 |]) |> ignore)
                        "choice 1 = 4"

                use vector = VectorEnv.Make("IdentityMultiDiscrete-v0", 3)
                vector.Reset(1)

                let actions =
                    [|
                        for i in 0..2 -> [| int vector.Observations[2 * i]; int vector.Observations[2 * i + 1] |]
                    |]
                    |> Array.concat

                vector.Step(ReadOnlySpan actions)
                Expect.sequenceEqual vector.Rewards [| 1f; 1f; 1f |] "every env repeated its state"
                Expect.throwsT<ArgumentException> (fun () -> vector.Step(ReadOnlySpan [| 0; 0 |])) "N x K integers"

                try
                    vector.Step(ReadOnlySpan [| 0; 0; 0; 0; 3; 0 |])
                    failtest "accepted"
                with e ->
                    let inner =
                        match e.InnerException with
                        | null -> e
                        | inner -> inner

                    Expect.stringContains
                        inner.Message
                        "choice 0 is 3, outside [0, 2] of MultiDiscrete([3, 4])"
                        "names the choice and the space"
            }

            test "the image and Dict test envs draw elements of their spaces and pay the named answer" {
                use image = new ImageIdentity()
                let obs = image.Reset(3)
                Expect.equal (violation image.ObservationSpace obs) "" "a uint8 image"
                use multi = new SimpleMultiObs()
                let o = multi.Reset(4)
                Expect.equal (violation multi.ObservationSpace o) "" "a Dict element"
                let t = multi.Step(multi.Answer)
                Expect.equal t.Reward 1.0 "the answer pays"
                use bits = new IdentityMultiBinary()
                let b = bits.Reset(2)
                Expect.equal (bits.Step(b |> Array.map int).Reward) 1.0 "repeating the switches pays"
            }
        ]
