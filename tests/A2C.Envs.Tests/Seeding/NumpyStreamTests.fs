/// numpy's SeedSequence and PCG64 as Gymnasium seeds its envs: frozen vectors recorded from Debian
/// 12's numpy 1.24.2 by tests/reference/numpy_streams.py, and each ported env's first observation
/// after reset(seed=s) as Gymnasium 1.4's reset code draws it.
module A2C.Envs.Tests.Seeding.NumpyStreamTests

open System
open System.Numerics
open A2C.Envs
open A2C.Envs.Seeding
open Expecto
open FsCheck
open FsCheck.FSharp

let private seedStates =
    [
        "0",
        [| 2968811710u; 3677149159u; 745650761u; 2884920346u |],
        [| 15793235383387715774UL; 12390638538380655177UL |]
        "1",
        [| 1835504127u; 1731038949u; 1320224556u; 2330041505u |],
        [| 7434755675892716031UL; 10007452063617845036UL |]
        "42",
        [| 3444837047u; 2669555309u; 2046530742u; 3581440988u |],
        [| 11465652750463011511UL; 15382171918060459190UL |]
        "12345",
        [| 2688385916u; 3048105090u; 4196366895u; 3152189807u |],
        [| 13091511679009522556UL; 13538552136045918767UL |]
        "4294967301",
        [| 3796490668u; 4190198742u; 909250263u; 2986482496u |],
        [| 17996766564426832300UL; 12826844651305701079UL |]
        "1180591620717411303427",
        [| 1577814244u; 1150883556u; 2574053826u; 2815373929u |],
        [| 4943007236101998820UL; 12091938953640079810UL |]
    ]

let private rawDraws =
    [
        "0",
        [|
            11749869230777074271UL
            4976686463289251617UL
            755828109848996024UL
            304881062738325533UL
        |]
        "1",
        [|
            9441442522235856127UL
            17532960557476522086UL
            2659275481604167885UL
            17499493567006797778UL
        |]
        "42",
        [|
            14276969152011380360UL
            8095878257575067585UL
            15838336090824644132UL
            12864169557245331597UL
        |]
        "12345",
        [|
            4193609425186963869UL
            5843160025838961886UL
            14708796524633321433UL
            12474696839993944336UL
        |]
        "4294967301",
        [|
            14281546376153053393UL
            8683300866460616067UL
            12836726618003871680UL
            15062460979414588022UL
        |]
        "1180591620717411303427",
        [|
            7754773597696927362UL
            5273438921104871389UL
            1960393013035974977UL
            5477303401687633100UL
        |]
    ]

let private uniforms =
    [
        0L, [| 0.6369616873214543; 0.2697867137638703; 0.04097352393619469 |]
        1L, [| 0.5118216247002567; 0.9504636963259353; 0.14415961271963373 |]
        42L, [| 0.7739560485559633; 0.4388784397520523; 0.8585979199113825 |]
        12345L, [| 0.22733602246716966; 0.31675833970975287; 0.7973654573327341 |]
    ]

let private integers =
    [
        0L, 2, [| 1; 1; 1; 0; 0; 0; 0; 0 |]
        0L, 3, [| 2; 1; 1; 0; 0; 0; 0; 0 |]
        0L, 7, [| 5; 4; 3; 1; 2; 0; 0; 0 |]
        0L, 1000, [| 850; 636; 511; 269; 307; 40; 75; 16 |]
        0L,
        2147483647,
        [|
            1826701614
            1367864806
            1097657231
            579362555
            661058651
            87989972
            161576974
            35492826
        |]
        1L, 2, [| 0; 1; 1; 1; 0; 0; 1; 1 |]
        1L, 3, [| 1; 1; 2; 2; 0; 0; 2; 2 |]
        1L, 7, [| 3; 3; 5; 6; 0; 1; 5; 6 |]
        1L, 1000, [| 473; 511; 755; 950; 34; 144; 822; 948 |]
        1L,
        2147483647,
        [|
            1016164991
            1099128568
            1621709874
            2041105244
            74845286
            309580410
            1767258088
            2037209174
        |]
        42L, 2, [| 0; 1; 1; 0; 0; 1; 0; 1 |]
        42L, 3, [| 0; 2; 1; 1; 1; 2; 0; 2 |]
        42L, 7, [| 0; 5; 4; 3; 3; 6; 0; 4 |]
        42L, 1000, [| 89; 773; 654; 438; 433; 858; 85; 697 |]
        42L,
        2147483647,
        [|
            191664963
            1662057957
            1405681631
            942484272
            929893137
            1843824992
            184566854
            1497586438
        |]
        12345L, 2, [| 1; 0; 1; 0; 0; 1; 1; 1 |]
        12345L, 3, [| 2; 0; 2; 0; 0; 2; 1; 2 |]
        12345L, 7, [| 4; 1; 5; 2; 1; 5; 4; 4 |]
        12345L, 1000, [| 699; 227; 788; 316; 204; 797; 642; 676 |]
        12345L,
        2147483647,
        [|
            1501552845
            488200390
            1693606510
            680233354
            438466540
            1712329280
            1380152455
            1452245846
        |]
    ]

