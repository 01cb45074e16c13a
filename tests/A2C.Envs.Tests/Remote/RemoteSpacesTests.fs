/// Every space kind through protocol version 2: spaces and observations round-trip, and bad input
/// from either side (actions outside a space, observations of the wrong shape or dtype, malformed
/// spaces, the other protocol version) gets an error naming the space, the key and the versions.
module A2C.Envs.Tests.Remote.RemoteSpacesTests

open System
open System.Threading
open A2C.Envs
open A2C.Envs.Remote
open A2C.Envs.Remote.Protocol
open A2C.Envs.Spaces
open A2C.Envs.Vector
open Expecto
open A2C.Envs.Tests.Remote.TestServer
open A2C.Envs.Tests.Spaces.SpaceFakes

let private megabytes = 4 * 1024 * 1024

/// N fake envs of the given spaces, in a vector env.
let private fakes (n: int) (observation: Space) (action: Space) (spoil: (int -> float32[] -> unit) option) =
    new VectorEnv([ for _ in 1..n -> new SpaceEnv(observation, action, ?spoil = spoil) :> IEnv ])

let private serveFakes n observation action spoil =
    serveSessions
        (fun () -> new EnvSession(fakes n observation action spoil, "Fake-v0", Nullable(), Nullable()))
        megabytes

let private step (env: IVectorEnv) (actions: Choice<int[], float32[]>) =
    match actions with
    | Choice1Of2 ints -> env.Step(ReadOnlySpan ints)
    | Choice2Of2 floats -> env.Step(ReadOnlySpan floats)

let private remoteError (f: unit -> unit) =
    try
        f ()
        failtest "expected a RemoteEnvironmentException"
        ""
    with :? RemoteEnvironmentException as e ->
        e.Message

/// A server that answers the spec request with `spec` and every later request with `reply`.
type private Scripted(spec: Response, reply: Response) =
    inherit EnvironmentService.EnvironmentServiceBase()

    override _.Session(requests, responses, context) =
        task {
            let mutable first = true

            while! requests.MoveNext(context.CancellationToken) do
                do! responses.WriteAsync(if first then spec else reply)
                first <- false
        }

let private specOf (observation: Protocol.Space) (action: Protocol.Space) =
    Response(
        Version = EnvSession.Version,
        Spec = Spec(EnvId = "Fake-v0", NumEnvs = 2u, ObservationSpace = observation, ActionSpace = action)
    )

let private batchOf (observations: float32 list) =
    let b = Batch()
    b.Observations.Add observations
    b.Rewards.Add [ 0f; 0f ]
    b.Terminated.Add [ false; false ]
    b.Truncated.Add [ false; false ]
    Response(Version = EnvSession.Version, Batch = b)

let private discreteMessage = SpaceMessages.ToMessage(Discrete 2)

/// The error a scripted server's spec and reply make the client throw, at connect or at reset.
let private clientError (spec: Response) (reply: Response) =
    use server = serve (Scripted(spec, reply)) megabytes

    remoteError (fun () ->
        use env = RemoteVectorEnv.Connect(server.Address)
        env.Reset(Nullable 0))

let private roundTrips =
    [
        for obsName, observation in observationSpaces () do
            for actName, action in actionSpaces () do
                test $"{obsName} observations, {actName} actions: the spaces and every step arrive as sent" {
                    use server = serveFakes 3 observation action None
                    use remote = RemoteVectorEnv.Connect(server.Address)
                    use local = fakes 3 observation action None
                    Expect.equal (string remote.SingleObservationSpace) (string observation) "observation space"
                    Expect.equal (string remote.SingleActionSpace) (string action) "action space"
                    Expect.equal (List.ofSeq remote.SingleObservationSpace.Shape) (List.ofSeq observation.Shape) "shape"
                    Expect.equal remote.ObservationSize observation.FlatSize "flat size"
                    remote.Reset(Nullable 4)
                    local.Reset(Nullable 4)
                    Expect.sequenceEqual remote.Observations local.Observations "reset"
                    let rng = Rng(2L)

                    for t in 1..9 do
                        let actions = randomActions action 3 rng
                        step remote actions
                        step local actions
                        Expect.sequenceEqual remote.Observations local.Observations $"observations at step {t}"
                        Expect.sequenceEqual remote.Rewards local.Rewards $"rewards at step {t}"
                        Expect.sequenceEqual remote.Terminated local.Terminated $"terminated at step {t}"

                        for i in 0..2 do
                            let size = observation.FlatSize

                            if local.Terminated.[i] then
                                Expect.sequenceEqual
                                    (remote.FinalObservations.AsSpan(i * size, size).ToArray())
                                    (local.FinalObservations.AsSpan(i * size, size).ToArray())
                                    $"final observation of env {i} at step {t}"
                }
    ]

