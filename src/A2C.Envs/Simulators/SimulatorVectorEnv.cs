using System.Diagnostics;
using System.Globalization;
using A2C.Envs.Spaces;
using A2C.Envs.Vector;

namespace A2C.Envs.Simulators;

/// <summary>
/// N simulators that push their state (game loops, physics engines, digital twins ticking on their
/// own threads) as an <see cref="IVectorEnv"/> that the rollout stream steps like any other.
/// <see cref="Reset"/> sends every simulator a <see cref="ResetCommand"/> and waits for each one's
/// first tick; <see cref="Step(ReadOnlySpan{int})"/> sends each its action and waits until every one
/// has answered with its next tick, which makes the N sources one lockstep batch. Same-step
/// auto-reset as <see cref="VectorEnv"/>: a tick that ends an episode goes to
/// <see cref="FinalObservations"/>, the simulator is asked to reset, and its first new tick becomes
/// the observation. Episode returns and lengths are counted here.
/// </summary>
/// <remarks>
/// <para>The contract: a simulator answers every command with exactly one tick, on any thread. Ticks
/// that arrive before the first command are ignored (a simulator may publish its idle state); a tick
/// that no command asked for is a protocol error.</para>
/// <para>Nothing hangs: a simulator that does not answer within <see cref="SimulatorVectorEnvOptions.Timeout"/>
/// fails the call with <see cref="SimulatorTimeoutException"/>; one whose tick stream errors or completes,
/// that refuses a command, or that publishes an invalid tick (wrong observation length, a value that is
/// not finite, a reset answered with an ended episode) fails it with <see cref="SimulatorException"/>.
/// Every message names the simulator and its index. After a failure the lockstep is lost: later calls
/// throw <see cref="InvalidOperationException"/> carrying the first failure.</para>
/// <para>Call <see cref="Reset"/> and <see cref="Step(ReadOnlySpan{int})"/> from one thread at a time, as
/// the rollout stream does.</para>
/// </remarks>
public sealed partial class SimulatorVectorEnv : IVectorEnv
{
    private readonly object _gate = new();
    private readonly Link[] _links;
    private readonly TimeSpan _timeout;
    private readonly DiscreteActionCommand[] _discreteCommands;
    private readonly StepBuffers _buffers;
    private readonly int[] _ended;
    private readonly bool _checkObservations;
    private long _step;
    private bool _started;
    private bool _disposed;
    private Exception? _failure;

    /// <summary>Connects to <paramref name="simulators"/>, which must share the given spaces, and subscribes to their ticks.</summary>
    /// <param name="simulators">The simulators, at least one.</param>
    /// <param name="observationSpace">The observations every simulator publishes: any space, in its flat layout (for a <see cref="Dict"/>, <see cref="SimulatorTick.FromParts"/> builds it).</param>
    /// <param name="actionSpace">The actions every simulator accepts: <see cref="Discrete"/>, <see cref="Box"/>, <see cref="MultiDiscrete"/> or <see cref="MultiBinary"/> (the last two as <see cref="IntegerVectorActionCommand"/>).</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <exception cref="SimulatorException">Subscribing to a simulator's ticks failed.</exception>
    public SimulatorVectorEnv(IReadOnlyList<SimulatorEndpoint> simulators, Space observationSpace, Space actionSpace, SimulatorVectorEnvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(simulators);
        ArgumentNullException.ThrowIfNull(observationSpace);
        ArgumentNullException.ThrowIfNull(actionSpace);
        if (simulators.Count == 0)
        {
            throw new ArgumentException("a simulator vector env needs at least one simulator.", nameof(simulators));
        }

        if (actionSpace is not (Discrete or Box { DType: BoxDType.Float32 } or MultiDiscrete or MultiBinary))
        {
            throw new ArgumentException($"the action space must be Discrete, a float32 Box, MultiDiscrete or MultiBinary; got {actionSpace}.", nameof(actionSpace));
        }

        var timeout = (options ?? new SimulatorVectorEnvOptions()).Timeout;
        if (timeout <= TimeSpan.Zero || timeout.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(options), timeout, "Timeout must be more than zero and at most int.MaxValue milliseconds.");
        }

