module A2C.Cli.Tests.RecordTests

open System
open System.IO
open System.Text.RegularExpressions
open A2C.Cli
open A2C.Envs
open Expecto
open SixLabors.ImageSharp

let private run (args: string list) =
    use stdout = new StringWriter()
    use stderr = new StringWriter()
    let code = CliApp.Run(List.toArray args, stdout, stderr)
    code, stdout.ToString(), stderr.ToString()

/// A CartPole agent trained as the quick start trains it, once for every test here.
let private trained =
    lazy
        (let dir = Path.Combine(Path.GetTempPath(), $"a2c-record-{Guid.NewGuid():N}")

         let code, _, err =
             run
                 [
                     "train"
                     "--env"
                     "CartPole-v1"
                     "--stop-at-threshold"
                     "--seed"
                     "0"
                     "--run-dir"
                     dir
                 ]

         if code <> 0 then
             failwithf "training the fixture failed: %s" err

         dir)

let private lengths (out: string) =
    [ for m in Regex.Matches(out, @"length (\d+)") -> int m.Groups.[1].Value ]

/// A registered env with CartPole's spaces that cannot draw itself.
type private Blind() =
    inherit Env("Blind-v0", Spaces.Box(-10f, 10f, 4), Spaces.Discrete(2))
    override _.OnReset(obs) = obs.Clear()

    override _.OnStep(_: int, obs: Span<float32>) =
        obs.Clear()
        StepResult(1.0, true, false)

let private blind =
    lazy
        (Registry.Register(
            EnvSpec("Blind-v0", (fun () -> new Blind() :> IEnv), Nullable 10, Nullable(), "cannot render")
        ))

/// Starts `a2c serve --env ID` on a free port: the process and its grpc:// address.
let private startServe (envId: string) (n: int) =
    let proc =
        Children.startA2c [ "serve"; "--env"; envId; "--n-envs"; string n; "--port"; "0" ]

    let line = proc.StandardOutput.ReadLineAsync()

    if not (line.Wait(TimeSpan.FromSeconds 30.0)) || isNull line.Result then
        proc.Kill true
        failtestf "a2c serve did not report its address: %s" (proc.StandardError.ReadToEnd())

    let text = nonNull line.Result
    proc, text.Substring(text.IndexOf "grpc://").Split(';').[0]

let private stopServe (proc: Diagnostics.Process) =
    if not proc.HasExited then
        proc.Kill true
        proc.WaitForExit()

/// The repository's root, from the test app's bin directory.
let private root =
    Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."))

/// Starts the Python bridge (Debian's python3, which has grpcio) with `args` on a free port: the process and its grpc:// address.
let private startBridge (args: string list) =
    let python =
        if File.Exists "/usr/bin/python3" then
            "/usr/bin/python3"
        else
            "python3"

    let info =
        Diagnostics.ProcessStartInfo(
            python,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root
        )

    [ "bridges/python/gym_server.py"; "--port"; "0" ] @ args
    |> List.iter info.ArgumentList.Add

    let proc = nonNull (Diagnostics.Process.Start info)
    let line = proc.StandardOutput.ReadLineAsync()

    if not (line.Wait(TimeSpan.FromSeconds 60.0)) || isNull line.Result then
        proc.Kill true
        failtestf "the bridge did not start: %s" (proc.StandardError.ReadToEnd())

    let text = nonNull line.Result
    proc, "grpc://" + text.Substring(text.LastIndexOf ' ' + 1)

/// A GIF's frames as RGB24 pixel rows, decoded back by ImageSharp.
let private gifFrames (path: string) =
    use image = Image.Load<PixelFormats.Rgb24> path

    [
        for k in 0 .. image.Frames.Count - 1 ->
            let frame = image.Frames.[k]
            let pixels = Array.zeroCreate<PixelFormats.Rgb24>(frame.Width * frame.Height)
            frame.CopyPixelDataTo(Span pixels)
            frame.Width, frame.Height, pixels
    ]

let private expectRefused (code, out: string, err: string) exitCode (words: string list) =
    Expect.equal code exitCode $"exit code (stdout: {out}; stderr: {err})"

    for w in words do
        Expect.stringContains err w "the message says what was wrong"

