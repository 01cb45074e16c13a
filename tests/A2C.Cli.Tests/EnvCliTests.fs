module A2C.Cli.Tests.EnvCliTests

open System
open System.IO
open System.Text.Json
open A2C.Cli
open Expecto

let private run (args: string list) =
    use stdout = new StringWriter()
    use stderr = new StringWriter()
    let code = CliApp.Run(List.toArray args, stdout, stderr)
    code, stdout.ToString(), stderr.ToString()

let private lines (text: string) =
    text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
    |> Array.map (fun l -> l.TrimEnd '\r')

[<Tests>]
let tests =
    testList
        "a2c env"
        [
            test "env list prints every registered id with its spaces, time limit and threshold" {
                let code, out, _ = run [ "env"; "list" ]
                Expect.equal code 0 "exit code"

                for id in [ "CartPole-v1"; "LineWalk-v0"; "Identity-v0"; "IdentityContinuous-v0" ] do
                    Expect.stringContains out id id

                Expect.stringContains out "Discrete(2)" "action space column"
                Expect.stringContains out "475" "threshold column"
            }

            test "env check passes CartPole-v1 (exit 0) and names an unknown id (exit 2)" {
                let code, out, _ = run [ "env"; "check"; "CartPole-v1"; "--steps"; "300" ]
                Expect.equal code 0 out
                Expect.stringContains out "passed" "verdict"
                let code, _, err = run [ "env"; "check"; "CartPole-v0" ]
                Expect.equal code CliApp.UsageError "unknown id"
                Expect.stringContains err "CartPole-v1" "suggests the registered version"
            }

            test "env trace prints one JSON line per step with exactly t, obs, reward, terminated, truncated" {
                let code, out, err =
                    run
                        [
                            "env"
                            "trace"
                            "--env"
                            "CartPole-v1"
                            "--state"
                            "[0, 0, 0, 0]"
                            "--actions"
                            "[1, 0, 1]"
                        ]

                Expect.equal code 0 err
                let parsed = lines out |> Array.map JsonDocument.Parse
                Expect.equal parsed.Length 3 "one line per action"

                for t, doc in Array.indexed parsed do
                    let names = [ for p in doc.RootElement.EnumerateObject() -> p.Name ]
                    Expect.equal names [ "t"; "obs"; "reward"; "terminated"; "truncated" ] "field names, in order"
                    Expect.equal (doc.RootElement.GetProperty("t").GetInt32()) t "t counts from 0"
                    Expect.equal (doc.RootElement.GetProperty("obs").GetArrayLength()) 4 "CartPole observes 4 numbers"

                // From rest, pushing right: x_dot = 0.02 * (10/1.1 + 0.05 * 14.634/1.1) = 0.19512.
                let xDot = parsed.[0].RootElement.GetProperty("obs").[1].GetDouble()
                Expect.floatClose Accuracy.medium xDot 0.1951219512 "hand-computed first step"
                Expect.stringStarts (lines out).[0] "{\"t\":0,\"obs\":[0.0," "exact form, floats printed with a point"

                Expect.stringContains
                    (lines out).[0]
                    "\"reward\":1.0,\"terminated\":false,\"truncated\":false}"
                    "reward and flags"
            }

            test "env trace --seed 42 prints the episode Gymnasium 1.4's CartPole-v1 plays after reset(seed=42)" {
                // tests/reference/numpy_streams.py: numpy's draws for the reset, Gymnasium's step for the rest.
                let expected =
                    [|
                        [|
                            0.02727336250245571f
                            -0.20172953605651855f
                            0.036254528909921646f
                            0.32351475954055786f
                        |]
                        [|
                            0.02323877066373825f
                            -0.007142078131437302f
                            0.04272482171654701f
                            0.042481862008571625f
                        |]
                        [|
                            0.023095929995179176f
                            0.18734200298786163f
                            0.043574459850788116f
                            -0.23642075061798096f
                        |]
                        [|
                            0.026842769235372543f
                            -0.008374536409974098f
                            0.03884604573249817f
                            0.06968221813440323f
                        |]
                        [|
                            0.026675278320908546f
                            0.1861695796251297f
                            0.040239688009023666f
                            -0.2104959487915039f
                        |]
                        [|
                            0.030398670583963394f
                            -0.009503934532403946f
                            0.03602977097034454f
                            0.0946040078997612f
                        |]
                        [|
                            0.030208591371774673f
                            -0.20512327551841736f
                            0.03792184963822365f
                            0.39843302965164185f
                        |]
                        [|
                            0.026106126606464386f
                            -0.010559244081377983f
                            0.04589051008224487f
                            0.1179431676864624f
                        |]
                        [|
                            0.02589494176208973f
                            0.183876171708107f
                            0.04824937507510185f
                            -0.15991583466529846f
                        |]
                        [|
                            0.029572464525699615f
                            0.3782753348350525f
                            0.045051056891679764f
                            -0.43699541687965393f
                        |]
                    |]

                let code, out, err =
                    run
                        [
                            "env"
                            "trace"
                            "--env"
                            "CartPole-v1"
                            "--seed"
                            "42"
                            "--actions"
                            "[0, 1, 1, 0, 1, 0, 0, 1, 1, 1]"
                        ]

                Expect.equal code 0 err

                let observed =
                    lines out
                    |> Array.map (fun line ->
                        use doc = JsonDocument.Parse line

                        [|
                            for v in doc.RootElement.GetProperty("obs").EnumerateArray() -> v.GetSingle()
                        |])

                Expect.equal observed expected "bit for bit, step by step"
            }

            test
                "env trace --env-kwargs makes the env as gym.make(id, **kwargs): a non-slippery lake walked to its goal" {
                let code, out, err =
                    run
                        [
                            "env"
                            "trace"
                            "--env"
                            "FrozenLake-v1"
                            "--env-kwargs"
                            "{\"is_slippery\": false}"
                            "--actions"
                            "[1, 1, 2, 2, 1, 2]"
                        ]

                Expect.equal code 0 err
                let last = (lines out) |> Array.last

                Expect.equal
                    last
                    "{\"t\":5,\"obs\":15,\"reward\":1.0,\"terminated\":true,\"truncated\":false}"
                    "a Discrete observation prints as an integer"

                let code, _, err =
                    run
                        [
                            "env"
                            "trace"
                            "--env"
                            "CartPole-v1"
                            "--env-kwargs"
                            "{\"x\": 1}"
                            "--actions"
                            "[1]"
                        ]

                Expect.equal code CliApp.UsageError "CartPole-v1 takes no kwargs"
                Expect.stringContains err "CartPole-v1 takes no env kwargs" err
            }

            test "env trace stops at the first terminated step" {
                let actions = "[" + String.Join(",", Array.create 50 "1") + "]"

                let code, out, _ =
                    run
                        [
                            "env"
                            "trace"
                            "--env"
                            "CartPole-v1"
                            "--state"
                            "[2.3, 1.0, 0, 0]"
                            "--actions"
                            actions
                        ]

                Expect.equal code 0 "exit code"
                let all = lines out
                Expect.isLessThan all.Length 50 "stopped early"
                Expect.stringContains (Array.last all) "\"terminated\":true" "last line is the terminal step"
            }

            test "env trace counts the time limit from the set state, reads @file actions and takes box actions" {
                let file = Path.GetTempFileName()

                try
                    File.WriteAllText(file, "[[0.5], [-0.25], [0.0]]")

                    let code, out, err =
                        run [ "env"; "trace"; "--env"; "IdentityContinuous-v0"; "--actions"; "@" + file ]

                    Expect.equal code 0 err
                    Expect.equal (lines out).Length 3 "three steps"
                finally
                    File.Delete file

                let walk = "[" + String.Join(",", Array.init 120 (fun i -> string (i % 2))) + "]"

                let _, out, _ =
                    run
                        [
                            "env"
                            "trace"
                            "--env"
                            "LineWalk-v0"
                            "--state"
                            "[0.5]"
                            "--actions"
                            walk
                        ]

                let all = lines out
                Expect.equal all.Length 100 "LineWalk-v0's 100-step limit"
                Expect.stringContains (Array.last all) "\"truncated\":true" "truncated by the limit"
            }

            test "bad trace input is refused with exit 2, a message that names it, and no output" {
                let cases =
                    [
                        [ "--env"; "CartPole-v1"; "--actions"; "[0, 2]" ], "actions[1] = 2"
                        [ "--env"; "CartPole-v1"; "--actions"; "[0, [1]]" ], "actions[1]"
                        [ "--env"; "CartPole-v1"; "--actions"; "{" ], "not valid JSON"
                        [ "--env"; "CartPole-v1"; "--state"; "[0, 0]"; "--actions"; "[0]" ], "x_dot"
                        [ "--env"; "CartPole-v1"; "--state"; "[0, 0, \"a\", 0]"; "--actions"; "[0]" ], "--state[2]"
                        [ "--env"; "Identity-v0"; "--state"; "[0]"; "--actions"; "[0]" ], "no physical state"
                        [ "--env"; "IdentityContinuous-v0"; "--actions"; "[[0.1, 0.2]]" ], "takes 1"
                        [ "--env"; "CartPole-v1"; "--actions"; "@/nonexistent/actions.json" ], "cannot read"
                        [ "--env"; "Nope-v1"; "--actions"; "[0]" ], "Known ids"
                    ]

                for args, expected in cases do
                    let code, out, err = run ("env" :: "trace" :: args)
                    Expect.equal code CliApp.UsageError $"{args}: exit code"
                    Expect.stringContains err expected $"{args}: message"
                    Expect.equal out "" $"{args}: nothing printed"
            }
        ]
