/// Frames over the protocol: a session's render answers and refusals, and RemoteVectorEnv's
/// frames from a server in this process against the same env drawn here.
module A2C.Envs.Tests.Remote.RemoteRenderingTests

open System
open A2C.Envs
open A2C.Envs.Remote
open A2C.Envs.Remote.Protocol
open A2C.Envs.Rendering
open A2C.Envs.Vector
open Expecto
open A2C.Envs.Tests.Remote.TestServer

/// A stand-in for SkiaSharp (which A2C.Envs does not have): the background everywhere, and the
/// first corner of the scene's first polygon (CartPole's cart, which moves) in the first pixel,
/// so two frames are equal exactly when they show the same state.
let private fakeRasterize (scene: Scene) =
    let pixels = Array.zeroCreate<byte>(scene.Width * scene.Height * 3)

    for i in 0..3 .. pixels.Length - 3 do
        pixels.[i] <- scene.Background.R
        pixels.[i + 1] <- scene.Background.G
        pixels.[i + 2] <- scene.Background.B

    match
        scene.Shapes
        |> Seq.tryPick (function
            | :? PolygonShape as p -> Some p
            | _ -> None)
    with
    | Some polygon ->
        let x = BitConverter.GetBytes(float32 polygon.Points.[0].X)
        pixels.[0] <- x.[0]
        pixels.[1] <- x.[1]
        pixels.[2] <- x.[2]
        pixels.[3] <- x.[3]
    | None -> ()

    Frame(scene.Width, scene.Height, pixels)

let private rasterizer = Func<Scene, Frame> fakeRasterize

let private request (configure: Request -> unit) =
    let r = Request(Version = EnvSession.Version)
    configure r
    r

let private spec = request (fun r -> r.Spec <- SpecRequest())

let private reset (seed: int64) =
    request (fun r -> r.Reset <- ResetRequest(Seed = seed))

let private step (actions: int list) =
    request (fun r ->
        let s = StepRequest()
        s.DiscreteActions.Add actions
        r.Step <- s)

let private render (env: uint32) (final: bool) =
    request (fun r -> r.Render <- RenderRequest(Env = env, Final = final))

let private errorOf (response: Response) =
    Expect.equal response.KindCase Response.KindOneofCase.Error $"expected an error, got {response}"
    response.Error.Code, response.Error.Message

let private cartPole n (withFrames: bool) =
    EnvSession.ForRegistered(Registry.Spec "CartPole-v1", n, (if withFrames then rasterizer else null))

/// CartPole drawn here, seeded and pushed as remote env 0 is.
let private localCartPole (seed: int) =
    let env = Registry.Make "CartPole-v1"
    let obs = Array.zeroCreate<float32> 4
    env.Reset(Span obs, Nullable seed)
    env, env.RequireRenderable()

/// The message of the 'E that `f` throws.
let private messageOf<'E when 'E :> exn> (f: unit -> unit) =
    try
        f ()
        failtestf "expected a %s" typeof<'E>.Name
    with :? 'E as e ->
        e.Message

let private pixelsOf (renderable: IRenderable) =
    (fakeRasterize (renderable.Render())).Pixels

