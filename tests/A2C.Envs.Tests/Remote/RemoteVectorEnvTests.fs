/// RemoteVectorEnv against a server in this process: lockstep equal to local envs, and what it
/// does with a server that hangs, sends NaN, malformed or oversized messages or wrong replies.
module A2C.Envs.Tests.Remote.RemoteVectorEnvTests

open System
open System.Diagnostics
open System.Threading
open A2C.Envs
open A2C.Envs.Remote
open A2C.Envs.Vector
open Expecto
open Grpc.Core
open Grpc.Net.Client
open A2C.Envs.Remote.Protocol
open A2C.Envs.Tests.Remote.TestServer

/// A server in this process over sessions of the given envs.
let private serveInProcess (makeEnv: unit -> IVectorEnv) (maxBytes: int) =
    serveSessions (fun () -> new EnvSession(makeEnv (), "Test-v0", Nullable 500, Nullable 475.0)) maxBytes

/// Wraps a vector env: after `after` steps, Step either puts NaN into env 1's observation or sleeps.
type private Faulty(inner: IVectorEnv, after: int, fault: string) =
    let mutable steps = 0

    interface IVectorEnv with
        member _.NumEnvs = inner.NumEnvs
        member _.SingleObservationSpace = inner.SingleObservationSpace
        member _.SingleActionSpace = inner.SingleActionSpace
        member _.ObservationSize = inner.ObservationSize
        member _.Observations = inner.Observations
        member _.FinalObservations = inner.FinalObservations
        member _.Rewards = inner.Rewards
        member _.Terminated = inner.Terminated
        member _.Truncated = inner.Truncated
        member _.FinishedEpisodes = inner.FinishedEpisodes
        member _.Reset(seed) = inner.Reset(seed)

        member _.Step(actions: ReadOnlySpan<int>) =
            inner.Step(actions)
            steps <- steps + 1

            if steps > after then
                match fault with
                | "nan" -> inner.Observations.[inner.ObservationSize + 2] <- nanf
                | _ -> Thread.Sleep 3000

        member _.Step(actions: ReadOnlySpan<float32>) = inner.Step(actions)
        member _.Dispose() = inner.Dispose()

/// Raw access to the Session method with bytes on the wire, to send what no well-behaved client would.
let private rawSession (address: string) =
    let channel = GrpcChannel.ForAddress("http://" + address.Substring "grpc://".Length)

    let bytes = Marshallers.Create((fun (b: byte[]) -> b), (fun (b: byte[]) -> b))

    let meth =
        Method<byte[], byte[]>(MethodType.DuplexStreaming, "a2c.env.v1.EnvironmentService", "Session", bytes, bytes)

    channel,
    channel
        .CreateCallInvoker()
        .AsyncDuplexStreamingCall(meth, null, CallOptions(deadline = DateTime.UtcNow.AddSeconds 10.0))

/// A server that answers the spec correctly (CartPole's shape, N = 2) and then every request
/// with `reply`: a non-conforming simulator, to check what the client accepts.
type private Misbehaving(reply: Response) =
    inherit A2C.Envs.Remote.Protocol.EnvironmentService.EnvironmentServiceBase()

    override _.Session(requests, responses, context) =
        task {
            let mutable first = true

            while! requests.MoveNext(context.CancellationToken) do
                if first then
                    first <- false
                    let box = BoxSpace()
                    box.Low.Add [ -1f; -1f; -1f; -1f ]
                    box.High.Add [ 1f; 1f; 1f; 1f ]

                    let spec =
                        Spec(
                            EnvId = "Fake-v0",
                            NumEnvs = 2u,
                            ObservationSpace = Space(Box = box),
                            ActionSpace = Space(Discrete = DiscreteSpace(N = 2u))
                        )

                    do! responses.WriteAsync(Response(Version = EnvSession.Version, Spec = spec))
                else
                    do! responses.WriteAsync(reply)
        }

let private batch (observations: float32 list) (rewards: float32 list) =
    let b = Batch()
    b.Observations.Add observations
    b.Rewards.Add rewards
    b.Terminated.Add [ false; false ]
    b.Truncated.Add [ false; false ]
    Response(Version = EnvSession.Version, Batch = b)

