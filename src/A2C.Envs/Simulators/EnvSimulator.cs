namespace A2C.Envs.Simulators;

/// <summary>
/// An <see cref="IEnv"/> as a push simulator: commands in (<see cref="IObserver{T}"/> of
/// <see cref="SimulatorCommand"/>), ticks out (<see cref="IObservable{T}"/> of <see cref="SimulatorTick"/>),
/// one tick per command, so a simulator loop written against streams can drive any of our
/// environments, and <see cref="SimulatorVectorEnv"/> can drive it through <see cref="Endpoint"/>.
/// </summary>
/// <remarks>
/// The environment steps on the thread that sends the command, and the tick is published before
/// <see cref="OnNext"/> returns; commands from several threads are serialized. A loop that answers
/// ticks with commands on the same thread recurses, so put a scheduler in between (e.g. Rx's
/// <c>ObserveOn</c>). A command the environment rejects (an action outside the space, a step after the
/// episode ended) ends the tick stream with an error naming the command; so does an error sent to
/// <see cref="OnError"/>. <see cref="OnCompleted"/> completes the ticks. The environment is not disposed
/// here: its owner disposes it.
/// </remarks>
public sealed class EnvSimulator : IObserver<SimulatorCommand>, IObservable<SimulatorTick>
{
    private readonly object _gate = new();
    // Copied on subscribe and unsubscribe, so publishing a tick allocates no list.
    private IObserver<SimulatorTick>[] _observers = [];
    private bool _stopped;
    private Exception? _error;

    /// <summary>Wraps <paramref name="env"/>.</summary>
    /// <param name="env">The environment to expose.</param>
    /// <param name="name">Name for messages; defaults to the environment's.</param>
    public EnvSimulator(IEnv env, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(env);
        Env = env;
        Name = string.IsNullOrWhiteSpace(name) ? env.Name : name;
    }

    /// <summary>The environment behind the streams.</summary>
    public IEnv Env { get; }

    /// <summary>Name for messages.</summary>
    public string Name { get; }

    /// <summary>This simulator as a <see cref="SimulatorVectorEnv"/> connects to it.</summary>
    public SimulatorEndpoint Endpoint => new(Name, this, this);

    /// <summary>Applies <paramref name="value"/> to the environment and publishes the resulting tick.</summary>
    /// <param name="value">A reset request or an action.</param>
    public void OnNext(SimulatorCommand value)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            SimulatorTick tick;
            try
            {
                tick = Apply(value);
            }
            catch (Exception e)
            {
                Stop(new InvalidOperationException($"{Name} could not apply {value?.ToString() ?? "a null command"}: {e.Message}", e));
                return;
            }

            foreach (var observer in _observers)
            {
                observer.OnNext(tick);
            }
        }
    }

    /// <summary>The driver failed: ends the ticks with its error.</summary>
    /// <param name="error">The driver's error.</param>
    public void OnError(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        lock (_gate)
        {
            Stop(error);
        }
    }

    /// <summary>The driver is done: completes the ticks.</summary>
    public void OnCompleted()
    {
        lock (_gate)
        {
            Stop(null);
        }
    }

    /// <summary>Receives every tick published from now on; after the stream ended, only its end.</summary>
    /// <param name="observer">The tick observer.</param>
    /// <returns>Unsubscribes.</returns>
    public IDisposable Subscribe(IObserver<SimulatorTick> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_gate)
        {
            if (_stopped)
            {
                if (_error is not null)
                {
                    observer.OnError(_error);
                }
                else
                {
                    observer.OnCompleted();
                }

                return new Unsubscriber(this, null);
            }

            _observers = [.. _observers, observer];
            return new Unsubscriber(this, observer);
        }
    }

    private SimulatorTick Apply(SimulatorCommand command)
    {
        var observation = new float[Env.ObservationSpace.FlatSize];
        switch (command)
        {
            case ResetCommand reset:
                Env.Reset(observation, reset.Seed);
                return new SimulatorTick(observation);
            case DiscreteActionCommand discrete:
                return Tick(observation, Env.Step(discrete.Action, observation));
            case ContinuousActionCommand continuous:
                return Tick(observation, Env.Step(continuous.Action, observation));
            case IntegerVectorActionCommand vector:
                return Tick(observation, Env.Step((ReadOnlySpan<int>)(vector.Action ?? throw new ArgumentException("the integer-vector action is null.", nameof(command))), observation));
            default:
                throw new ArgumentException($"unknown command {command?.GetType().Name ?? "null"}.", nameof(command));
        }
    }

    private static SimulatorTick Tick(float[] observation, StepResult result) =>
        new(observation, result.Reward, result.Terminated, result.Truncated);

    private void Stop(Exception? error)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        _error = error;
        var observers = _observers;
        _observers = [];
        foreach (var observer in observers)
        {
            if (error is null)
            {
                observer.OnCompleted();
            }
            else
            {
                observer.OnError(error);
            }
        }
    }

    private sealed class Unsubscriber(EnvSimulator owner, IObserver<SimulatorTick>? observer) : IDisposable
    {
        private IObserver<SimulatorTick>? _observer = observer;

        public void Dispose()
        {
            lock (owner._gate)
            {
                // One subscription, one removal, however often this is disposed.
                var index = _observer is null ? -1 : Array.IndexOf(owner._observers, _observer);
                if (index >= 0)
                {
                    owner._observers = [.. owner._observers[..index], .. owner._observers[(index + 1)..]];
                }

                _observer = null;
            }
        }
    }
}
