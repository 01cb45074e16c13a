using A2C.Envs.Spaces;

namespace A2C.Envs.Vector;

/// <summary>An episode that ended during the last vector step.</summary>
/// <param name="Env">Index of the sub-environment.</param>
/// <param name="Return">Sum of its rewards.</param>
/// <param name="Length">Number of steps it lasted.</param>
/// <param name="Terminated">It reached a terminal state (otherwise it was truncated).</param>
public readonly record struct EpisodeStats(int Env, double Return, int Length, bool Terminated);

/// <summary>Options of a <see cref="VectorEnv"/>.</summary>
public sealed record VectorEnvOptions
{
    /// <summary>
    /// Step the sub-environments on several threads. Worth it only for expensive simulators; the
    /// classic-control envs are far faster in lockstep on one thread.
    /// </summary>
    /// <value>Default false.</value>
    public bool Parallel { get; init; }

    /// <summary>Threads to use when <see cref="Parallel"/> is set; null lets the runtime choose.</summary>
    /// <value>Default null. At least 1 when set.</value>
    public int? MaxDegreeOfParallelism { get; init; }
}

/// <summary>
/// N copies of an environment stepped in lockstep over flat, preallocated buffers (structure of
/// arrays, no allocation per step). Sub-environment <c>i</c> is seeded <c>seed + i</c>. An episode
/// that ends is reset in the same step: <see cref="Observations"/> then holds the new episode's first
/// observation and <see cref="FinalObservations"/> the finished one's last, for bootstrapping.
/// </summary>
public sealed class VectorEnv : IVectorEnv, ISnapshotable
{
    private readonly IEnv[] _envs;
    private readonly VectorEnvOptions _options;
    private readonly StepBuffers _buffers;
    private readonly System.Threading.Tasks.ParallelOptions? _parallelOptions;
    private int _stepping = -1;
    private bool _started;

    /// <summary>Wraps <paramref name="envs"/>, which must share their spaces; the vector env owns and disposes them.</summary>
    /// <param name="envs">The sub-environments, at least one.</param>
    /// <param name="options">Options; null for the defaults.</param>
    public VectorEnv(IReadOnlyList<IEnv> envs, VectorEnvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(envs);
        if (envs.Count == 0)
        {
            throw new ArgumentException("a vector env needs at least one environment.", nameof(envs));
        }

        _envs = envs.ToArray();
        _options = options ?? new VectorEnvOptions();
        if (_options.MaxDegreeOfParallelism is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.MaxDegreeOfParallelism, "MaxDegreeOfParallelism must be at least 1.");
        }

        var first = _envs[0];
        for (var i = 1; i < _envs.Length; i++)
        {
            if (_envs[i].ObservationSpace.ToString() != first.ObservationSpace.ToString() ||
                _envs[i].ActionSpace.ToString() != first.ActionSpace.ToString())
            {
                throw new ArgumentException($"environment {i} ({_envs[i].Name}) has different spaces from environment 0 ({first.Name}).", nameof(envs));
            }
        }