/// First observations after reset(seed=s) in Gymnasium 1.4, by env, from numpy's draws.
let private firstObservations =
    [
        "CartPole-v1",
        [
            0,
            [|
                0.013696168549358845f
                -0.023021329194307327f
                -0.04590264707803726f
                -0.04834723472595215f
            |]
            1,
            [|
                0.0011821624357253313f
                0.0450463704764843f
                -0.035584039986133575f
                0.044864945113658905f
            |]
            42,
            [|
                0.02739560417830944f
                -0.006112155970185995f
                0.03585979342460632f
                0.019736802205443382f
            |]
            12345,
            [|
                -0.027266398072242737f
                -0.018324166536331177f
                0.02973654493689537f
                0.017625467851758003f
            |]
        ]
        "Acrobot-v1",
        [
            0,
            [|
                0.9996248483657837f
                0.027388911694288254f
                0.9989402294158936f
                -0.04602639377117157f
                -0.09180529415607452f
                -0.0966944694519043f
            |]
            1,
            [|
                0.9999971985816956f
                0.0023643227759748697f
                0.9959443807601929f
                0.0899709165096283f
                -0.07116807997226715f
                0.08972989022731781f
            |]
            42,
            [|
                0.99849933385849f
                0.0547637976706028f
                0.9999252557754517f
                -0.012224007397890091f
                0.07171958684921265f
                0.039473604410886765f
            |]
            12345,
            [|
                0.9985134601593018f
                -0.05450577288866043f
                0.9993285536766052f
                -0.03664012998342514f
                0.05947308987379074f
                0.035250935703516006f
            |]
        ]
        "MountainCar-v0",
        [
            0, [| -0.47260767221450806f; 0.0f |]
            1, [| -0.4976356625556946f; 0.0f |]
            42, [| -0.4452087879180908f; 0.0f |]
            12345, [| -0.5545327663421631f; 0.0f |]
        ]
        "MountainCarContinuous-v0",
        [
            0, [| -0.47260767221450806f; 0.0f |]
            1, [| -0.4976356625556946f; 0.0f |]
            42, [| -0.4452087879180908f; 0.0f |]
            12345, [| -0.5545327663421631f; 0.0f |]
        ]
        "Pendulum-v1",
        [
            0, [| 0.652016282081604f; 0.758204996585846f; -0.46042656898498535f |]
            1, [| 0.9972426891326904f; 0.07420917600393295f; 0.9009273648262024f |]
            42, [| -0.14995256066322327f; 0.9886931777000427f; -0.12224312126636505f |]
            12345, [| -0.14192117750644684f; -0.9898779392242432f; -0.36648333072662354f |]
        ]
    ]

let private draws (rng: Rng) count f = Array.init count (fun _ -> f rng)