[<Tests>]
let tests =
    testSequenced
    <| testList
        "remote rendering"
        [
            test "a session with a rasterizer over envs that draw says so in its spec: Gymnasium's size and fps" {
                use s = cartPole 2 true
                Expect.isTrue s.CanRender "renders"
                let info = (s.Handle spec).Spec.Render
                Expect.isNotNull info "render info in the spec"
                Expect.equal (info.Width, info.Height, info.Fps) (600u, 400u, 50u) "CartPole's 600x400 at 50 fps"
            }

            test "a session without a rasterizer sends no render info and answers NOT_RENDERABLE, naming the env" {
                use s = cartPole 2 false
                Expect.isNull (s.Handle spec).Spec.Render "no render info"
                s.Handle(reset 0L) |> ignore
                let code, message = errorOf (s.Handle(render 0u false))
                Expect.equal code Error.Types.Code.NotRenderable "code"
                Expect.stringContains message "cannot render CartPole-v1" "names the env"
                Expect.equal (s.Handle(step [ 0; 1 ])).KindCase Response.KindOneofCase.Batch "and steps on"
            }

            test
                "render refusals: before the spec, before the first reset, an env out of range, a final frame where no episode ended" {
                use s = cartPole 3 true
                Expect.equal (fst (errorOf (s.Handle(render 0u false)))) Error.Types.Code.BadSequence "before the spec"
                s.Handle spec |> ignore
                let code, message = errorOf (s.Handle(render 0u false))
                Expect.equal code Error.Types.Code.BadSequence "before the first reset"
                Expect.stringContains message "before the first reset" "says so"
                s.Handle(reset 0L) |> ignore
                let code, message = errorOf (s.Handle(render 3u false))
                Expect.equal code Error.Types.Code.InvalidArgument "out of range"
                Expect.stringContains message "env is 3; allowed: 0 to 2." "names the index and the range"
                let code, message = errorOf (s.Handle(render 1u true))
                Expect.equal code Error.Types.Code.BadSequence "a final frame after a reset"
                Expect.stringContains message "env 1's episode did not end" "names the env"
                s.Handle(step [ 0; 0; 0 ]) |> ignore

                Expect.equal
                    (fst (errorOf (s.Handle(render 1u true))))
                    Error.Types.Code.BadSequence
                    "a final frame mid-episode"

                let frame = (s.Handle(render 2u false)).Frame

                Expect.equal
                    (frame.Width, frame.Height, frame.Rgb.Length)
                    (600u, 400u, 600 * 400 * 3)
                    "a frame of the spec's size"

                Expect.equal
                    (s.Handle(step [ 1; 1; 1 ])).KindCase
                    Response.KindOneofCase.Batch
                    "refusals change nothing"
            }

            test
                "RemoteVectorEnv's frames are the served envs' states: current ones, and the final one of an ended episode" {
                use server = serveSessions (fun () -> cartPole 2 true) (4 * 1024 * 1024)
                use remote = RemoteVectorEnv.Connect(server.Address)
                Expect.equal remote.Rendering (RemoteRendering(600, 400, 50)) "the spec's frames"
                remote.Reset(Nullable 11)
                let local, drawing = localCartPole 11
                use _ = local
                Expect.equal (remote.RenderFrame(0).Pixels) (pixelsOf drawing) "the reset's state"
                let obs = Array.zeroCreate<float32> 4
                let mutable ended = false

                while not ended do
                    remote.Step(ReadOnlySpan [| 1; 0 |])
                    let result = local.Step(1, Span obs)
                    ended <- result.Done
                    Expect.equal (remote.Terminated.[0] || remote.Truncated.[0]) ended "in step with the local env"

                    if not ended then
                        Expect.equal (remote.RenderFrame(0).Pixels) (pixelsOf drawing) "each step's state"

                Expect.equal
                    (remote.RenderFrame(0, true).Pixels)
                    (pixelsOf drawing)
                    "the final frame: where the episode ended"

                local.Reset(Span obs)

                Expect.equal
                    (remote.RenderFrame(0).Pixels)
                    (pixelsOf drawing)
                    "the current frame: the next episode's start"

                Expect.throwsT<ArgumentOutOfRangeException> (fun () -> remote.RenderFrame 2 |> ignore) "env 2 of 2"
            }

            test "RemoteVectorEnv before a reset gets the server's refusal, naming the server" {
                use server = serveSessions (fun () -> cartPole 1 true) (4 * 1024 * 1024)
                use remote = RemoteVectorEnv.Connect(server.Address)

                let e =
                    messageOf<RemoteEnvironmentException>(fun () -> remote.RenderFrame 0 |> ignore)

                Expect.stringContains e server.Address "names the server"
                Expect.stringContains e "before the first reset" "and why"
            }

            test
                "a server that cannot render (one of the protocol before rendering sends the same spec) still serves; frames are refused naming it" {
                use server = serveSessions (fun () -> cartPole 2 false) (4 * 1024 * 1024)
                use remote = RemoteVectorEnv.Connect(server.Address)
                Expect.isFalse remote.CanRender "no render info"
                remote.Reset(Nullable 0)
                remote.Step(ReadOnlySpan [| 0; 1 |])
                Expect.equal remote.Rewards [| 1f; 1f |] "steps as ever"

                let e = messageOf<NotRenderableException>(fun () -> remote.RenderFrame 0 |> ignore)

                Expect.stringContains e $"{server.Address} cannot render" "names the server"
                Expect.stringContains e "no render info" "and why"
            }
        ]
