using A2C.Envs.Remote.Protocol;
using A2C.Envs.Spaces;
using A2C.Envs.Vector;
using Grpc.Core;
using Grpc.Net.Client;

namespace A2C.Envs.Remote;

/// <summary>How a <see cref="RemoteVectorEnv"/> talks to its server.</summary>
public sealed record RemoteEnvOptions
{
    /// <summary>How long one request (spec, reset or step) may take before the env gives up on the server.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest message either side may send (gRPC's limit, 4 MiB by default).</summary>
    public int MaxMessageBytes { get; init; } = 4 * 1024 * 1024;
}

/// <summary>A remote simulator failed, broke the protocol, or stopped answering. The message names the server and what went wrong.</summary>
public sealed class RemoteEnvironmentException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="message">What went wrong, naming the server.</param>
    /// <param name="inner">The transport's error, if any.</param>
    public RemoteEnvironmentException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>
/// N environments of a simulator in another process, stepped in lockstep over the protocol in
/// proto/a2c_env.proto (docs/protocol.md): one request and one response per reset or step of all
/// N envs. The server decides the env and N; episode statistics are kept here. Every request has
/// a deadline (<see cref="RemoteEnvOptions.Timeout"/>), so a server that dies or hangs ends the
/// run with a <see cref="RemoteEnvironmentException"/> naming it, never a hang.
/// </summary>
public sealed partial class RemoteVectorEnv : IVectorEnv
{
    /// <summary>The scheme of remote env ids: <c>grpc://HOST:PORT</c>.</summary>
    public const string Scheme = "grpc://";

    private readonly GrpcChannel _channel;
    private readonly AsyncDuplexStreamingCall<Request, Response> _call;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly RemoteEnvOptions _options;
    private readonly string _address;
    private readonly StepBuffers _buffers;
    private readonly bool _checkObservations;
    private bool _disposed;

    private RemoteVectorEnv(string address, RemoteEnvOptions options)
    {
        _address = address;
        _options = options;
        var uri = new Uri("http://" + address[Scheme.Length..]);
        _channel = GrpcChannel.ForAddress(uri, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = options.MaxMessageBytes,
            MaxSendMessageSize = options.MaxMessageBytes,
        });
        _call = new EnvironmentService.EnvironmentServiceClient(_channel).Session(cancellationToken: _lifetime.Token);
        try
        {
            var spec = Exchange(new Request { Spec = new SpecRequest() }, "spec").Spec
                ?? throw Broken("answered the spec request with something other than a spec");
            if (spec.NumEnvs is 0 or > 65_536)
            {
                throw Broken($"reported num_envs {spec.NumEnvs}; allowed: 1 to 65536");
            }

            NumEnvs = (int)spec.NumEnvs;
            EnvId = spec.EnvId;
            MaxEpisodeSteps = spec.MaxEpisodeSteps == 0 ? null : (int)spec.MaxEpisodeSteps;
            RewardThreshold = spec.HasRewardThreshold ? spec.RewardThreshold : null;
            Rendering = RenderingFrom(spec.Render);
            try
            {
                SingleObservationSpace = SpaceMessages.FromMessage(spec.ObservationSpace, "the observation space");
                SingleActionSpace = SpaceMessages.ActionSpaceFromMessage(spec.ActionSpace);
            }
            catch (InvalidSpaceMessageException e)
            {
                throw Broken($"reported a spec this client cannot use: {e.Message.TrimEnd('.')}");
            }

            _checkObservations = SingleObservationSpace.HasIntegerParts();
        }
        catch
        {
            Dispose();
            throw;
        }

