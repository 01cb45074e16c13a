// A custom environment written in the script: a thermostat that switches a room's heater on or off
// to hold 21 °C while the room leaks heat to a cold outside. It derives from A2C.Envs' PhysicalEnv
// (the IEnv contract: spaces, seeded Reset, Step with terminated/truncated; plus a settable physical
// state), is checked with EnvChecker, registered under an id with a time limit, and trained with
// A2C (Stable-Baselines3's defaults) through Experiment like any built-in env. The trained policy
// is compared with a random one and with the textbook rule "heat while below 21 °C".
//   ./a2c run examples/custom-env.cs [-- STEPS]     (default 50,000 env steps per seed, 2 seeds)
#:project ../src/A2C.Training/A2C.Training.csproj
#:property TieredCompilationQuickJit=false
using System.Globalization;
using A2C.Envs;
using A2C.Envs.Checking;
using A2C.Envs.Spaces;
using A2C.Training;

var steps = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 50_000L;
const int Episodes = 100;   // per evaluation

// Registered like Gymnasium's gym.register: Registry.Make, VectorEnv.Make, Trainer and Experiment find it by id.
Registry.Register(new EnvSpec(Thermostat.Id, () => new Thermostat(), MaxEpisodeSteps: Thermostat.EpisodeSteps, RewardThreshold: -10.0, "Hold a room at 21 °C with an on/off heater."));

var check = EnvChecker.Check(Thermostat.Id);
Print($"EnvChecker on {Thermostat.Id}: {check.Results.Count} checks, {(check.Passed ? "passed" : "FAILED")}");
if (!check.Passed)
{
    Console.WriteLine(check);
    return 1;
}

// Two baselines, each over the same episodes (reset seeds 1000, 1001, ...).
var random = new Rng(7);
var (randomReturn, randomError) = Baseline(_ => random.NextInt(2));
var (ruleReturn, ruleError) = Baseline(temperatureError => temperatureError < 0 ? 1 : 0);

var experiment = Experiment.On(Thermostat.Id).Envs(8).Seeds(1, 2).Evaluate(Episodes);
Console.WriteLine();
Print($"training A2C (Stable-Baselines3's defaults, 8 envs) for {steps:N0} steps per seed:");
Print($"{"seed",4} {"steps",9} {"episodes",9} {"mean return",12} {"value loss",11}");
double[] milestones = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0];   // rows, as fractions of the budget
var row = 0;
var seed = 0;
using var progress = experiment.Progress.Subscribe(r =>
{
    if (r.Update == 1)
    {
        seed++;
        row = 0;
    }

    if (row < milestones.Length && (r.TotalTimesteps >= milestones[row] * steps || r.Stop))
    {
        while (row < milestones.Length && r.TotalTimesteps >= milestones[row] * steps)
        {
            row++;
        }

        var mean = r.RecentMeanReturn is { } m ? m.ToString("F2", CultureInfo.InvariantCulture) : "-";
        Print($"{seed,4} {r.TotalTimesteps,9:N0} {r.EpisodeCount,9:N0} {mean,12} {r.Stats.ValueLoss,11:F4}");
    }
});
var result = experiment.Run(steps);

Console.WriteLine();
Print($"{"policy",-34} {"mean return",12}  {"mean |T - 21 °C|",16}");
Print($"{"random switching",-34} {randomReturn,12:F2}  {randomError,16:F2}");
Print($"{"heat while below 21 °C",-34} {ruleReturn,12:F2}  {ruleError,16:F2}");
foreach (var s in result.Seeds)
{
    var mean = s.Evaluation!.Mean;
    Print($"{$"A2C, seed {s.Seed}, deterministic",-34} {mean,12:F2}  {-mean / Thermostat.EpisodeSteps * Thermostat.Scale,16:F2}");
}

Print($"(each over {Episodes} episodes; mean |T - 21| is minus the return per step times {Thermostat.Scale}; the registered threshold is {Registry.Spec(Thermostat.Id).RewardThreshold:F0})");
return 0;

// Mean return and mean temperature error of a hand-written policy.
static (double Return, double Error) Baseline(Func<float, int> policy)
{
    using var env = Registry.Make(Thermostat.Id);
    double total = 0;
    for (var episode = 0; episode < Episodes; episode++)
    {
        var observation = env.Reset(seed: 1000 + episode);
        Transition step;
        do
        {
            step = env.Step(policy(observation[0]));
            total += step.Reward;
            observation = step.Observation;
        }
        while (!step.Terminated && !step.Truncated);
    }

    var mean = total / Episodes;
    return (mean, -mean / Thermostat.EpisodeSteps * Thermostat.Scale);
}

static void Print(FormattableString line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));

/// <summary>
/// A room with an on/off heater. State: the room temperature T and the outside temperature, in °C.
/// Each step (ten minutes) the room loses 10% of its difference to the outside, and the heater, when
/// on, adds 3 °C. Reward: -|T - 21| / 10 per step. An episode starts at a random T in [10, 25] with a
/// random outside temperature in [0, 15] and never terminates; the registry's time limit truncates it
/// after EpisodeSteps. Observation: (T - 21) / 10 and (outside - 21) / 10.
/// </summary>
internal sealed class Thermostat : PhysicalEnv
{
    public const string Id = "Thermostat-v0";
    public const double Setpoint = 21.0;
    public const double Scale = 10.0;
    public const int EpisodeSteps = 100;
    private const double Leak = 0.1;
    private const double HeaterPower = 3.0;

    public Thermostat()
        : base(Id, new Box([-3f, -3f], [3f, 3f]), new Discrete(2), "temperature", "outside")
    {
    }

    public override void Observe(Span<float> observation)
    {
        observation[0] = (float)((State[0] - Setpoint) / Scale);
        observation[1] = (float)((State[1] - Setpoint) / Scale);
    }

    protected override void OnReset(Span<float> observation)
    {
        State[0] = Random.Uniform(10.0, 25.0);
        State[1] = Random.Uniform(0.0, 15.0);
        Observe(observation);
    }

    protected override StepResult OnStep(int action, Span<float> observation)
    {
        State[0] += Leak * (State[1] - State[0]) + (action == 1 ? HeaterPower : 0.0);
        Observe(observation);
        return new StepResult(-Math.Abs(State[0] - Setpoint) / Scale, false, false);
    }
}