        SingleObservationSpace = first.ObservationSpace;
        SingleActionSpace = first.ActionSpace;
        ObservationSize = SingleObservationSpace.FlatSize;
        _buffers = new StepBuffers(NumEnvs, ObservationSize);
        if (_options.Parallel)
        {
            _parallelOptions = new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = _options.MaxDegreeOfParallelism ?? -1 };
        }
    }

    /// <summary>Makes <paramref name="numEnvs"/> instances of a registered environment, each with its time limit.</summary>
    /// <param name="id">Registered id, e.g. <c>CartPole-v1</c>.</param>
    /// <param name="numEnvs">How many, at least 1.</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <returns>The vector env.</returns>
    public static VectorEnv Make(string id, int numEnvs, VectorEnvOptions? options = null) => Make(id, numEnvs, null, options);

    /// <summary>Makes <paramref name="numEnvs"/> instances of <c>gym.make(id, **kwargs)</c>, each with its time limit.</summary>
    /// <param name="id">Registered id, e.g. <c>FrozenLake-v1</c>.</param>
    /// <param name="numEnvs">How many, at least 1.</param>
    /// <param name="kwargs">Keyword arguments by Gymnasium's names, or null.</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <returns>The vector env.</returns>
    public static VectorEnv Make(string id, int numEnvs, System.Text.Json.Nodes.JsonObject? kwargs, VectorEnvOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numEnvs, 1);
        var spec = global::A2C.Envs.Registry.Spec(id);
        return new VectorEnv(Enumerable.Range(0, numEnvs).Select(_ => global::A2C.Envs.Registry.Make(spec.Id, kwargs)).ToArray(), options);
    }

    /// <summary>
    /// The sub-environment the last (or current) sequential step called last: a watchdog on
    /// another thread reads it to name an env that hangs (see <see cref="WatchdogVectorEnv"/>).
    /// </summary>
    public int SteppingIndex => Volatile.Read(ref _stepping);

    /// <summary>Number of sub-environments.</summary>
    public int NumEnvs => _envs.Length;

    /// <summary>The sub-environments, for inspection (stepping them directly breaks the lockstep).</summary>
    public IReadOnlyList<IEnv> Envs => _envs;

    /// <summary>Observation space of one sub-environment.</summary>
    public Space SingleObservationSpace { get; }

    /// <summary>Action space of one sub-environment.</summary>
    public Space SingleActionSpace { get; }

    /// <summary>Floats per observation.</summary>
    public int ObservationSize { get; }

    /// <summary>Current observations, env-major: env <c>i</c>'s at <c>[i * ObservationSize, (i + 1) * ObservationSize)</c>.</summary>
    public float[] Observations => _buffers.Observations;

    /// <summary>Last observation of each episode that ended in the last step (valid where Terminated or Truncated is set).</summary>
    public float[] FinalObservations => _buffers.FinalObservations;

    /// <summary>Rewards of the last step.</summary>
    public float[] Rewards => _buffers.Rewards;

    /// <summary>Which sub-environments terminated in the last step.</summary>
    public bool[] Terminated => _buffers.Terminated;

    /// <summary>Which sub-environments were truncated in the last step.</summary>
    public bool[] Truncated => _buffers.Truncated;

    /// <summary>Episodes that ended in the last step (valid until the next step).</summary>
    public ReadOnlySpan<EpisodeStats> FinishedEpisodes => _buffers.Episodes.Finished;

    /// <summary>Resets every sub-environment; env <c>i</c> gets seed <c>seed + i</c> (null: continue their streams).</summary>
    /// <param name="seed">Base seed.</param>
    public void Reset(int? seed = null)
    {
        for (var i = 0; i < _envs.Length; i++)
        {
            Volatile.Write(ref _stepping, i);
            _envs[i].Reset(ObservationOf(Observations, i), seed is { } s ? s + i : null);
        }

        _buffers.Restart();
        _started = true;
    }

    /// <summary>Steps every sub-environment with its integer action (one for Discrete, K for MultiDiscrete, N for MultiBinary; env-major), resetting those whose episode ends.</summary>
    /// <param name="actions"><c>NumEnvs * actionSize</c> integers.</param>
    public void Step(ReadOnlySpan<int> actions)
    {
        RequireStarted();
        var size = SingleActionSpace.FlatSize;
        if (actions.Length != NumEnvs * size)
        {
            throw new ArgumentException(
                size == 1
                    ? $"expected {NumEnvs} actions, one per environment; got {actions.Length}."
                    : $"expected {NumEnvs} x {size} integer action values; got {actions.Length}.",
                nameof(actions));
        }

        if (SingleActionSpace is not Discrete)
        {
            StepVectors(actions, size);
            return;
        }

        _buffers.Episodes.BeginStep();
        if (_parallelOptions is null)
        {
            for (var i = 0; i < _envs.Length; i++)
            {
                StepResult r;
                try
                {
                    Volatile.Write(ref _stepping, i);
                    r = _envs[i].Step(actions[i], ObservationOf(Observations, i));
                }
                catch (Exception e)
                {
                    throw new SubEnvironmentException(i, _envs[i].Name, e);
                }

                Record(i, r);
            }
        }
        else
        {
            StepInParallel(actions.ToArray());
        }
    }

    /// <summary>Steps every sub-environment with its continuous action (flat, env-major), resetting those whose episode ends.</summary>
    /// <param name="actions"><c>NumEnvs * actionSize</c> floats.</param>
    public void Step(ReadOnlySpan<float> actions)
    {
        RequireStarted();
        var size = SingleActionSpace.FlatSize;
        if (actions.Length != NumEnvs * size)
        {
            throw new ArgumentException($"expected {NumEnvs} x {size} action values; got {actions.Length}.", nameof(actions));
        }

        _buffers.Episodes.BeginStep();
        if (_parallelOptions is null)
        {
            for (var i = 0; i < _envs.Length; i++)
            {
                StepResult r;
                try
                {
                    Volatile.Write(ref _stepping, i);
                    r = _envs[i].Step(actions.Slice(i * size, size), ObservationOf(Observations, i));
                }
                catch (Exception e)
                {
                    throw new SubEnvironmentException(i, _envs[i].Name, e);
                }

                Record(i, r);
            }
        }
        else
        {
            StepInParallel(actions.ToArray(), size);
        }
    }

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">A sub-environment cannot be snapshotted.</exception>
    public long[] SaveSnapshot()
    {
        var data = new List<long> { NumEnvs, _started ? 1 : 0 };
        foreach (var env in _envs)
        {
            var snapshot = env is ISnapshotable s
                ? s.SaveSnapshot()
                : throw new NotSupportedException($"{env.Name} cannot be snapshotted: it does not implement ISnapshotable.");
            data.Add(snapshot.Length);
            data.AddRange(snapshot);
        }

        data.AddRange(_buffers.Episodes.Returns.Select(BitConverter.DoubleToInt64Bits));
        data.AddRange(_buffers.Episodes.Lengths.Select(l => (long)l));
        data.AddRange(Observations.Select(o => (long)BitConverter.SingleToInt32Bits(o)));
        return data.ToArray();
    }

    /// <inheritdoc />
    public void LoadSnapshot(ReadOnlySpan<long> snapshot)
    {
        var reader = new SnapshotReader(snapshot, $"a vector of {NumEnvs} x {_envs[0].Name}");
        var count = reader.Long();
        if (count != NumEnvs)
        {
            throw new ArgumentException($"the snapshot holds {count} environments; this vector env has {NumEnvs}.", nameof(snapshot));
        }

        var started = reader.Long() != 0;
        for (var i = 0; i < NumEnvs; i++)
        {
            var block = reader.Block();
            if (_envs[i] is not ISnapshotable env)
            {
                throw new NotSupportedException($"{_envs[i].Name} cannot be snapshotted: it does not implement ISnapshotable.");
            }

            env.LoadSnapshot(block);
        }

        for (var i = 0; i < NumEnvs; i++)
        {
            _buffers.Episodes.Returns[i] = reader.Double();
        }

        for (var i = 0; i < NumEnvs; i++)
        {
            _buffers.Episodes.Lengths[i] = (int)reader.Long();
        }

        for (var i = 0; i < Observations.Length; i++)
        {
            Observations[i] = BitConverter.Int32BitsToSingle((int)reader.Long());
        }

        reader.End();
        _started = started;
        _buffers.Episodes.BeginStep();
    }

    /// <summary>Disposes every sub-environment.</summary>
    public void Dispose()
    {
        foreach (var env in _envs)
        {
            env.Dispose();
        }
    }

    private void StepVectors(ReadOnlySpan<int> actions, int size)
    {
        _buffers.Episodes.BeginStep();
        if (_parallelOptions is not null)
        {
            var copy = actions.ToArray();
            var results = new StepResult[NumEnvs];
            RunParallel(i => results[i] = _envs[i].Step(copy.AsSpan(i * size, size), ObservationOf(Observations, i)));
            for (var i = 0; i < _envs.Length; i++)
            {
                Record(i, results[i]);
            }

            return;
        }

        for (var i = 0; i < _envs.Length; i++)
        {
            StepResult r;
            try
            {
                Volatile.Write(ref _stepping, i);
                r = _envs[i].Step(actions.Slice(i * size, size), ObservationOf(Observations, i));
            }
            catch (Exception e)
            {
                throw new SubEnvironmentException(i, _envs[i].Name, e);
            }

            Record(i, r);
        }
    }

    // Kept out of Step: a lambda's closure would otherwise be allocated on every call, threaded or not.
    private void StepInParallel(int[] actions)
    {
        var results = new StepResult[NumEnvs];
        RunParallel(i => results[i] = _envs[i].Step(actions[i], ObservationOf(Observations, i)));
        for (var i = 0; i < _envs.Length; i++)
        {
            Record(i, results[i]);
        }
    }

    private void StepInParallel(float[] actions, int size)
    {
        var results = new StepResult[NumEnvs];
        RunParallel(i => results[i] = _envs[i].Step(actions.AsSpan(i * size, size), ObservationOf(Observations, i)));
        for (var i = 0; i < _envs.Length; i++)
        {
            Record(i, results[i]);
        }
    }

    private void RunParallel(Action<int> step)
    {
        try
        {
            System.Threading.Tasks.Parallel.For(0, NumEnvs, _parallelOptions!, i =>
            {
                try
                {
                    step(i);
                }
                catch (Exception e)
                {
                    throw new SubEnvironmentException(i, _envs[i].Name, e);
                }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // Report the lowest failing index, as the sequential path would.
            var first = e.InnerExceptions.OfType<SubEnvironmentException>().OrderBy(x => x.Index).FirstOrDefault();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first ?? e.InnerExceptions[0]);
        }
    }

    private Span<float> ObservationOf(float[] buffer, int env) => buffer.AsSpan(env * ObservationSize, ObservationSize);

    private void Record(int i, StepResult result)
    {
        Rewards[i] = (float)result.Reward;
        Terminated[i] = result.Terminated;
        Truncated[i] = result.Truncated;
        if (!_buffers.Episodes.Add(i, result.Reward, result.Terminated, result.Truncated))
        {
            return;
        }

        var current = ObservationOf(Observations, i);
        current.CopyTo(ObservationOf(FinalObservations, i));
        try
        {
            _envs[i].Reset(current);
        }
        catch (Exception e)
        {
            throw new SubEnvironmentException(i, _envs[i].Name, e);
        }
    }

    private void RequireStarted()
    {
        if (!_started)
        {
            throw new InvalidOperationException("Step was called before Reset; call Reset(seed) first.");
        }
    }
}

/// <summary>A sub-environment of a <see cref="VectorEnv"/> failed; says which one, and why.</summary>
public sealed class SubEnvironmentException : Exception
{
    /// <summary>Wraps the failure of sub-environment <paramref name="index"/>.</summary>
    /// <param name="index">Index of the sub-environment.</param>
    /// <param name="name">Its name.</param>
    /// <param name="inner">What it threw.</param>
    public SubEnvironmentException(int index, string name, Exception inner)
        : base($"environment {index} ({name}) failed: {inner?.Message}", inner)
    {
        Index = index;
    }

    /// <summary>Index of the sub-environment that failed.</summary>
    public int Index { get; }
}
