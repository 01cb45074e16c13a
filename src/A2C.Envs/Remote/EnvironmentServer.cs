using A2C.Envs.Remote.Protocol;
using Grpc.Core;

namespace A2C.Envs.Remote;

/// <summary>
/// The gRPC service: every stream is one <see cref="EnvSession"/> with envs of its own, created
/// when the stream opens and closed when it ends. A client that disconnects ends only its session.
/// Host it with any gRPC server (the <c>a2c serve</c> command runs it on ASP.NET Core).
/// </summary>
public sealed class EnvironmentServer : EnvironmentService.EnvironmentServiceBase
{
    private readonly Func<EnvSession> _newSession;
    private readonly Action<string> _log;

    /// <summary>Serves sessions made by <paramref name="newSession"/>.</summary>
    /// <param name="newSession">Makes a session with fresh envs for each stream.</param>
    /// <param name="log">Receives one line per session event (opened, ended, client gone).</param>
    public EnvironmentServer(Func<EnvSession> newSession, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(newSession);
        _newSession = newSession;
        _log = log ?? (_ => { });
    }

    /// <inheritdoc />
    public override async Task Session(IAsyncStreamReader<Request> requestStream, IServerStreamWriter<Response> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        using var session = _newSession();
        _log($"session from {context.Peer} opened");
        var requests = 0L;
        try
        {
            while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
            {
                requests++;
                await responseStream.WriteAsync(session.Handle(requestStream.Current), context.CancellationToken).ConfigureAwait(false);
            }

            _log($"session from {context.Peer} ended after {requests} requests");
        }
        catch (Exception e) when (context.CancellationToken.IsCancellationRequested || e is IOException or OperationCanceledException)
        {
            _log($"session from {context.Peer} lost after {requests} requests: the client went away ({e.GetType().Name}).");
        }
    }
}
