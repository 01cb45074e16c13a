// Training on simulators that push: eight small hovercraft simulations, each ticking on a thread of
// its own, joined into one lockstep vector env by SimulatorVectorEnv and trained with A2C. Then the
// other direction: a simulation's own loop asks the trained agent for actions through Act.
//   ./a2c run examples/push-simulator.cs
#:project ../src/A2C.Training/A2C.Training.csproj
#:property TieredCompilationQuickJit=false
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reactive;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using A2C.Envs.Simulators;
using A2C.Envs.Spaces;
using A2C.Training;
using static TorchSharp.torch;

const int Simulators = 8;
const int Updates = 500;                       // 500 x 8 sims x 5 steps = 20,000 steps
int[] reportAt = [10, 25, 50, 100, 250, 500];
var options = A2COptions.Defaults with { NEnvs = Simulators, NSteps = 5, Seed = 1 };
var culture = CultureInfo.InvariantCulture;

var hovercraft = Enumerable.Range(0, Simulators).Select(i => new Hovercraft($"hover-{i}")).ToArray();
using var env = new SimulatorVectorEnv(
    hovercraft.Select(h => h.Endpoint).ToArray(),
    Hovercraft.ObservationSpace,
    Hovercraft.ActionSpace,
    new SimulatorVectorEnvOptions { Timeout = TimeSpan.FromSeconds(2) });

// As the trainer does: one libtorch thread (the .NET engine leaves it only the optimizer), seeded weights.
A2C.Training.TorchRuntime.EnsureLoadable();   // before any tensor: a clear message if libtorch cannot load
set_num_threads(1);
manual_seed(options.Seed);
using var model = new ActorCritic(new PolicySpec(2, 3, false, options.Net, options.NetArch, options.Activation, options.OrthoInit, options.LogStdInit));
using var agent = new Agent(model, options.Seed + 1L, CPU);
using var learner = new Learner(agent, options, CPU);
using var trainingThread = new EventLoopScheduler();

var episodes = new List<(double Return, int Length)>();
var clock = Stopwatch.StartNew();
Console.WriteLine("   steps  episodes  mean return  mean length  steps/s");
RolloutStream.CreateRollouts(env, agent, options.NSteps, options.Seed, trainingThread)
    .Select((rollout, update) =>
    {
        learner.Update(rollout, 1.0 - (double)update / Updates);
        episodes.AddRange(rollout.Episodes.Select(e => (e.Return, e.Length)));
        return update + 1;
    })
    .Take(Updates)
    .Where(update => reportAt.Contains(update))
    .Do(update =>
    {
        var steps = (long)update * Simulators * options.NSteps;
        var recent = episodes.TakeLast(50).ToArray();
        Console.WriteLine(string.Create(culture,
            $"{steps,8} {episodes.Count,9} {recent.Average(e => e.Return),12:F3} {recent.Average(e => e.Length),12:F1} {steps / clock.Elapsed.TotalSeconds,8:F0}"));
    })
    .Wait();

// The other direction: a hovercraft's own loop drives the agent. Its ticks become observations,
// Act turns each into the most likely action, and the action goes back as its next input.
var driven = new Hovercraft("driven");
using var observations = new Subject<float[]>();
using var finished = new ManualResetEventSlim();
var returns = new List<double>();
var episodeReturn = 0.0;
using var actions = observations.Act(agent, deterministic: true, scheduler: trainingThread)
    .Subscribe(action => driven.Endpoint.Commands.OnNext(new DiscreteActionCommand(action)));
using var ticks = driven.Endpoint.Ticks.Subscribe(tick =>
{
    episodeReturn += tick.Reward;
    if (!tick.Done)
    {
        observations.OnNext(tick.Observation);
        return;
    }

    returns.Add(episodeReturn);
    episodeReturn = 0;
    if (returns.Count < 20)
    {
        driven.Endpoint.Commands.OnNext(new ResetCommand(null));
    }
    else
    {
        finished.Set();
    }
});
driven.Endpoint.Commands.OnNext(new ResetCommand(100));
finished.Wait();
driven.Endpoint.Commands.OnCompleted();
Console.WriteLine(string.Create(culture, $"the simulator's own loop, driving the trained agent: mean return {returns.Average():F3} over {returns.Count} episodes"));

/// <summary>
/// A hovercraft on a rail, simulated on a thread of its own: it takes its inputs from a queue,
/// advances one frame per input (push left, coast, push right), and publishes each frame's state.
/// The pad at x = 1 pays +1 and ends the episode; the edge at x = -1 costs 1 and ends it too;
/// every frame costs 0.01; 200 frames end it by truncation. Starts at rest in [-0.5, 0.5].
/// </summary>
internal sealed class Hovercraft
{
    public static readonly Box ObservationSpace = new([-1.5f, -1f], [1.5f, 1f]);
    public static readonly Space ActionSpace = new Discrete(3);

    private readonly BlockingCollection<SimulatorCommand> _inputs = new();
    private readonly Subject<SimulatorTick> _ticks = new();
    private Random _random = new(0);
    private double _x, _v;
    private int _frame;

    public Hovercraft(string name)
    {
        Endpoint = new SimulatorEndpoint(name, _ticks, Observer.Create<SimulatorCommand>(_inputs.Add, _ => _inputs.CompleteAdding(), _inputs.CompleteAdding));
        new Thread(Run) { IsBackground = true, Name = name }.Start();
    }

    public SimulatorEndpoint Endpoint { get; }

    private void Run()
    {
        foreach (var input in _inputs.GetConsumingEnumerable())
        {
            _ticks.OnNext(Advance(input));
        }

        _ticks.OnCompleted();
    }

    private SimulatorTick Advance(SimulatorCommand input)
    {
        if (input is ResetCommand reset)
        {
            _random = reset.Seed is { } seed ? new Random(seed) : _random;
            (_x, _v, _frame) = (_random.NextDouble() - 0.5, 0.0, 0);
            return new SimulatorTick(State());
        }

        var push = ((DiscreteActionCommand)input).Action - 1;
        _v = Math.Clamp(_v + 0.01 * push, -0.1, 0.1);
        _x += _v;
        _frame++;
        return _x switch
        {
            >= 1 => new SimulatorTick(State(), 1.0, Terminated: true),
            <= -1 => new SimulatorTick(State(), -1.0, Terminated: true),
            _ => new SimulatorTick(State(), -0.01, Truncated: _frame == 200),
        };
    }

    private float[] State() => [(float)_x, (float)(_v * 10)];
}
