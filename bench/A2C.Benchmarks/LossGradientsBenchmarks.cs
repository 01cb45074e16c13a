using A2C.Core;
using BenchmarkDotNet.Attributes;

namespace A2C.Benchmarks;

/// <summary>The core's closed-form A2C loss gradient for a categorical policy over a rollout of 5 x N transitions and 2 actions (CartPole's shape).</summary>
[MemoryDiagnoser]
public class LossGradientsBenchmarks
{
    private float[] _logits = null!;
    private int[] _actions = null!;
    private float[] _values = null!;
    private float[] _advantages = null!;
    private float[] _returns = null!;
    private float[] _gradLogits = null!;
    private float[] _gradValues = null!;

    [Params(40, 320)]
    public int Transitions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        float Next() => (float)(random.NextDouble() * 2 - 1);
        _logits = Enumerable.Range(0, Transitions * 2).Select(_ => Next()).ToArray();
        _actions = Enumerable.Range(0, Transitions).Select(_ => random.Next(2)).ToArray();
        _values = Enumerable.Range(0, Transitions).Select(_ => Next()).ToArray();
        _advantages = Enumerable.Range(0, Transitions).Select(_ => Next()).ToArray();
        _returns = Enumerable.Range(0, Transitions).Select(_ => Next()).ToArray();
        _gradLogits = new float[Transitions * 2];
        _gradValues = new float[Transitions];
    }

    [Benchmark]
    public LossBreakdown Categorical() =>
        LossGradients.Categorical(LossOptions.A2CDefaults, _logits, 2, _actions, _values, _advantages, _returns, _gradLogits, _gradValues);
}