[<Tests>]
let tests =
    testList
        "numpy streams"
        [
            test "SeedSequence(seed).generate_state: numpy's words for small, 64-bit and 70-bit seeds" {
                for seed, words32, words64 in seedStates do
                    let sequence = SeedSequence(BigInteger.Parse seed)
                    Expect.equal (sequence.GenerateState32 4) words32 $"seed {seed}, uint32"
                    Expect.equal (sequence.GenerateState64 2) words64 $"seed {seed}, uint64"
            }

            test "SeedSequence with a spawn key: numpy's words for SeedSequence(7, spawn_key=(3, 1))" {
                let sequence = SeedSequence(BigInteger 7, BigInteger 3, BigInteger 1)

                Expect.equal
                    (sequence.GenerateState32 4)
                    [| 3976707960u; 3412350778u; 2628829519u; 2232323472u |]
                    "words"
            }

            test "a negative seed is refused, as numpy and Gymnasium refuse it" {
                Expect.throwsT<ArgumentOutOfRangeException> (fun () -> Rng.Numpy(-1L) |> ignore) "Rng.Numpy(-1)"

                Expect.throwsT<ArgumentOutOfRangeException>
                    (fun () -> SeedSequence(BigInteger -1) |> ignore)
                    "SeedSequence(-1)"
            }

            test "PCG64(seed).random_raw: numpy's 64-bit draws" {
                for seed, expected in rawDraws do
                    let rng = Rng.Numpy(SeedSequence(BigInteger.Parse seed))
                    Expect.equal (draws rng 4 (fun r -> r.NextUInt64())) expected $"seed {seed}"
            }

            test "default_rng(seed).random: NextDouble draws numpy's doubles, bit for bit" {
                for seed, expected in uniforms do
                    Expect.equal (draws (Rng.Numpy seed) 3 (fun r -> r.NextDouble())) expected $"seed {seed}"
            }

            test "default_rng(seed).integers(0, n): NextInt draws numpy's integers (Lemire on buffered 32-bit halves)" {
                for seed, n, expected in integers do
                    Expect.equal (draws (Rng.Numpy seed) 8 (fun r -> r.NextInt n)) expected $"seed {seed}, n {n}"

                Expect.equal (draws (Rng.Numpy 0L) 8 (fun r -> r.NextInt 1)) (Array.zeroCreate 8) "one outcome"
            }

            test "integers and random interleaved on one stream take numpy's halves and words in numpy's order" {
                let rng = Rng.Numpy 9L

                let mixed =
                    [
                        float (rng.NextInt 5)
                        rng.NextDouble()
                        float (rng.NextInt 5)
                        float (rng.NextInt 5)
                        rng.NextDouble()
                    ]

                Expect.equal mixed [ 2.0; 0.28681720908755537; 4.0; 0.0; 0.7775340829201788 ] "default_rng(9)"
            }

            testProperty
                "a numpy stream's snapshot, taken anywhere (a 32-bit half buffered or not), continues the stream"
            <| fun (seed: uint16) (before: byte) ->
                let rng = Rng.Numpy(int64 seed)

                for i in 0 .. int before - 1 do
                    if i % 3 = 0 then
                        rng.NextInt 10 |> ignore
                    else
                        rng.NextDouble() |> ignore

                let copy = Rng.FromNumpySnapshot(ReadOnlySpan(rng.SaveSnapshot()))
                Expect.isTrue copy.IsNumpy "still numpy's stream"

                let next (r: Rng) =
                    [ r.NextInt 7; r.NextInt 1000; int (r.NextUInt64() >>> 40) ]

                Expect.equal (next copy) (next rng) "same draws after the snapshot"

            test "a damaged numpy snapshot is refused" {
                let snapshot = (Rng.Numpy 3L).SaveSnapshot()
                snapshot[3] <- snapshot[3] &&& ~~~1L

                Expect.throwsT<ArgumentException>
                    (fun () -> Rng.FromNumpySnapshot(ReadOnlySpan snapshot) |> ignore)
                    "even increment"
            }

            test "Gymnasium's envs: Reset(seed) starts the episode Gymnasium 1.4's reset(seed=seed) starts" {
                for id, cases in firstObservations do
                    use env = Registry.Make id

                    for seed, expected in cases do
                        let observation = Array.zeroCreate<float32> expected.Length
                        env.Reset(Span observation, Nullable seed)
                        Expect.equal observation expected $"{id}, seed {seed}"
            }

        ]
