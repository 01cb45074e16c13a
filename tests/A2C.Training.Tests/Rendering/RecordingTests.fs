module A2C.Training.Tests.Rendering.RecordingTests

open System
open System.IO
open A2C.Envs
open A2C.Envs.Rendering
open A2C.Training
open Expecto
open SixLabors.ImageSharp
open SixLabors.ImageSharp.PixelFormats

let private tempDir () =
    let dir = Path.Combine(Path.GetTempPath(), $"a2c-rec-{Guid.NewGuid():N}")
    Directory.CreateDirectory dir |> ignore
    dir

let private cartPoleFrame (state: float list) (caption: string | null) =
    use env = Registry.Make "CartPole-v1"
    env.Reset(seed = 0) |> ignore
    (env.PhysicalState() |> nonNull).SetState(ReadOnlySpan(List.toArray state))
    SceneRasterizer.Rasterize((env.RequireRenderable()).Render(), caption)

/// Frames of a solid colour that changes each frame, so the encoder cannot merge them.
let private frames count =
    [
        for k in 0 .. count - 1 ->
            let s = Scene(30, 20, Rgb(byte (k * 20), 100uy, 200uy))
            s.Circle(Rgb.White, A2C.Envs.Rendering.Point(15.0, 10.0), 5.0) |> ignore
            SceneRasterizer.Rasterize s
    ]

