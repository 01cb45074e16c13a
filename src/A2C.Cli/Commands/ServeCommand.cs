using System.CommandLine;
using System.Globalization;
using System.Net;
using A2C.Envs;
using A2C.Envs.Remote;
using A2C.Envs.Rendering;
using A2C.Training;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace A2C.Cli;

/// <summary>
/// <c>a2c serve</c>: serves a registered env over the environment protocol (proto/a2c_env.proto)
/// on gRPC, so that a learner in another process (<c>a2c train --env grpc://HOST:PORT</c>) can
/// train on it. Each client session gets N fresh envs. An env that draws itself is served with
/// its frames (rasterized here by <see cref="SceneRasterizer"/>), so a client can record it.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var env = new Option<string>("--env") { Description = "Registered environment id to serve.", Required = true };
        var nEnvs = new Option<int>("--n-envs") { Description = "Environments per session (every step carries all of them).", DefaultValueFactory = _ => 8 };
        var port = new Option<int>("--port") { Description = "TCP port (0: any free port; the chosen one is printed).", DefaultValueFactory = _ => 50051 };
        var bind = new Option<string>("--bind") { Description = "Address to listen on: 127.0.0.1 (default: this machine only), 0.0.0.0 (every interface), or any IP address.", DefaultValueFactory = _ => "127.0.0.1" };
        var maxMessage = new Option<int>("--max-message-bytes") { Description = "Largest message accepted or sent (default 4 MiB).", DefaultValueFactory = _ => 4 * 1024 * 1024 };
        var envKwargs = new HyperparameterOption(A2C.Training.Hyperparameters.EnvKwargs, "The served env's keyword arguments as a JSON object, as gym.make takes them, e.g. '{\"is_slippery\": false}'.");
        var command = new Command("serve", "Serve an environment to learners in other processes over gRPC (docs/protocol.md).") { env, envKwargs.Option, nEnvs, port, bind, maxMessage };
        command.SetAction(parse => CliErrors.Run("a2c serve", stderr, () =>
        {
            var errors = new List<string>();
            var id = parse.GetValue(env)!;
            EnvSpec? spec = null;
            try
            {
                spec = Registry.Spec(id);
            }
            catch (UnknownEnvironmentException e)
            {
                // One of several usage errors, all reported together.
                errors.Add("--env: " + e.Message);
            }

            var kwargs = CliApp.EnvKwargs(envKwargs, id, parse, errors);
            var n = parse.GetValue(nEnvs);
            if (n is < 1 or > 4096)
            {
                errors.Add($"--n-envs is {n}; allowed: 1 to 4096.");
            }

            var portNumber = parse.GetValue(port);
            if (portNumber is < 0 or > 65535)
            {
                errors.Add($"--port is {portNumber}; allowed: 0 to 65535.");
            }

            var bindText = parse.GetValue(bind)!;
            if (!IPAddress.TryParse(bindText, out var address))
            {
                errors.Add($"--bind is '{bindText}'; expected an IP address such as 127.0.0.1 or 0.0.0.0.");
            }

            var limit = parse.GetValue(maxMessage);
            if (limit < 1024)
            {
                errors.Add($"--max-message-bytes is {limit}; allowed: 1024 or more.");
            }

            if (errors.Count > 0)
            {
                return CliApp.ReportUsageErrors(stderr, "a2c serve", errors);
            }

            return Serve(spec!, kwargs, n, address!, portNumber, limit, stdout, stderr, cancellation);
        }));
        return command;
    }

    private static int Serve(EnvSpec spec, System.Text.Json.Nodes.JsonObject? kwargs, int n, IPAddress address, int port, int maxMessageBytes, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var log = TextWriter.Synchronized(stderr);
        bool rendering;
        using (var probe = Registry.Make(spec.Id))
        {
            rendering = probe.Renderable() is not null;
        }

        RemoteServer server;
        try
        {
            server = RemoteServer.Start(
                () => EnvSession.ForRegistered(spec, n, scene => SceneRasterizer.Rasterize(scene), kwargs),
                address,
                port,
                maxMessageBytes,
                line => log.WriteLine($"a2c serve: {line}"));
        }
        catch (IOException e)
        {
            throw CliErrors.Failure($"cannot listen on {address}:{port}: {e.Message}", e);
        }

        using (server)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"a2c serve: serving {spec.Id} ({n} envs per session{(rendering ? ", with frames" : "")}) on {server.Address}; Ctrl+C stops"));
            stdout.Flush();
            try
            {
                Task.Delay(Timeout.Infinite, cancellation).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                // SIGINT or SIGTERM: stop accepting, let sessions end.
            }
        }

        stdout.WriteLine("a2c serve: stopped");
        return 0;
    }
}

/// <summary>
/// The environment protocol's gRPC service running on Kestrel (cleartext HTTP/2), for
/// <c>a2c serve</c> (the Envs tests host the same service with a test host of their own).
/// </summary>
public sealed class RemoteServer : IDisposable
{
    private readonly WebApplication _app;

    private RemoteServer(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Where clients connect: <c>grpc://HOST:PORT</c>.</summary>
    public string Address { get; }

    /// <summary>Starts serving: every client stream gets a session from <paramref name="newSession"/>.</summary>
    /// <param name="newSession">Makes a session with its own envs.</param>
    /// <param name="address">Address to listen on.</param>
    /// <param name="port">Port (0: any free one; see <see cref="Address"/>).</param>
    /// <param name="maxMessageBytes">Largest message accepted or sent.</param>
    /// <param name="log">Receives session events.</param>
    /// <returns>The running server.</returns>
    /// <exception cref="IOException">The address cannot be bound.</exception>
    public static RemoteServer Start(Func<EnvSession> newSession, IPAddress address, int port, int maxMessageBytes = 4 * 1024 * 1024, Action<string>? log = null) =>
        Start(new EnvironmentServer(newSession, log), address, port, maxMessageBytes);

    /// <summary>Starts serving <paramref name="service"/>, any implementation of the protocol's service.</summary>
    /// <typeparam name="TService">The service's type.</typeparam>
    /// <param name="service">The service.</param>
    /// <param name="address">Address to listen on.</param>
    /// <param name="port">Port (0: any free one; see <see cref="Address"/>).</param>
    /// <param name="maxMessageBytes">Largest message accepted or sent.</param>
    /// <returns>The running server.</returns>
    /// <exception cref="IOException">The address cannot be bound.</exception>
    public static RemoteServer Start<TService>(TService service, IPAddress address, int port, int maxMessageBytes = 4 * 1024 * 1024)
        where TService : A2C.Envs.Remote.Protocol.EnvironmentService.EnvironmentServiceBase
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(address);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Cleartext HTTP/2 (h2c): the protocol is for simulators on this machine or a trusted network.
            kestrel.Listen(address, port, listen => listen.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = maxMessageBytes;
            grpc.MaxSendMessageSize = maxMessageBytes;
        });
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<TService>();
        try
        {
            app.StartAsync().GetAwaiter().GetResult();
        }
        catch
        {
            ((IDisposable)app).Dispose();
            throw;
        }

        var bound = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        var actualPort = bound is null ? port : new Uri(bound).Port;
        return new RemoteServer(app, string.Create(CultureInfo.InvariantCulture, $"{RemoteVectorEnv.Scheme}{address}:{actualPort}"));
    }

    /// <summary>Stops accepting and ends the sessions (within five seconds).</summary>
    public void Dispose()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        _app.StopAsync(grace.Token).GetAwaiter().GetResult();
        ((IDisposable)_app).Dispose();
    }
}
