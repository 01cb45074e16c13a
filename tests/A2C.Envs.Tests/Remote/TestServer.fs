/// The environment protocol's gRPC service hosted by the tests themselves, on Kestrel in this
/// process (cleartext HTTP/2 on a free loopback port), as `a2c serve` hosts it.
module A2C.Envs.Tests.Remote.TestServer

open System
open System.Net
open System.Threading
open A2C.Envs.Remote
open A2C.Envs.Remote.Protocol
open Microsoft.AspNetCore.Builder
open Microsoft.AspNetCore.Hosting
open Microsoft.AspNetCore.Hosting.Server
open Microsoft.AspNetCore.Hosting.Server.Features
open Microsoft.AspNetCore.Server.Kestrel.Core
open Microsoft.Extensions.DependencyInjection
open Microsoft.Extensions.Logging

/// A running server; disposing it stops it and ends its sessions.
type TestServer(app: WebApplication, address: string) =
    /// Where clients connect: grpc://127.0.0.1:PORT.
    member _.Address = address

    interface IDisposable with
        member _.Dispose() =
            use grace = new CancellationTokenSource(TimeSpan.FromSeconds 5.0)
            app.StopAsync(grace.Token).GetAwaiter().GetResult()
            (app :> IDisposable).Dispose()

/// Serves `service`, any implementation of the protocol's service (some tests misbehave on
/// purpose), accepting and sending messages of up to `maxMessageBytes`.
let serve<'S when 'S :> EnvironmentService.EnvironmentServiceBase and 'S: not struct and 'S: not null>
    (service: 'S)
    (maxMessageBytes: int)
    =
    let builder = WebApplication.CreateSlimBuilder()
    builder.Logging.ClearProviders() |> ignore

    builder.WebHost.ConfigureKestrel(fun kestrel ->
        kestrel.Listen(IPAddress.Loopback, 0, (fun listen -> listen.Protocols <- HttpProtocols.Http2)))
    |> ignore

    builder.Services.AddGrpc(fun grpc ->
        grpc.MaxReceiveMessageSize <- Nullable maxMessageBytes
        grpc.MaxSendMessageSize <- Nullable maxMessageBytes)
    |> ignore

    builder.Services.AddSingleton<'S>(service) |> ignore
    let app = builder.Build()
    app.MapGrpcService<'S>() |> ignore
    app.StartAsync().GetAwaiter().GetResult()

    let bound =
        (nonNull (app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>())).Addresses
        |> Seq.head

    new TestServer(app, $"{RemoteVectorEnv.Scheme}{IPAddress.Loopback}:{Uri(bound).Port}")

/// Serves A2C.Envs' own EnvironmentServer: every client stream gets a session from `newSession`.
let serveSessions (newSession: unit -> EnvSession) (maxMessageBytes: int) =
    serve (EnvironmentServer(Func<EnvSession> newSession)) maxMessageBytes
