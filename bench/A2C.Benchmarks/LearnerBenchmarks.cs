using System.Reactive.Concurrency;
using System.Reactive.Linq;
using A2C.Envs.Vector;
using A2C.Training;
using BenchmarkDotNet.Attributes;
using static TorchSharp.torch;

namespace A2C.Benchmarks;

/// <summary>
/// One learner update (forward, loss, backward, clip, RMSprop) on a fixed CartPole rollout of
/// 5 steps x <see cref="NumEnvs"/> envs, and one policy call (actions and values for one vector
/// step), with each engine. SB3's default network: separate 64x64 tanh actor and critic.
/// </summary>
[MemoryDiagnoser]
public class LearnerBenchmarks
{
    private const int NSteps = 5;
    private VectorEnv _vec = null!;
    private ActorCritic _model = null!;
    private Agent _agent = null!;
    private Learner _learner = null!;
    private RolloutBuffer _rollout = null!;
    private float[] _observations = null!;
    private int[] _actions = null!;
    private float[] _values = null!;

    [Params(Engine.DotNet, Engine.Torch)]
    public Engine Engine { get; set; }

    [Params(8, 64)]
    public int NumEnvs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = A2COptions.Defaults with { NEnvs = NumEnvs, NSteps = NSteps };
        _vec = VectorEnv.Make("CartPole-v1", NumEnvs);
        manual_seed(1);
        _model = new ActorCritic(new PolicySpec(4, 2, false, NetKind.Separate, [64, 64], Activation.Tanh, true, 0f));
        _agent = new Agent(_model, 2, CPU, Engine);
        _learner = new Learner(_agent, options, CPU);
        // The stream refills one buffer per rollout; after Take(1) nothing writes to it again.
        _rollout = RolloutStream.CreateRollouts(_vec, _agent, NSteps, 0, Scheduler.CurrentThread).Take(1).Wait();
        _observations = (float[])_vec.Observations.Clone();
        _actions = new int[NumEnvs];
        _values = new float[NumEnvs];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _learner.Dispose();
        _model.Dispose();
        _vec.Dispose();
    }

    [Benchmark]
    public UpdateStats Update() => _learner.Update(_rollout, 1.0);

    [Benchmark]
    public void Act() => _agent.Act(_observations, NumEnvs, false, _actions, [], _values);
}
