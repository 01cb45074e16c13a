using A2C.Core;
using BenchmarkDotNet.Attributes;

namespace A2C.Benchmarks;

/// <summary>
/// Gae.estimate at the training loop's default shape (5 steps x 8 envs) and at a large one
/// (2048 x 64). Divide the mean by Steps * Envs for nanoseconds per element.
/// </summary>
[MemoryDiagnoser]
public class GaeBenchmarks
{
    private Rollout _rollout = null!;
    private float[] _advantages = null!;
    private float[] _returns = null!;

    [Params(5, 2048)]
    public int Steps { get; set; }

    [Params(8, 64)]
    public int Envs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var n = Steps * Envs;
        var random = new Random(42);
        float Next() => (float)(random.NextDouble() * 2 - 1);
        var rewards = Enumerable.Range(0, n).Select(_ => Next()).ToArray();
        var values = Enumerable.Range(0, n).Select(_ => Next()).ToArray();
        var terminated = Enumerable.Range(0, n).Select(_ => random.NextDouble() < 0.01).ToArray();
        var truncated = Enumerable.Range(0, n).Select(_ => random.NextDouble() < 0.002).ToArray();
        var finalValues = Enumerable.Range(0, n).Select(_ => Next()).ToArray();
        var lastValues = Enumerable.Range(0, Envs).Select(_ => Next()).ToArray();
        _rollout = Rollout.Create(Steps, Envs, rewards, values, terminated, truncated, finalValues, lastValues);
        _advantages = new float[n];
        _returns = new float[n];
    }

    [Benchmark(Baseline = true)]
    public Estimates Estimate() => Gae.Estimate(0.99f, 0.95f, _rollout);

    [Benchmark]
    public void EstimateInto() => Gae.EstimateInto(0.99f, 0.95f, _rollout, _advantages, _returns);

    [Benchmark]
    public float[] DiscountedReturns() => Returns.Discounted(0.99f, _rollout);
}