[<Tests>]
let tests =
    testSequenced
    <| testList
        "recording"
        [
            test
                "a rasterized CartPole frame: white background, black cart at its centre, the pole's colour on the pole, the track's row" {
                let frame = cartPoleFrame [ 0.0; 0.0; 0.0; 0.0 ] null

                Expect.equal
                    (frame.Width, frame.Height, frame.Pixels.Length)
                    (600, 400, 600 * 400 * 3)
                    "size, H x W x 3"

                Expect.equal frame.[10, 10] Rgb.White "background"
                Expect.equal frame.[590, 390] Rgb.White "background far corner"
                // The cart's middle is pixel (300, 299); the axle covers it, so look beside it, inside the cart.
                Expect.equal frame.[285, 305] Rgb.Black "cart"
                Expect.equal frame.[300, 200] (Rgb(202uy, 152uy, 101uy)) "pole, upright above the cart"
                Expect.equal frame.[300, 291] (Rgb(129uy, 132uy, 203uy)) "axle"
                Expect.equal frame.[100, 299] Rgb.Black "the track's line"
                Expect.equal frame.[100, 298] Rgb.White "one pixel thick"
                let tilted = cartPoleFrame [ 0.0; 0.0; 0.2; 0.0 ] null
                let x = 300 + int (100.0 * Math.Sin 0.2)
                let y = 399 - int (107.5 + 100.0 * Math.Cos 0.2)
                Expect.equal tilted.[x, y] (Rgb(202uy, 152uy, 101uy)) "the tilted pole is where theta puts it"
                Expect.equal tilted.[300, 200] Rgb.White "and no longer straight up"
            }

            test "the caption is drawn in the top-left corner and nowhere else" {
                let plain = cartPoleFrame [ 0.0; 0.0; 0.0; 0.0 ] null

                let captioned =
                    cartPoleFrame [ 0.0; 0.0; 0.0; 0.0 ] (SceneRasterizer.Caption(12, 12.0))

                let differs x y = plain.[x, y] <> captioned.[x, y]

                let changed =
                    [
                        for y in 0..399 do
                            for x in 0..599 do
                                if differs x y then
                                    yield x, y
                    ]

                Expect.isNonEmpty changed "text drawn"
                Expect.all changed (fun (x, y) -> x < 300 && y < 40) "only in the corner"
                Expect.equal (SceneRasterizer.Caption(12, 12.0)) "step 12  return 12.00" "caption text"
            }

            test "a caption drawn over pixels that came from a server equals the caption drawn with the scene" {
                let caption = SceneRasterizer.Caption(7, 7.0)
                let state = [ 0.3; 0.0; -0.1; 0.0 ]
                let served = cartPoleFrame state null
                let before = Array.copy served.Pixels
                let captioned = SceneRasterizer.WithCaption(served, caption)
                Expect.equal captioned.Pixels (cartPoleFrame state caption).Pixels "pixel for pixel"
                Expect.equal served.Pixels before "the frame it was given is not changed"
            }

            test "a GIF decodes back with ImageSharp: its frame count, size, delay and colours" {
                let dir = tempDir ()
                let path = Path.Combine(dir, "sub", "clip.gif")
                let produced = frames 7
                VideoFile.Write(path, 30, 20, 15, fun add -> produced |> List.iter add.Invoke)
                use image = Image.Load<Rgb24>(path)
                Expect.equal image.Frames.Count 7 "frame count"
                Expect.equal (image.Width, image.Height) (30, 20) "size"

                for k in 0..6 do
                    let frame = image.Frames.[k]
                    let delay = frame.Metadata.GetGifMetadata().FrameDelay
                    Expect.equal delay 7 "15 fps is a delay of 7 hundredths"
                    let pixel = frame.[1, 1]
                    let expected = produced.[k].[1, 1]
                    Expect.isLessThanOrEqual (abs (int pixel.R - int expected.R)) 4 $"frame {k} keeps its colour"

                Expect.equal (Directory.GetFiles(Path.Combine(dir, "sub"))) [| path |] "no temporary file left"
                Directory.Delete(dir, true)
            }

            test
                "a failure while frames are produced leaves no file; an unknown extension is refused before anything is written" {
                let dir = tempDir ()
                let path = Path.Combine(dir, "clip.gif")

                Expect.throwsT<InvalidOperationException>
                    (fun () ->
                        VideoFile.Write(
                            path,
                            30,
                            20,
                            10,
                            fun add ->
                                add.Invoke(List.head (frames 1))
                                invalidOp "the env failed"
                        ))
                    "the error comes through"

                Expect.isEmpty (Directory.GetFiles dir) "nothing half-written"
                let bad = Path.Combine(dir, "clip.avi")
                Expect.throwsT<VideoFormatException> (fun () -> VideoFile.Check bad |> ignore) "unknown extension"
                Directory.Delete(dir, true)
            }

            test "an unknown extension's message names it and the two that work" {
                try
                    VideoFile.Check "out.avi" |> ignore
                    failtest "accepted .avi"
                with :? VideoFormatException as e ->
                    Expect.stringContains e.Message "'.avi'" "names the extension"
                    Expect.stringContains e.Message ".gif" "says what works"
            }

            test "an MP4 without ffmpeg on the path: a message saying to install it or use .gif, nothing written" {
                let dir = tempDir ()
                let path = Path.Combine(dir, "clip.mp4")

                try
                    VideoFile.Write(path, 30, 20, 10, (fun add -> frames 2 |> List.iter add.Invoke), searchPath = dir)
                    failtest "wrote an MP4 without ffmpeg"
                with :? VideoFormatException as e ->
                    Expect.stringContains e.Message "install ffmpeg" "says what to do"
                    Expect.stringContains e.Message ".gif" "or the alternative"

                Expect.isEmpty (Directory.GetFiles dir) "nothing written"
                Directory.Delete(dir, true)
            }

            // ffmpeg is a system program, not a package of ours: where it is not installed, the case above covers the refusal.
            (match VideoFile.FindFfmpeg() with
             | null ->
                 ptest "an MP4 through ffmpeg has every frame at the env's rate (ffmpeg is not installed here)" { () }
             | ffmpeg ->
                 test "an MP4 through ffmpeg has every frame at the env's rate" {
                     let dir = tempDir ()
                     let path = Path.Combine(dir, "clip.mp4")
                     VideoFile.Write(path, 30, 20, 25, fun add -> frames 9 |> List.iter add.Invoke)
                     let probe = Path.Combine(Path.GetDirectoryName ffmpeg |> nonNull, "ffprobe")
                     let info = Diagnostics.ProcessStartInfo(probe, RedirectStandardOutput = true)

                     for a in
                         [
                             "-v"
                             "error"
                             "-count_frames"
                             "-show_entries"
                             "stream=nb_read_frames,r_frame_rate"
                             "-of"
                             "csv=p=0"
                             path
                         ] do
                         info.ArgumentList.Add a

                     use p = Diagnostics.Process.Start info |> nonNull
                     let out = p.StandardOutput.ReadToEnd().Trim()
                     p.WaitForExit()
                     Expect.equal out "25/1,9" "rate and frame count"
                     Expect.equal (Directory.GetFiles dir) [| path |] "only the video"
                     Directory.Delete(dir, true)
                 })
        ]
