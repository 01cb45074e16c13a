using A2C.Envs;
using A2C.Envs.Vector;
using BenchmarkDotNet.Attributes;

namespace A2C.Benchmarks;

/// <summary>
/// Raw CartPole-v1 throughput of a <see cref="VectorEnv"/> with random actions on one thread:
/// one operation is one vector step of all <see cref="NumEnvs"/> envs, auto-resets included.
/// Env-steps per second = NumEnvs / mean.
/// </summary>
[MemoryDiagnoser]
public class VectorEnvBenchmarks
{
    private const int ActionTableSteps = 4096;
    private VectorEnv _vec = null!;
    private int[] _actions = null!;
    private int _cursor;

    [Params(8, 64)]
    public int NumEnvs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _vec = VectorEnv.Make("CartPole-v1", NumEnvs);
        _vec.Reset(0);
        // Pre-drawn so that the generator's cost is not measured as the env's.
        var rng = new Rng(1);
        _actions = Enumerable.Range(0, ActionTableSteps * NumEnvs).Select(_ => rng.NextInt(2)).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => _vec.Dispose();

    [Benchmark]
    public void Step()
    {
        _vec.Step(_actions.AsSpan(_cursor * NumEnvs, NumEnvs));
        _cursor = (_cursor + 1) % ActionTableSteps;
    }
}
