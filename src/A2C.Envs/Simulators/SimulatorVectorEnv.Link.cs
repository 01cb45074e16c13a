namespace A2C.Envs.Simulators;

/// <content>The link between the adapter and one simulator.</content>
public sealed partial class SimulatorVectorEnv
{
    /// <summary>One simulator's side of the lockstep: receives its ticks (on its thread) and holds the answer the adapter waits for.</summary>
    private sealed class Link(SimulatorVectorEnv owner, int index, SimulatorEndpoint endpoint) : IObserver<SimulatorTick>
    {
        public SimulatorEndpoint Endpoint { get; } = endpoint;

        public string Name => Endpoint.Name;

        public IDisposable? Subscription { get; set; }

        // Guarded by owner._gate from here on.
        public bool Commanded { get; set; }

        public Request Owes { get; set; }

        public SimulatorTick? Answer { get; set; }

        public Exception? Fault { get; private set; }

        public void OnNext(SimulatorTick value)
        {
            lock (owner._gate)
            {
                if (owner._disposed || Fault is not null || !Commanded)
                {
                    return;
                }

                if (value is null)
                {
                    Fault = new SimulatorException(index, Name, "published a null tick.");
                }
                else if (Owes == Request.None || Answer is not null)
                {
                    Fault = new SimulatorException(index, Name, $"published a tick that no command asked for (after step {owner._step}); a simulator must answer each reset request and each action with exactly one tick.");
                }
                else
                {
                    Answer = value;
                }

                Monitor.PulseAll(owner._gate);
            }
        }

        public void OnError(Exception error)
        {
            lock (owner._gate)
            {
                Fault ??= new SimulatorException(index, Name, $"failed: {error?.Message}", error);
                Monitor.PulseAll(owner._gate);
            }
        }

        public void OnCompleted()
        {
            lock (owner._gate)
            {
                Fault ??= new SimulatorException(index, Name, "stopped: its tick stream completed.");
                Monitor.PulseAll(owner._gate);
            }
        }
    }
}