        for (var i = 0; i < simulators.Count; i++)
        {
            var endpoint = simulators[i] ?? throw new ArgumentException($"simulator {i} is null.", nameof(simulators));
            if (string.IsNullOrWhiteSpace(endpoint.Name) || endpoint.Ticks is null || endpoint.Commands is null)
            {
                throw new ArgumentException($"simulator {i} needs a name, a tick stream and a command sink.", nameof(simulators));
            }
        }

        _timeout = timeout;
        SingleObservationSpace = observationSpace;
        SingleActionSpace = actionSpace;
        ObservationSize = observationSpace.FlatSize;
        _checkObservations = observationSpace.HasIntegerParts();
        var n = simulators.Count;
        _buffers = new StepBuffers(n, ObservationSize);
        _ended = new int[n];

        // Records are immutable, so one command per discrete action serves every simulator and step.
        _discreteCommands = actionSpace is Discrete discrete
            ? Enumerable.Range(discrete.Start, discrete.N).Select(a => new DiscreteActionCommand(a)).ToArray()
            : [];

        _links = new Link[n];
        for (var i = 0; i < n; i++)
        {
            _links[i] = new Link(this, i, simulators[i]);
        }

        for (var i = 0; i < n; i++)
        {
            try
            {
                _links[i].Subscription = simulators[i].Ticks.Subscribe(_links[i]);
            }
            catch (Exception e)
            {
                Unsubscribe();
                throw new SimulatorException(i, _links[i].Name, $"could not be subscribed to: {e.Message}", e);
            }
        }
    }

    /// <summary>What a simulator owes the adapter: the answer to which command.</summary>
    private enum Request
    {
        None,
        Reset,
        Action,
        AutoReset,
    }

    /// <inheritdoc />
    public int NumEnvs => _links.Length;

    /// <summary>The simulators' names, by index.</summary>
    public IReadOnlyList<string> Names => _links.Select(l => l.Name).ToArray();

    /// <inheritdoc />
    public Space SingleObservationSpace { get; }

    /// <inheritdoc />
    public Space SingleActionSpace { get; }

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

    /// <summary>Sends every simulator a <see cref="ResetCommand"/> (simulator i gets <c>seed + i</c>) and waits for their first ticks.</summary>
    /// <param name="seed">Base seed, or null to let the simulators continue their streams.</param>
    /// <exception cref="SimulatorTimeoutException">A simulator did not answer in time.</exception>
    /// <exception cref="SimulatorException">A simulator failed or answered with an invalid tick.</exception>
    public void Reset(int? seed = null)
    {
        RequireUsable();
        _step = 0;
        _buffers.Episodes.BeginStep();
        for (var i = 0; i < _links.Length; i++)
        {
            Send(i, new ResetCommand(seed is { } s ? s + i : null), Request.Reset);
        }

        AwaitAnswers();
        for (var i = 0; i < _links.Length; i++)
        {
            var tick = TakeAnswer(i);
            ValidateEpisodeStart(i, tick, Request.Reset);
            tick.Observation.CopyTo(Observations, i * ObservationSize);
        }

        _buffers.Restart();
        _started = true;
    }

    /// <summary>Stops listening to the simulators and tells each one that no more commands will come (<c>Commands.OnCompleted</c>).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Monitor.PulseAll(_gate);
        }

        Unsubscribe();
        foreach (var link in _links)
        {
            link.Endpoint.Commands.OnCompleted();
        }
    }

    /// <summary>Collects the answers to the step's actions, records them, and auto-resets the simulators whose episode ended.</summary>
    private void Finish()
    {
        AwaitAnswers();
        _buffers.Episodes.BeginStep();
        var endedCount = 0;
        for (var i = 0; i < _links.Length; i++)
        {
            var tick = TakeAnswer(i);
            ValidateTransition(i, tick);
            Rewards[i] = (float)tick.Reward;
            Terminated[i] = tick.Terminated;
            Truncated[i] = tick.Truncated;
            tick.Observation.CopyTo(Observations, i * ObservationSize);
            if (_buffers.Episodes.Add(i, tick.Reward, tick.Terminated, tick.Truncated))
            {
                tick.Observation.CopyTo(FinalObservations, i * ObservationSize);
                _ended[endedCount++] = i;
            }
        }

        if (endedCount > 0)
        {
            // Every ended simulator resets at once, so their resets overlap rather than add up.
            for (var k = 0; k < endedCount; k++)
            {
                Send(_ended[k], new ResetCommand(null), Request.AutoReset);
            }

            AwaitAnswers();
            for (var k = 0; k < endedCount; k++)
            {
                var i = _ended[k];
                var tick = TakeAnswer(i);
                ValidateEpisodeStart(i, tick, Request.AutoReset);
                tick.Observation.CopyTo(Observations, i * ObservationSize);
            }
        }

        _step++;
    }

    /// <summary>Marks simulator <paramref name="i"/> as owing an answer, then sends it the command (outside the lock: a simulator may answer on this very thread).</summary>
    private void Send(int i, SimulatorCommand command, Request request)
    {
        var link = _links[i];
        lock (_gate)
        {
            link.Owes = request;
            link.Answer = null;
            link.Commanded = true;
        }

        try
        {
            link.Endpoint.Commands.OnNext(command);
        }
        catch (Exception e)
        {
            throw Fail(new SimulatorException(i, link.Name, $"refused {DescribeCommand(request)}: {e.Message}", e));
        }
    }

    /// <summary>Waits until every simulator that owes an answer has given it, a simulator fails, or the timeout passes.</summary>
    private void AwaitAnswers()
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(_timeout.TotalSeconds * Stopwatch.Frequency);
        lock (_gate)
        {
            while (true)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                foreach (var link in _links)
                {
                    if (link.Fault is { } fault)
                    {
                        throw Fail(fault);
                    }
                }

                var missing = Array.FindIndex(_links, l => l.Owes != Request.None && l.Answer is null);
                if (missing < 0)
                {
                    return;
                }

                var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                if (remaining <= TimeSpan.Zero)
                {
                    var link = _links[missing];
                    throw Fail(new SimulatorTimeoutException(missing, link.Name, _timeout, Describe(link.Owes) + AlsoMissing(missing)));
                }

                Monitor.Wait(_gate, remaining);
            }
        }
    }

    private string AlsoMissing(int first)
    {
        var others = Enumerable.Range(first + 1, _links.Length - first - 1)
            .Where(i => _links[i].Owes != Request.None && _links[i].Answer is null)
            .Select(i => $"'{_links[i].Name}' (index {i})")
            .ToArray();
        return others.Length == 0 ? "" : $"; also silent: {string.Join(", ", others)}";
    }

    private SimulatorTick TakeAnswer(int i)
    {
        lock (_gate)
        {
            var link = _links[i];
            var tick = link.Answer!;
            link.Answer = null;
            link.Owes = Request.None;
            return tick;
        }
    }


    /// <summary>Remembers the first failure, after which the lockstep is lost, and returns it to be thrown.</summary>
    private Exception Fail(Exception failure)
    {
        lock (_gate)
        {
            _failure ??= failure;
        }

        return failure;
    }

    private void RequireUsable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failure is { } failure)
        {
            throw new InvalidOperationException($"the simulator vector env cannot continue after a failure; dispose it and connect again. The failure: {failure.Message}", failure);
        }
    }

    private void RequireStarted()
    {
        RequireUsable();
        if (!_started)
        {
            throw new InvalidOperationException("Step was called before Reset; call Reset(seed) first.");
        }
    }

    private void Unsubscribe()
    {
        foreach (var link in _links)
        {
            link.Subscription?.Dispose();
            link.Subscription = null;
        }
    }

}
