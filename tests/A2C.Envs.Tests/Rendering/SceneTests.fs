module A2C.Envs.Tests.Rendering.SceneTests

open System
open A2C.Envs
open A2C.Envs.ClassicControl
open A2C.Envs.Rendering
open Expecto

let private withState (env: IEnv) (state: float list) =
    env.Reset(seed = 0) |> ignore
    (env.PhysicalState() |> nonNull).SetState(ReadOnlySpan(List.toArray state))

let private scene (env: IEnv) = (env.RequireRenderable()).Render()

let private polygons (s: Scene) =
    s.Shapes
    |> Seq.choose (function
        | :? PolygonShape as p -> Some p
        | _ -> None)
    |> List.ofSeq

let private circles (s: Scene) =
    s.Shapes
    |> Seq.choose (function
        | :? CircleShape as c -> Some c
        | _ -> None)
    |> List.ofSeq

let private lines (s: Scene) =
    s.Shapes
    |> Seq.choose (function
        | :? LineShape as l -> Some l
        | _ -> None)
    |> List.ofSeq

let private centre (p: PolygonShape) =
    p.Points |> Seq.averageBy (fun q -> q.X), p.Points |> Seq.averageBy (fun q -> q.Y)

let private close = Accuracy.high

[<Tests>]
let tests =
    testList
        "rendering scenes"
        [
            test "every registered env renders a scene of its stated size, also through its time limit" {
                for spec in Registry.Specs do
                    use env = Registry.Make spec.Id
                    env.Reset(seed = 1) |> ignore
                    Expect.isNotNull (env.Renderable()) $"{spec.Id} is renderable through its wrappers"
                    let renderable = env.RequireRenderable()
                    let s = renderable.Render()
                    Expect.equal (s.Width, s.Height) (renderable.RenderWidth, renderable.RenderHeight) $"{spec.Id} size"
                    Expect.isGreaterThan s.Shapes.Count 0 $"{spec.Id} draws something"
                    Expect.isGreaterThan renderable.RenderFps 0 $"{spec.Id} fps"
            }

            test "the classic-control frames have Gymnasium's sizes and render_fps" {
                for id, w, h, fps in
                    [
                        "CartPole-v1", 600, 400, 50
                        "Acrobot-v1", 500, 500, 15
                        "MountainCar-v0", 600, 400, 30
                        "MountainCarContinuous-v0", 600, 400, 30
                        "Pendulum-v1", 500, 500, 30
                    ] do
                    use env = Registry.Make id
                    let r = env.RequireRenderable()
                    Expect.equal (r.RenderWidth, r.RenderHeight, r.RenderFps) (w, h, fps) id
            }

            test "CartPole: the cart's centre is x * 125 + 300, its top 115 px above the bottom; the pole follows theta" {
                for x, theta in [ 0.0, 0.0; 1.0, 0.1; -2.0, -0.2 ] do
                    use env = Registry.Make "CartPole-v1"
                    withState env [ x; 0.0; theta; 0.0 ]
                    let s = scene env
                    Expect.equal s.Background Rgb.White "white background"

                    match polygons s with
                    | [ cart; pole ] ->
                        Expect.equal cart.Fill Rgb.Black "cart black"
                        Expect.equal pole.Fill (Rgb(202uy, 152uy, 101uy)) "pole colour"
                        let cx, cy = centre cart
                        Expect.floatClose close cx (x * 125.0 + 300.0) "cart centre x"
                        // y-up 100 (its middle) becomes row 399 - 100.
                        Expect.floatClose close cy 299.0 "cart centre row"
                        let ys = cart.Points |> Seq.map (fun p -> p.Y) |> List.ofSeq
                        Expect.floatClose close (List.min ys) (399.0 - 115.0) "cart top"
                        // The pole's far end: 120 px along the direction theta from vertical, clockwise on screen.
                        let top = (pole.Points.[1], pole.Points.[2])
                        let tx = ((fst top).X + (snd top).X) / 2.0
                        let ty = ((fst top).Y + (snd top).Y) / 2.0
                        Expect.floatClose close tx (cx + 120.0 * Math.Sin theta) "pole end x"
                        Expect.floatClose close ty (399.0 - (107.5 + 120.0 * Math.Cos theta)) "pole end y"
                    | other -> failtestf "expected cart and pole, got %d polygons" other.Length

                    match circles s with
                    | [ axle ] ->
                        Expect.equal axle.Fill (Rgb(129uy, 132uy, 203uy)) "axle colour"
                        Expect.equal axle.Radius 5.0 "axle radius"
                        Expect.equal axle.Centre.X (Math.Truncate(x * 125.0 + 300.0)) "axle on the cart"
                    | other -> failtestf "expected one axle, got %d" other.Length

                    Expect.exists
                        (lines s)
                        (fun l -> l.Points.[0].Y = 299.0 && l.Points.[1].Y = 299.0)
                        "the track at row 299"
            }

            test "Acrobot: hanging down, both links point down from the centre; the joints follow the angles" {
                use env = Registry.Make "Acrobot-v1"
                let scale = 500.0 / 4.4

                for t1, t2 in [ 0.0, 0.0; 0.5, -1.0; Math.PI, 0.3 ] do
                    withState env [ t1; t2; 0.0; 0.0 ]
                    let s = scene env

                    match circles s with
                    | [ pivot; middle ] ->
                        Expect.equal
                            (pivot.Centre.X, pivot.Centre.Y)
                            (250.0, 249.0)
                            "pivot at the centre (row 499 - 250)"

                        Expect.equal middle.Centre.X (Math.Truncate(250.0 + scale * Math.Sin t1)) "middle joint x"

                        Expect.equal
                            middle.Centre.Y
                            (499.0 - Math.Truncate(250.0 - scale * Math.Cos t1))
                            "middle joint y"

                        Expect.equal pivot.Fill (Rgb(204uy, 204uy, 0uy)) "joint colour"
                    | other -> failtestf "expected two joints, got %d" other.Length

                    match polygons s with
                    | [ first; second ] ->
                        Expect.equal first.Fill (Rgb(0uy, 204uy, 204uy)) "link colour"
                        let tipX = 250.0 + scale * (Math.Sin t1 + Math.Sin(t1 + t2))
                        let far = (second.Points.[2].X + second.Points.[3].X) / 2.0
                        Expect.floatClose close far tipX "the second link ends at the tip"
                    | other -> failtestf "expected two links, got %d" other.Length
            }

            test "MountainCar: the car sits 10 px above the track at its position; the flag stands at the goal" {
                for id, goal in [ "MountainCar-v0", 0.5; "MountainCarContinuous-v0", 0.45 ] do
                    use env = Registry.Make id
                    // As Gymnasium: width over (max - min), whose float rounding decides int() at the flag.
                    let scale = 600.0 / (0.6 - -1.2)

                    for position in [ -0.5; -1.2; 0.3 ] do
                        withState env [ position; 0.0 ]
                        let s = scene env
                        let height p = Math.Sin(3.0 * p) * 0.45 + 0.55

                        match polygons s with
                        | [ car; flag ] ->
                            let bottom = (car.Points.[0], car.Points.[3])
                            let bx = ((fst bottom).X + (snd bottom).X) / 2.0
                            let by = ((fst bottom).Y + (snd bottom).Y) / 2.0
                            Expect.floatClose close bx ((position - -1.2) * scale) $"{id} car x"
                            Expect.floatClose close by (399.0 - (10.0 + height position * scale)) $"{id} car y"
                            Expect.equal flag.Fill (Rgb(204uy, 204uy, 0uy)) "flag colour"

                            Expect.equal
                                flag.Points.[0].X
                                (Math.Truncate((goal - -1.2) * scale))
                                $"{id} flag at the goal"
                        | other -> failtestf "expected car and flag, got %d" other.Length

                        Expect.equal
                            (circles s |> List.map (fun c -> c.Radius, c.Fill))
                            [ 8.0, Rgb.Grey 128uy; 8.0, Rgb.Grey 128uy ]
                            "two grey wheels"
            }

            test "Pendulum: the rod points up at theta 0 and turns with theta; the torque arrow appears after a step" {
                use env = Registry.Make "Pendulum-v1"
                let scale = 500.0 / 4.4

                for theta in [ 0.0; 1.0; -2.5 ] do
                    withState env [ theta; 0.0 ]
                    let s = scene env

                    match polygons s with
                    | [ rod ] ->
                        Expect.equal rod.Fill (Rgb(204uy, 77uy, 77uy)) "rod colour"
                        let endX = (rod.Points.[2].X + rod.Points.[3].X) / 2.0
                        let endY = (rod.Points.[2].Y + rod.Points.[3].Y) / 2.0
                        // theta turns the rod counter-clockwise from up, as seen on screen.
                        Expect.floatClose close endX (250.0 - scale * Math.Sin theta) "rod end x"
                        Expect.floatClose close endY (249.0 - scale * Math.Cos theta) "rod end y"
                    | other -> failtestf "expected only the rod before a step, got %d polygons" other.Length

                env.Step([| 1.5f |]) |> ignore
                let s = scene env
                Expect.equal (polygons s).Length 2 "the rod and the arrow's head"
                Expect.exists (lines s) (fun l -> l.Colour = Rgb.Black) "the arrow's arc"
                Expect.equal (circles s |> List.last).Fill Rgb.Black "the black axle drawn last"
            }

            test "a test env marks its last action; a custom env without IRenderable is refused by name" {
                use env = Registry.Make "Identity-v0"
                env.Reset(seed = 3) |> ignore
                let before = scene env
                env.Step 2 |> ignore
                let after = scene env
                Expect.isGreaterThan after.Shapes.Count before.Shapes.Count "the action's mark is added"

                let plain =
                    { new IEnv with
                        member _.Name = "Custom-v0"
                        member _.ObservationSpace = Spaces.Box(0f, 1f, 1)
                        member _.ActionSpace = Spaces.Discrete(2)
                        member this.Unwrapped = this
                        member _.Reset(_: Span<float32>, _: Nullable<int>) = ()
                        member _.Step(_: int, _: Span<float32>) = StepResult(0.0, false, false)
                        member _.Step(_: ReadOnlySpan<float32>, _: Span<float32>) = StepResult(0.0, false, false)
                        member _.Dispose() = ()
                    }

                Expect.isNull (plain.Renderable()) "not renderable"

                try
                    plain.RequireRenderable() |> ignore
                    failtest "a custom env without IRenderable was taken"
                with :? NotRenderableException as e ->
                    Expect.stringContains e.Message "Custom-v0 cannot render" "names the env"
            }

            test "a frame checks its size and reads pixels row-major" {
                let pixels = Array.init (2 * 3 * 3) byte
                let frame = Frame(2, 3, pixels)
                Expect.equal frame.[1, 2] (Rgb(15uy, 16uy, 17uy)) "pixel (1, 2) at 3 (2 * 2 + 1)"
                Expect.throwsT<ArgumentException> (fun () -> Frame(2, 2, pixels) |> ignore) "wrong byte count"
            }
        ]