[<Tests>]
let tests =
    testSequenced
    <| testList
        "a2c record"
        [
            test "record writes the default GIF of the whole episode: one frame for the reset and one a step" {
                let dir = trained.Force()
                let code, out, err = run [ "record"; "--model"; Path.Combine(dir, "model.bin") ]
                Expect.equal code 0 err
                let gif = Path.Combine(dir, "videos", "CartPole-v1-seed0.gif")
                Expect.stringContains out $"wrote {gif}" "says where"
                let length = lengths out |> List.exactlyOne
                // CartPole pays 1 a step, so the return is the length: the episode ran to its end.
                Expect.stringContains
                    out
                    $"return {length}.00, length {length}"
                    "return and length of one whole episode"

                use image = Image.Load gif
                Expect.equal image.Frames.Count (length + 1) "frames = episode length + 1"
                Expect.equal (image.Width, image.Height) (600, 400) "Gymnasium's size"
                Expect.equal (image.Frames.RootFrame.Metadata.GetGifMetadata().FrameDelay) 2 "50 fps"
            }

            test "record of two episodes from a checkpoint into a named file holds both" {
                let dir = trained.Force()
                let out' = Path.Combine(dir, "two.gif")

                let code, out, err =
                    run
                        [
                            "record"
                            "--model"
                            Path.Combine(dir, "checkpoint.zip")
                            "--episodes"
                            "2"
                            "--seed"
                            "5"
                            "--out"
                            out'
                        ]

                Expect.equal code 0 err
                let ls = lengths out
                Expect.equal ls.Length 2 "two episodes reported"
                use image = Image.Load out'
                Expect.equal image.Frames.Count (List.sum ls + 2) "each episode's frames"
            }

            test "eval --record writes one GIF per evaluation episode beside its usual output" {
                let dir = trained.Force()
                let videos = Path.Combine(dir, "eval-videos")

                let code, out, err =
                    run
                        [
                            "eval"
                            "--checkpoint"
                            Path.Combine(dir, "model.bin")
                            "--episodes"
                            "2"
                            "--record"
                            videos
                        ]

                Expect.equal code 0 err
                Expect.stringContains out "mean return" "the usual line"

                for k in 1..2 do
                    let gif = Path.Combine(videos, $"CartPole-v1-episode{k}.gif")
                    Expect.isTrue (File.Exists gif) $"episode {k}'s file"

                Expect.equal (lengths out).Length 2 "each recording reported"
                Expect.equal (Directory.GetFiles videos).Length 2 "nothing else"
            }

            test
                "bad input: another env's spaces, a corrupt model, an unknown extension, a server that cannot render, a non-renderable env (exit 2); an unreachable server, an unwritable path (exit 1); no file left" {
                let dir = trained.Force()
                let model = Path.Combine(dir, "model.bin")
                let scratch = Path.Combine(dir, "bad")
                Directory.CreateDirectory scratch |> ignore
                let gif = Path.Combine(scratch, "x.gif")

                expectRefused
                    (run [ "record"; "--model"; model; "--env"; "Acrobot-v1"; "--out"; gif ])
                    2
                    [ "Acrobot-v1" ]

                let corrupt = Path.Combine(scratch, "corrupt")
                Directory.CreateDirectory corrupt |> ignore
                File.Copy(Path.Combine(dir, "config.json"), Path.Combine(corrupt, "config.json"))
                File.WriteAllBytes(Path.Combine(corrupt, "model.bin"), [| 1uy; 2uy; 3uy |])

                expectRefused
                    (run [ "record"; "--model"; Path.Combine(corrupt, "model.bin"); "--out"; gif ])
                    2
                    [ "model.bin" ]

                expectRefused
                    (run [ "record"; "--model"; model; "--out"; Path.Combine(scratch, "x.avi") ])
                    2
                    [ "'.avi'"; ".gif" ]

                // A server of CartPole without a rasterizer: its spec has no render info.
                use blindServer =
                    RemoteServer.Start(
                        (fun () ->
                            new A2C.Envs.Remote.EnvSession(
                                A2C.Envs.Vector.VectorEnv.Make("CartPole-v1", 2),
                                "CartPole-v1",
                                Nullable 500,
                                Nullable 475.0
                            )),
                        Net.IPAddress.Loopback,
                        0
                    )

                expectRefused
                    (run [ "record"; "--model"; model; "--env"; blindServer.Address; "--out"; gif ])
                    2
                    [
                        $"{blindServer.Address} cannot render"
                        "sends no frames"
                        "nothing to record"
                    ]

                // Nothing listens there: a failure to reach it, not bad input.
                expectRefused
                    (run [ "record"; "--model"; model; "--env"; "grpc://127.0.0.1:1"; "--out"; gif ])
                    1
                    [ "grpc://127.0.0.1:1" ]

                blind.Force()

                expectRefused
                    (run [ "record"; "--model"; model; "--env"; "Blind-v0"; "--out"; gif ])
                    2
                    [ "Blind-v0 cannot render" ]

                // A directory that cannot be made: its parent is a file.
                let file = Path.Combine(scratch, "a-file")
                File.WriteAllText(file, "not a directory")

                expectRefused
                    (run [ "record"; "--model"; model; "--out"; Path.Combine(file, "x.gif") ])
                    1
                    [ "cannot write"; "x.gif" ]

                Expect.equal
                    (Directory.GetFiles(scratch) |> Array.map Path.GetFileName)
                    [| "a-file" |]
                    "no video, no temporary file"
            }

            test
                "record --env grpc:// of a2c serve CartPole-v1: 600x400 frames over the protocol, pixel for pixel the local recording of the same seed" {
                let dir = trained.Force()
                let serve, address = startServe "CartPole-v1" 3
                let remoteGif = Path.Combine(dir, "served.gif")
                let localGif = Path.Combine(dir, "local-seed7.gif")

                try
                    let code, out, err =
                        run
                            [
                                "record"
                                "--model"
                                Path.Combine(dir, "model.bin")
                                "--env"
                                address
                                "--seed"
                                "7"
                                "--episodes"
                                "2"
                                "--out"
                                remoteGif
                            ]

                    Expect.equal code 0 err

                    let code', out', err' =
                        run
                            [
                                "record"
                                "--model"
                                Path.Combine(dir, "model.bin")
                                "--seed"
                                "7"
                                "--episodes"
                                "2"
                                "--out"
                                localGif
                            ]

                    Expect.equal code' 0 err'
                    Expect.equal (lengths out) (lengths out') "the same episodes: env 0 is seeded as the local env"
                    let served = gifFrames remoteGif
                    let local = gifFrames localGif
                    Expect.equal served.Length (List.sum (lengths out) + 2) "a frame for each reset and step"

                    for (w, h, _) in served do
                        Expect.equal (w, h) (600, 400) "Gymnasium's CartPole size"

                    let (_, _, first) = served.Head
                    let (_, _, localFirst) = local.Head
                    Expect.isTrue (first = localFirst) "the first frame equals the local recording's"
                    // The last frame of each episode is the server's final frame, kept before its same-step reset.
                    let differing =
                        List.zip served local
                        |> List.indexed
                        |> List.filter (fun (_, ((_, _, a), (_, _, b))) -> a <> b)
                        |> List.map fst

                    Expect.isEmpty differing "every frame equals the local recording's"
                finally
                    stopServe serve
            }

            test "eval --record of a served env writes one GIF per evaluation episode, named by the served env" {
                let dir = trained.Force()
                let serve, address = startServe "CartPole-v1" 2
                let videos = Path.Combine(dir, "served-eval-videos")
                let copy = Path.Combine(dir, "served-run")

                try
                    // The run's own env is the server: config.json says so.
                    Directory.CreateDirectory copy |> ignore
                    File.Copy(Path.Combine(dir, "model.bin"), Path.Combine(copy, "model.bin"), true)

                    File.WriteAllText(
                        Path.Combine(copy, "config.json"),
                        File.ReadAllText(Path.Combine(dir, "config.json")).Replace("\"CartPole-v1\"", $"\"{address}\"")
                    )

                    let code, out, err =
                        run
                            [
                                "eval"
                                "--checkpoint"
                                Path.Combine(copy, "model.bin")
                                "--episodes"
                                "3"
                                "--record"
                                videos
                            ]

                    Expect.equal code 0 err
                    Expect.stringContains out "mean return" "the usual line"

                    Expect.equal
                        (Directory.GetFiles videos |> Array.map Path.GetFileName |> Array.sort)
                        [| for k in 1..3 -> $"CartPole-v1-episode{k}.gif" |]
                        "one file per episode, nothing else"

                    for (gif, length) in
                        List.zip [ for k in 1..3 -> Path.Combine(videos, $"CartPole-v1-episode{k}.gif") ] (lengths out) do
                        use image = Image.Load gif
                        Expect.equal image.Frames.Count (length + 1) $"{gif}: episode length + 1 frames"
                finally
                    stopServe serve
            }

            test
                "record --env grpc:// of gym_server.py --render (the pure-Python CartPole): its frames, one for the reset and one a step" {
                let dir = trained.Force()

                let bridge, address =
                    startBridge [ "--env"; "bridges/python/envs/cartpole.py:make"; "--n-envs"; "2"; "--render" ]

                let gif = Path.Combine(dir, "bridge.gif")

                try
                    let code, out, err =
                        run
                            [
                                "record"
                                "--model"
                                Path.Combine(dir, "model.bin")
                                "--env"
                                address
                                "--out"
                                gif
                            ]

                    Expect.equal code 0 err
                    let length = lengths out |> List.exactlyOne
                    let frames = gifFrames gif
                    Expect.equal frames.Length (length + 1) "frames = episode length + 1"

                    for (w, h, _) in frames do
                        Expect.equal (w, h) (600, 400) "the bridge's 600x400"

                    let (_, _, first) = frames.Head
                    // The pole's colour, which the bridge's CartPole paints: the picture came over the wire.
                    Expect.isTrue
                        (first |> Array.exists (fun p -> p.R = 202uy && p.G = 152uy && p.B = 101uy))
                        "the pole is in the first frame"
                finally
                    stopServe bridge
            }

            test
                "a server of the protocol before rendering (gym_server.py with the frozen pre-render .proto) still serves; record refuses it naming the address (exit 2)" {
                let dir = trained.Force()

                let bridge, address =
                    startBridge
                        [
                            "--env"
                            "bridges/python/envs/cartpole.py:make"
                            "--n-envs"
                            "2"
                            "--proto"
                            "bridges/python/testdata/a2c_env_before_render.proto"
                        ]

                try
                    use remote = A2C.Envs.Remote.RemoteVectorEnv.Connect address
                    Expect.isFalse remote.CanRender "no render info from an old server"
                    remote.Reset(Nullable 0)
                    remote.Step(ReadOnlySpan [| 0; 1 |])
                    Expect.equal remote.Rewards [| 1f; 1f |] "it steps as ever"
                    let gif = Path.Combine(dir, "old-server.gif")

                    expectRefused
                        (run
                            [
                                "record"
                                "--model"
                                Path.Combine(dir, "model.bin")
                                "--env"
                                address
                                "--out"
                                gif
                            ])
                        2
                        [ $"{address} cannot render"; "no render info" ]

                    Expect.isFalse (File.Exists gif) "nothing written"
                finally
                    stopServe bridge
            }

            test "an MP4 without ffmpeg on the PATH is refused with what to do (exit 2), nothing written" {
                let dir = trained.Force()
                let empty = Path.Combine(dir, "no-ffmpeg")
                Directory.CreateDirectory empty |> ignore

                let info =
                    Children.a2cStartInfo
                        [
                            "record"
                            "--model"
                            Path.Combine(dir, "model.bin")
                            "--out"
                            Path.Combine(empty, "x.mp4")
                        ]
                // dotnet is started by its full path; the child's PATH holds no ffmpeg.
                info.FileName <- Diagnostics.Process.GetCurrentProcess().MainModule |> nonNull |> _.FileName
                info.Environment["PATH"] <- empty
                use proc = Diagnostics.Process.Start info |> nonNull
                let code, out, err = Children.finish proc (TimeSpan.FromMinutes 2.0)
                expectRefused (code, out, err) 2 [ "install ffmpeg"; ".gif" ]
                Expect.isEmpty (Directory.GetFiles empty) "nothing written"
            }
        ]