        ObservationSize = SingleObservationSpace.FlatSize;
        _buffers = new StepBuffers(NumEnvs, ObservationSize);
    }

    /// <summary>Whether <paramref name="id"/> names a remote simulator (<c>grpc://HOST:PORT</c>).</summary>
    /// <param name="id">An env id.</param>
    /// <returns>True for the grpc scheme.</returns>
    public static bool IsRemote(string id) => id?.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ?? false;

    /// <summary>Opens a session with the server at <paramref name="address"/> and reads its spec.</summary>
    /// <param name="address"><c>grpc://HOST:PORT</c>.</param>
    /// <param name="options">Deadlines and message limits.</param>
    /// <returns>The connected env.</returns>
    /// <exception cref="ArgumentException">The address is not of the form grpc://HOST:PORT.</exception>
    /// <exception cref="RemoteEnvironmentException">The server cannot be reached or does not speak the protocol.</exception>
    public static RemoteVectorEnv Connect(string address, RemoteEnvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!TryParseAddress(address, out var authority))
        {
            throw new ArgumentException($"'{address}' is not a remote env address; expected grpc://HOST:PORT, e.g. grpc://127.0.0.1:50051.", nameof(address));
        }

        return new RemoteVectorEnv(Scheme + authority, options ?? new RemoteEnvOptions());
    }

    /// <summary>Whether <paramref name="address"/> is <c>grpc://HOST:PORT</c> with an explicit port and nothing after it.</summary>
    /// <param name="address">An env id.</param>
    /// <param name="authority">HOST:PORT, when it is.</param>
    /// <returns>True for a well-formed remote address.</returns>
    public static bool TryParseAddress(string address, out string authority)
    {
        authority = string.Empty;
        // An explicit port: Uri would otherwise take http's default, 80, for grpc://HOST.
        if (!IsRemote(address) || !System.Text.RegularExpressions.Regex.IsMatch(address, @":[0-9]+/?$")
            || !Uri.TryCreate("http://" + address[Scheme.Length..], UriKind.Absolute, out var uri) || uri.Port <= 0 || uri.AbsolutePath != "/")
        {
            return false;
        }

        authority = uri.Authority;
        return true;
    }

    /// <summary>The env id the server reports.</summary>
    public string EnvId { get; } = string.Empty;

    /// <summary>The server's time limit, if any.</summary>
    public int? MaxEpisodeSteps { get; }

    /// <summary>The server's reward threshold, if any.</summary>
    public double? RewardThreshold { get; }

    /// <inheritdoc />
    public int NumEnvs { get; }

    /// <inheritdoc />
    public Spaces.Space SingleObservationSpace { get; } = null!;

    /// <inheritdoc />
    public Spaces.Space SingleActionSpace { get; } = null!;

    /// <inheritdoc />
    public int ObservationSize { get; }

    /// <inheritdoc />
    public float[] Observations => _buffers.Observations;

    /// <inheritdoc />
    public float[] FinalObservations => _buffers.FinalObservations;

    /// <inheritdoc />
    public float[] Rewards => _buffers.Rewards;

    /// <inheritdoc />
    public bool[] Terminated => _buffers.Terminated;

    /// <inheritdoc />
    public bool[] Truncated => _buffers.Truncated;

    /// <inheritdoc />
    public ReadOnlySpan<EpisodeStats> FinishedEpisodes => _buffers.Episodes.Finished;

    /// <inheritdoc />
    public void Reset(int? seed = null)
    {
        var reset = new ResetRequest();
        if (seed is { } s)
        {
            reset.Seed = s;
        }

        Accept(Exchange(new Request { Reset = reset }, "reset"), afterStep: false);
        _buffers.Episodes.Clear();
    }

    /// <summary>Steps every remote environment with its integer action: one each for Discrete, K each for MultiDiscrete or MultiBinary (env-major). The server checks the values and names the one at fault.</summary>
    /// <param name="actions">N x action size integers.</param>
    /// <exception cref="ArgumentException">The action space is a Box, or the count is wrong.</exception>
    /// <exception cref="RemoteEnvironmentException">The server refused the actions, failed, or sent an invalid batch.</exception>
    public void Step(ReadOnlySpan<int> actions)
    {
        var size = SingleActionSpace.FlatSize;
        if (SingleActionSpace is Box)
        {
            throw new ArgumentException($"the remote action space is {SingleActionSpace}; pass float vectors, not integers.", nameof(actions));
        }

        if (actions.Length != NumEnvs * size)
        {
            throw new ArgumentException(
                size == 1 ? $"expected {NumEnvs} actions; got {actions.Length}." : $"expected {NumEnvs} x {size} integer action values for {SingleActionSpace}; got {actions.Length}.",
                nameof(actions));
        }

        var step = new StepRequest();
        step.DiscreteActions.Add(actions.ToArray());
        Accept(Exchange(new Request { Step = step }, "step"), afterStep: true);
    }

    /// <summary>Steps every remote environment with its box action (N x D floats, env-major).</summary>
    /// <param name="actions">N x D floats.</param>
    /// <exception cref="ArgumentException">The action space is not a Box, or the count is wrong.</exception>
    /// <exception cref="RemoteEnvironmentException">The server refused the actions, failed, or sent an invalid batch.</exception>
    public void Step(ReadOnlySpan<float> actions)
    {
        if (SingleActionSpace is not Box)
        {
            throw new ArgumentException($"the remote action space is {SingleActionSpace}; pass integers, not float vectors.", nameof(actions));
        }

        if (actions.Length != NumEnvs * SingleActionSpace.FlatSize)
        {
            throw new ArgumentException($"expected {NumEnvs * SingleActionSpace.FlatSize} action values; got {actions.Length}.", nameof(actions));
        }

        var step = new StepRequest();
        step.ContinuousActions.Add(actions.ToArray());
        Accept(Exchange(new Request { Step = step }, "step"), afterStep: true);
    }

    /// <summary>Ends the session and closes the connection.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            // End the stream and let the server finish it, so the session ends cleanly there.
            using var grace = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
            grace.CancelAfter(TimeSpan.FromSeconds(1));
            _call.RequestStream.CompleteAsync().Wait(grace.Token);
            while (_call.ResponseStream.MoveNext(grace.Token).GetAwaiter().GetResult())
            {
            }
        }
        catch (Exception e) when (e is AggregateException or RpcException or InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            // The server is already gone; nothing to tell it.
        }

        _lifetime.Cancel();
        _call.Dispose();
        _channel.Dispose();
        _lifetime.Dispose();
    }

    private RemoteEnvironmentException Broken(string what) =>
        new($"the simulator at {_address} {what}; it does not speak this client's protocol (version {EnvSession.Version}).");

    /// <summary>Sends one request and waits, up to the timeout, for its response.</summary>
    private Response Exchange(Request request, string what)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        request.Version = EnvSession.Version;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        deadline.CancelAfter(_options.Timeout);
        try
        {
            _call.RequestStream.WriteAsync(request, deadline.Token).GetAwaiter().GetResult();
            if (!_call.ResponseStream.MoveNext(deadline.Token).GetAwaiter().GetResult())
            {
                throw new RemoteEnvironmentException($"the simulator at {_address} ended the session before answering the {what} request.");
            }
        }
        catch (Exception e) when (e is OperationCanceledException || (e is RpcException r && r.StatusCode == StatusCode.Cancelled && deadline.IsCancellationRequested))
        {
            throw new RemoteEnvironmentException($"the simulator at {_address} did not answer the {what} request within {_options.Timeout.TotalSeconds:0.###} s.", e);
        }
        catch (RpcException e)
        {
            throw new RemoteEnvironmentException($"the simulator at {_address} failed during the {what} request: {e.StatusCode}: {e.Status.Detail}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new RemoteEnvironmentException($"the session with the simulator at {_address} is over: {e.Message}", e);
        }

        var response = _call.ResponseStream.Current;
        if (response.Version != EnvSession.Version)
        {
            var said = response.Error is { } refusal ? $" (it said: {refusal.Message.TrimEnd('.')})" : "";
            throw Broken($"answered with protocol version {response.Version}{said}");
        }

        if (response.Error is { } error)
        {
            throw new RemoteEnvironmentException($"the simulator at {_address} refused the {what} request ({error.Code}): {error.Message}");
        }

        return response;
    }

    /// <summary>Checks a batch's shape and values and copies it in; keeps the episode statistics.</summary>
    private void Accept(Response response, bool afterStep)
    {
        var batch = response.Batch ?? throw Broken("answered with something other than a batch");
        var n = NumEnvs;
        var size = ObservationSize;
        RequireLength("observations", batch.Observations.Count, n * size, $", {size} per env of {SingleObservationSpace}");
        RequireLength("rewards", batch.Rewards.Count, n);
        RequireLength("terminated", batch.Terminated.Count, n);
        RequireLength("truncated", batch.Truncated.Count, n);
        if (afterStep)
        {
            RequireLength("final_observations", batch.FinalObservations.Count, n * size, $", {size} per env of {SingleObservationSpace}");
        }

        for (var i = 0; i < n * size; i++)
        {
            var x = batch.Observations[i];
            if (!float.IsFinite(x))
            {
                throw new RemoteEnvironmentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the simulator at {_address} sent observation[{i % size}] = {x} for environment {i / size}; observations must be finite."));
            }

            Observations[i] = x;
        }

        if (_checkObservations)
        {
            for (var i = 0; i < n; i++)
            {
                if (SingleObservationSpace.ObservationViolation(Observations.AsSpan(i * size, size)) is { } why)
                {
                    throw new RemoteEnvironmentException($"the simulator at {_address} sent an observation for environment {i} outside the observation space: {why}.");
                }
            }
        }

        _buffers.Episodes.BeginStep();
        for (var i = 0; i < n; i++)
        {
            var reward = batch.Rewards[i];
            if (!float.IsFinite(reward))
            {
                throw new RemoteEnvironmentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the simulator at {_address} sent reward {reward} for environment {i}; rewards must be finite."));
            }

            Rewards[i] = reward;
            Terminated[i] = batch.Terminated[i];
            Truncated[i] = batch.Truncated[i];
            if (!afterStep)
            {
                continue;
            }

            if (_buffers.Episodes.Add(i, reward, Terminated[i], Truncated[i]))
            {
                for (var k = 0; k < size; k++)
                {
                    FinalObservations[i * size + k] = batch.FinalObservations[i * size + k];
                }
            }
        }
    }

    private void RequireLength(string field, int actual, int expected, string per = "")
    {
        if (actual != expected)
        {
            throw new RemoteEnvironmentException($"the simulator at {_address} sent {actual} values in {field}; expected {expected} ({NumEnvs} envs{per}).");
        }
    }
}
