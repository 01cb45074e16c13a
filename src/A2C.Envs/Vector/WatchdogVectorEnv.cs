using System.Globalization;
using System.Runtime.ExceptionServices;
using A2C.Envs.Spaces;

namespace A2C.Envs.Vector;

/// <summary>An env did not finish a reset or step within its time limit.</summary>
public sealed class EnvironmentTimeoutException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="index">Index of the env that was being stepped.</param>
    /// <param name="message">What did not finish, naming the env.</param>
    public EnvironmentTimeoutException(int index, string message)
        : base(message)
    {
        Index = index;
    }

    /// <summary>Index of the env that was being stepped.</summary>
    public int Index { get; }
}

/// <summary>
/// A <see cref="VectorEnv"/> whose resets and steps run on a worker thread under a time limit: an
/// env that hangs (a simulator stuck in a loop, a wait that never returns) ends the call with an
/// <see cref="EnvironmentTimeoutException"/> naming it, instead of hanging the training. .NET
/// cannot stop a thread, so the stuck one is left behind (a background thread) and this env
/// refuses every later call. Costs a thread hand-off per step; use it for envs that can hang.
/// </summary>
public sealed class WatchdogVectorEnv : IVectorEnv, ISnapshotable
{
    private readonly VectorEnv _inner;
    private readonly TimeSpan _timeout;
    private readonly Thread _worker;
    private readonly SemaphoreSlim _start = new(0);
    private readonly SemaphoreSlim _done = new(0);
    private readonly int[] _discrete;
    private readonly float[] _continuous;
    private readonly Action _stepDiscrete;
    private readonly Action _stepContinuous;
    private Action? _work;
    private int? _seed;
    private ExceptionDispatchInfo? _failure;
    private string? _hung;
    private long _steps;
    private bool _stopping;

    /// <summary>Guards <paramref name="inner"/> (which it owns) with <paramref name="timeout"/> per reset or step.</summary>
    /// <param name="inner">The envs.</param>
    /// <param name="timeout">Longest a reset or a step of all envs may take.</param>
    public WatchdogVectorEnv(VectorEnv inner, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _inner = inner;
        _timeout = timeout;
        _discrete = new int[inner.NumEnvs];
        _continuous = new float[inner.NumEnvs * inner.SingleActionSpace.FlatSize];
        // Made once: a closure per step would allocate on the hot path.
        _stepDiscrete = () => _inner.Step(_discrete.AsSpan());
        _stepContinuous = () => _inner.Step(_continuous.AsSpan());
        _worker = new Thread(Work) { IsBackground = true, Name = "a2c-env-watchdog" };
        _worker.Start();
    }

    /// <inheritdoc />
    public int NumEnvs => _inner.NumEnvs;

    /// <inheritdoc />
    public Space SingleObservationSpace => _inner.SingleObservationSpace;

    /// <inheritdoc />
    public Space SingleActionSpace => _inner.SingleActionSpace;

    /// <inheritdoc />
    public int ObservationSize => _inner.ObservationSize;

    /// <inheritdoc />
    public float[] Observations => _inner.Observations;

    /// <inheritdoc />
    public float[] FinalObservations => _inner.FinalObservations;

    /// <inheritdoc />
    public float[] Rewards => _inner.Rewards;

    /// <inheritdoc />
    public bool[] Terminated => _inner.Terminated;

    /// <inheritdoc />
    public bool[] Truncated => _inner.Truncated;

    /// <inheritdoc />
    public ReadOnlySpan<EpisodeStats> FinishedEpisodes => _inner.FinishedEpisodes;

    /// <summary>The guarded envs (for snapshots; do not step them directly).</summary>
    public VectorEnv Inner => _inner;

    /// <inheritdoc />
    public void Reset(int? seed = null)
    {
        _seed = seed;
        Run(() => _inner.Reset(_seed), "reset");
    }

    /// <inheritdoc />
    public void Step(ReadOnlySpan<int> actions)
    {
        actions.CopyTo(_discrete);
        Run(_stepDiscrete, $"step {_steps}");
        _steps++;
    }

    /// <inheritdoc />
    public void Step(ReadOnlySpan<float> actions)
    {
        actions.CopyTo(_continuous);
        Run(_stepContinuous, $"step {_steps}");
        _steps++;
    }

    /// <inheritdoc />
    public long[] SaveSnapshot() => _inner.SaveSnapshot();

    /// <inheritdoc />
    public void LoadSnapshot(ReadOnlySpan<long> snapshot) => _inner.LoadSnapshot(snapshot);

    /// <summary>Stops the worker (unless it is stuck) and closes the envs it is not using.</summary>
    public void Dispose()
    {
        if (_hung is not null)
        {
            return; // the stuck thread still holds the envs
        }

        _stopping = true;
        _start.Release();
        _worker.Join(TimeSpan.FromSeconds(1));
        _inner.Dispose();
        _start.Dispose();
        _done.Dispose();
    }

    private void Run(Action work, string what)
    {
        if (_hung is not null)
        {
            throw new InvalidOperationException($"this env timed out earlier ({_hung}) and cannot be used again.");
        }

        _work = work;
        _failure = null;
        _start.Release();
        if (!_done.Wait(_timeout))
        {
            var index = _inner.SteppingIndex;
            // Index -1: the worker had not reached any env yet (a limit shorter than a thread switch).
            var who = index >= 0 && index < _inner.Envs.Count ? $"environment {index} ({_inner.Envs[index].Name})" : "the environments (none had begun)";
            var seconds = _timeout.TotalSeconds;
            var limit = seconds >= 0.001 ? seconds.ToString("0.###", CultureInfo.InvariantCulture) : seconds.ToString("G3", CultureInfo.InvariantCulture);
            _hung = $"{who} did not finish {what} within {limit} s";
            throw new EnvironmentTimeoutException(index, _hung + "; its thread is left behind and the run stops.");
        }

        _failure?.Throw();
    }

    private void Work()
    {
        while (true)
        {
            _start.Wait();
            if (_stopping)
            {
                return;
            }

            try
            {
                _work!();
            }
            catch (Exception e)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
            }

            _done.Release();
        }
    }
}