/// The message of the RemoteEnvironmentException that `f` throws.
let private remoteError (f: unit -> unit) =
    try
        f ()
        failtest "expected a RemoteEnvironmentException"
        ""
    with :? RemoteEnvironmentException as e ->
        e.Message

/// A remote session still works: spec, reset and one step.
let private stillServes (address: string) =
    use env =
        RemoteVectorEnv.Connect(address, RemoteEnvOptions(Timeout = TimeSpan.FromSeconds 10.0))

    env.Reset(Nullable 1)
    env.Step(ReadOnlySpan(Array.zeroCreate<int> env.NumEnvs))
    Expect.equal env.Rewards.Length env.NumEnvs "a new session steps normally"

[<Tests>]
let tests =
    testSequenced
    <| testList
        "remote"
        [
            test "a served CartPole steps exactly as the same envs in this process, resets and episodes included" {
                use server =
                    serveInProcess (fun () -> VectorEnv.Make("CartPole-v1", 4)) (4 * 1024 * 1024)

                use remote = RemoteVectorEnv.Connect(server.Address)
                use local = VectorEnv.Make("CartPole-v1", 4)
                Expect.equal remote.NumEnvs 4 "N from the spec"
                Expect.equal remote.MaxEpisodeSteps (Nullable 500) "time limit from the spec"
                Expect.equal remote.RewardThreshold (Nullable 475.0) "threshold from the spec"
                remote.Reset(Nullable 5)
                local.Reset(Nullable 5)
                Expect.sequenceEqual remote.Observations local.Observations "reset observations"
                let rng = Rng(9L)
                let mutable episodes = 0

                for t in 1..400 do
                    let actions = Array.init 4 (fun _ -> rng.NextInt 2)
                    remote.Step(ReadOnlySpan actions)
                    local.Step(ReadOnlySpan actions)
                    Expect.sequenceEqual remote.Observations local.Observations $"observations at step {t}"
                    Expect.sequenceEqual remote.Rewards local.Rewards $"rewards at step {t}"
                    Expect.sequenceEqual remote.Terminated local.Terminated $"terminated at step {t}"
                    Expect.sequenceEqual remote.Truncated local.Truncated $"truncated at step {t}"

                    for i in 0..3 do
                        if local.Terminated.[i] || local.Truncated.[i] then
                            Expect.sequenceEqual
                                (remote.FinalObservations.AsSpan(i * 4, 4).ToArray())
                                (local.FinalObservations.AsSpan(i * 4, 4).ToArray())
                                $"final observation of env {i} at step {t}"

                    Expect.sequenceEqual
                        (remote.FinishedEpisodes.ToArray())
                        (local.FinishedEpisodes.ToArray())
                        $"episodes at step {t}"

                    episodes <- episodes + local.FinishedEpisodes.Length

                Expect.isGreaterThan episodes 10 "random play ends many episodes"
            }

            test "a served Pendulum (box actions) steps exactly as in this process" {
                use server =
                    serveInProcess (fun () -> VectorEnv.Make("Pendulum-v1", 2)) (4 * 1024 * 1024)

                use remote = RemoteVectorEnv.Connect(server.Address)
                use local = VectorEnv.Make("Pendulum-v1", 2)
                remote.Reset(Nullable 3)
                local.Reset(Nullable 3)

                for t in 1..50 do
                    let actions = [| float32 (sin (float t)); -0.5f |]
                    remote.Step(ReadOnlySpan actions)
                    local.Step(ReadOnlySpan actions)
                    Expect.sequenceEqual remote.Observations local.Observations $"observations at step {t}"
                    Expect.sequenceEqual remote.Rewards local.Rewards $"rewards at step {t}"
            }

            test "a server that stops answering is reported within the deadline, not waited on" {
                use server =
                    serveInProcess (fun () -> new Faulty(VectorEnv.Make("CartPole-v1", 2), 3, "hang")) (4 * 1024 * 1024)

                use env =
                    RemoteVectorEnv.Connect(server.Address, RemoteEnvOptions(Timeout = TimeSpan.FromMilliseconds 300.0))

                env.Reset(Nullable 0)

                for _ in 1..3 do
                    env.Step(ReadOnlySpan [| 0; 1 |])

                let clock = Stopwatch.StartNew()
                let message = remoteError (fun () -> env.Step(ReadOnlySpan [| 0; 1 |]))
                Expect.stringContains message server.Address "names the server"
                Expect.stringContains message "did not answer the step request within 0.3 s" "says what timed out"
                Expect.isLessThan clock.Elapsed.TotalSeconds 2.5 "gave up at the deadline, before the env woke"
            }

            test "NaN observations from the server's env are refused, naming the environment" {
                use server =
                    serveInProcess (fun () -> new Faulty(VectorEnv.Make("CartPole-v1", 2), 2, "nan")) (4 * 1024 * 1024)

                use env = RemoteVectorEnv.Connect(server.Address)
                env.Reset(Nullable 0)
                env.Step(ReadOnlySpan [| 0; 1 |])
                env.Step(ReadOnlySpan [| 0; 1 |])
                let message = remoteError (fun () -> env.Step(ReadOnlySpan [| 0; 1 |]))
                Expect.stringContains message "EnvironmentFailed" "the server's error code"

                Expect.stringContains
                    message
                    "environment 1 returned observation[2] = NaN"
                    "names env, element and value"
            }

            test "malformed and oversized messages get an error status; the server keeps serving" {
                use server = serveInProcess (fun () -> VectorEnv.Make("CartPole-v1", 2)) 1024
                let channel, call = rawSession server.Address

                use _ = channel
                use _ = call
                // Field 1 (version) announced as a length-delimited field 50 bytes long, then 2 bytes: truncated.
                call.RequestStream.WriteAsync([| 0x0Auy; 50uy; 1uy; 2uy |]).Wait()

                let garbage =
                    Expect.throwsT<AggregateException>(fun () ->
                        call.ResponseStream.MoveNext(CancellationToken.None).Wait())

                let channel2, call2 = rawSession server.Address
                use _ = channel2
                use _ = call2

                let oversized =
                    try
                        call2.RequestStream.WriteAsync(Array.zeroCreate 4096).Wait()
                        call2.ResponseStream.MoveNext(CancellationToken.None).Wait()
                        None
                    with :? AggregateException as e ->
                        match e.InnerException with
                        | :? RpcException as r -> Some r.StatusCode
                        | _ -> Some StatusCode.Unknown

                Expect.equal oversized (Some StatusCode.ResourceExhausted) "over --max-message-bytes: ResourceExhausted"
                stillServes server.Address
            }

            test "a server's wrong array lengths, NaN values and foreign replies are refused, naming what was wrong" {
                let refused (reply: Response) =
                    use server = serve (Misbehaving reply) (4 * 1024 * 1024)

                    use env =
                        RemoteVectorEnv.Connect(server.Address, RemoteEnvOptions(Timeout = TimeSpan.FromSeconds 10.0))

                    remoteError (fun () -> env.Reset(Nullable 0))

                let short = refused (batch [ 0f; 0f; 0f ] [ 0f; 0f ])

                Expect.stringContains
                    short
                    "sent 3 values in observations; expected 8 (2 envs, 4 per env of Box(-1, 1, (4,), float32))"
                    "wrong length"

                let nan = refused (batch [ 0f; 0f; 0f; 0f; 0f; infinityf; 0f; 0f ] [ 0f; 0f ])
                Expect.stringContains nan "observation[1] = Infinity for environment 1" "non-finite, named"

                let foreign = refused (Response(Version = 1u, Batch = (batch [] []).Batch))

                Expect.stringContains foreign "answered with protocol version 1" "version"

                let error =
                    Response(
                        Version = EnvSession.Version,
                        Error =
                            Error(
                                Code = Error.Types.Code.EnvironmentFailed,
                                Message = "the simulator's physics diverged"
                            )
                    )

                Expect.stringContains (refused error) "the simulator's physics diverged" "the server's own message"
            }

        ]