[<Tests>]
let tests =
    testSequenced
    <| testList
        "remote spaces (protocol v2)"
        [
            testList "round trips" roundTrips

            test "every space message turns back into the same space" {
                for _, space in observationSpaces () @ actionSpaces () do
                    let back = SpaceMessages.FromMessage(SpaceMessages.ToMessage space, "the space")
                    Expect.equal (string back) (string space) $"{space}"
                    Expect.equal back.FlatSize space.FlatSize $"{space}: flat size"
            }

            test "an action outside a MultiDiscrete's nvec is refused by the server, naming env, choice and space" {
                use server = serveFakes 4 (Box(-1f, 1f, 2)) (MultiDiscrete(3, 3)) None
                use env = RemoteVectorEnv.Connect(server.Address)
                env.Reset(Nullable 0)

                let message =
                    remoteError (fun () -> env.Step(ReadOnlySpan [| 0; 0; 1; 1; 2; 2; 0; 5 |]))

                Expect.stringContains message "InvalidArgument" "the code"

                Expect.stringContains
                    message
                    "env 3: action choice 1 is 5, outside [0, 2] of MultiDiscrete([3, 3])"
                    "named"

                let message =
                    remoteError (fun () -> env.Step(ReadOnlySpan [| 0; 0; 1; 1; -1; 2; 0; 0 |]))

                Expect.stringContains message "env 2: action choice 0 is -1" "a negative choice"
                env.Step(ReadOnlySpan [| 0; 0; 1; 1; 2; 2; 0; 0 |])
                Expect.equal env.Rewards.[2] 6f "the session still steps: 1 x 2 + 2 x 2"
            }

            test "MultiBinary and MultiDiscrete steps of the wrong count or field are named" {
                use session =
                    new EnvSession(fakes 2 (MultiBinary 2) (MultiBinary 3) None, "Fake-v0", Nullable(), Nullable())

                session.Handle(Request(Version = EnvSession.Version, Spec = SpecRequest()))
                |> ignore

                session.Handle(Request(Version = EnvSession.Version, Reset = ResetRequest()))
                |> ignore

                let stepWith (ints: int list) (floats: float32 list) =
                    let s = StepRequest()
                    s.DiscreteActions.Add ints
                    s.ContinuousActions.Add floats
                    session.Handle(Request(Version = EnvSession.Version, Step = s))

                let refused = stepWith [ 1; 0; 1 ] []
                Expect.equal refused.Error.Code Error.Types.Code.InvalidArgument "count"

                Expect.stringContains
                    refused.Error.Message
                    "the action space is MultiBinary(3): expected 6 discrete_actions (2 envs x 3)"
                    "count named"

                let refused = stepWith [ 1; 0; 1; 0; 2; 0 ] []

                Expect.stringContains
                    refused.Error.Message
                    "env 1: action switch 1 is 2, not 0 or 1 of MultiBinary(3)"
                    "value"

                let refused = stepWith [] [ 1f; 0f; 1f; 0f; 1f; 0f ]
                Expect.stringContains refused.Error.Message "got 0 and 6" "the wrong field"

                Expect.equal
                    (stepWith [ 1; 0; 1; 0; 1; 0 ] []).KindCase
                    Response.KindOneofCase.Batch
                    "valid actions step"
            }

            test "an env's observation outside its integer space fails on the server, naming the key" {
                // Keys in order: camera (12 values), gear (1), speed (2); gear sits at index 12.
                let spoilGear t (o: float32[]) =
                    if t = 2 then
                        o.[12] <- 7f

                use server = serveFakes 2 (sensors ()) (Discrete 2) (Some spoilGear)
                use env = RemoteVectorEnv.Connect(server.Address)
                env.Reset(Nullable 0)
                env.Step(ReadOnlySpan [| 0; 1 |])
                let message = remoteError (fun () -> env.Step(ReadOnlySpan [| 0; 1 |]))
                Expect.stringContains message "EnvironmentFailed" "code"
                Expect.stringContains message "environment 0 returned an observation outside its space" "env"
                Expect.stringContains message "key 'gear' is 7, not an integer in [0, 2] of Discrete(3)" "key and space"
            }

            test "the client refuses observations of the wrong shape or dtype, naming the space and the key" {
                let dict = sensors ()
                let spec = specOf (SpaceMessages.ToMessage dict) discreteMessage
                let good = List.replicate 12 3f @ [ 1f; 0.5f; -0.5f ]
                let short = clientError spec (batchOf (good @ List.take 14 good))
                Expect.stringContains short "sent 29 values in observations; expected 30 (2 envs" "length"
                Expect.stringContains short (string dict) "names the space"
                let halfPixel = (2.5f :: List.tail good) @ good
                let message = clientError spec (batchOf halfPixel)
                Expect.stringContains message "observation for environment 0 outside the observation space" "env"

                Expect.stringContains
                    message
                    "key 'camera' component 0 is 2.5, not a whole number (the box is uint8)"
                    "the key and the dtype"

                let badGear = good @ (List.take 12 good @ [ 3f; 0f; 0f ])
                let message = clientError spec (batchOf badGear)
                Expect.stringContains message "environment 1" "second env"
                Expect.stringContains message "key 'gear' is 3, not an integer in [0, 2] of Discrete(3)" "key"
                let md = specOf (SpaceMessages.ToMessage(MultiDiscrete(2, 2))) discreteMessage
                let message = clientError md (batchOf [ 0f; 1f; 1f; 2f ])

                Expect.stringContains
                    message
                    "choice 1 is 2, not an integer in [0, 1] of MultiDiscrete([2, 2])"
                    "MultiDiscrete"
            }

            test "malformed spaces in a spec are refused at connect, naming the space and the field" {
                let nested =
                    let inner = DictSpace()
                    inner.Entries.Add(Protocol.DictEntry(Key = "x", Space = discreteMessage))
                    let outer = DictSpace()
                    outer.Entries.Add(Protocol.DictEntry(Key = "inner", Space = Protocol.Space(Dict = inner)))
                    Protocol.Space(Dict = outer)

                let unsorted =
                    let d = DictSpace()
                    d.Entries.Add(Protocol.DictEntry(Key = "b", Space = discreteMessage))
                    d.Entries.Add(Protocol.DictEntry(Key = "a", Space = discreteMessage))
                    Protocol.Space(Dict = d)

                let badShape =
                    let b = BoxSpace()
                    b.Low.Add [ 0f; 0f; 0f ]
                    b.High.Add [ 1f; 1f; 1f ]
                    b.Shape.Add [ 2u; 2u ]
                    Protocol.Space(Box = b)

                let cases =
                    [
                        specOf nested discreteMessage, "the observation space's key 'inner' is a nested Dict"
                        specOf unsorted discreteMessage, "'b' comes before 'a'"
                        specOf badShape discreteMessage, "the observation space is a Box of shape (2, 2) with 3 bounds"
                        specOf (Protocol.Space()) discreteMessage, "the observation space is missing"
                        specOf discreteMessage (SpaceMessages.ToMessage(sensors ())), "the action space is Dict("
                        specOf discreteMessage (Protocol.Space(MultiDiscrete = MultiDiscreteSpace())),
                        "MultiDiscrete of nvec []"
                    ]

                for spec, expected in cases do
                    let message = clientError spec (batchOf [])
                    Expect.stringContains message expected $"{spec.Spec}"
                    Expect.stringContains message "reported a spec this client cannot use" "says it is the spec"
            }

            test "a v1 client gets an error naming both versions from a v2 server" {
                use server = serveFakes 1 (Box(-1f, 1f, 2)) (Discrete 2) None

                use channel =
                    Grpc.Net.Client.GrpcChannel.ForAddress("http://" + server.Address.Substring "grpc://".Length)

                let client = EnvironmentService.EnvironmentServiceClient(channel)
                use call = client.Session(deadline = Nullable(DateTime.UtcNow.AddSeconds 10.0))
                call.RequestStream.WriteAsync(Request(Version = 1u, Spec = SpecRequest())).Wait()
                Expect.isTrue (call.ResponseStream.MoveNext(CancellationToken.None).Result) "an answer"
                let response = call.ResponseStream.Current
                Expect.equal response.Version 2u "the server says its version"
                Expect.equal response.Error.Code Error.Types.Code.UnsupportedVersion "code"

                Expect.stringContains
                    response.Error.Message
                    "protocol version 1; this server speaks version 2"
                    "both versions"
            }

            test "a v2 client gets an error naming both versions from a v1 server" {
                let v1Refusal =
                    Response(
                        Version = 1u,
                        Error =
                            Error(
                                Code = Error.Types.Code.UnsupportedVersion,
                                Message = "request version 2 is not supported: this server speaks protocol version 1"
                            )
                    )

                use server = serve (Scripted(v1Refusal, v1Refusal)) megabytes

                let message =
                    remoteError (fun () -> RemoteVectorEnv.Connect(server.Address).Dispose())

                Expect.stringContains message "answered with protocol version 1" "the server's version"
                Expect.stringContains message "this client's protocol (version 2)" "the client's version"
                Expect.stringContains message "request version 2 is not supported" "what the server said"
            }
        ]
