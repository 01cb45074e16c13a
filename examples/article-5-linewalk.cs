// The seed article, section 5: the full agent on its corridor, LineWalk-v0 (x starts at 0, actions
// move it by -/+0.1, reward +1 past +1, -1 past -1, 0.01 a step otherwise, 100 steps at most).
// Trains with the article's choices (A2COptions.SeedPreset: shared 64x64 network, GAE lambda 0.95,
// Huber value loss, normalized advantages, ent_coef 0.01) on 8 envs, prints a learning table, then
// evaluates the deterministic policy and walks one greedy episode. What it shows: the agent reaches
// the registry's threshold (1.0) by walking in place until the time limit, not by walking to +1.
// With gamma 0.99 and the time limit bootstrapped, both are worth 1.0 at x = 0 (the last line
// computes both), and the early, nearly random walker, which lingers and then often leaves on the
// right, collects more living reward (mean return above 1) than either.
//   ./a2c run examples/article-5-linewalk.cs [-- STEPS]     (default 50,000 env steps)
#:project ../src/A2C.Training/A2C.Training.csproj
#:property TieredCompilationQuickJit=false
using System.Globalization;
using A2C.Core;
using A2C.Envs;
using A2C.Training;

var steps = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 50_000L;
var options = A2COptions.SeedPreset(A2COptions.Defaults) with { Env = "LineWalk-v0", TotalTimesteps = steps, Seed = 1 };
const int Rows = 10;

using var trainer = new Trainer(options);
Print($"{options.Env} with the seed article's choices: {Lower(options.Net)} {string.Join("x", options.NetArch)} {Lower(options.Activation)} network, gamma {options.Gamma},");
Print($"GAE lambda {options.GaeLambda}, {options.ValueLoss} value loss, normalize_advantage {Lower(options.NormalizeAdvantage)}, ent_coef {options.EntCoef}; {options.NEnvs} envs, n_steps {options.NSteps}, seed {options.Seed}");
Console.WriteLine();
Print($"{"steps",8} {"episodes",9} {"mean return",12} {"mean length",12} {"entropy",8} {"value loss",11} {"expl. var",10}");

// One row whenever training passes another tenth of the budget; the means are over the last 100 episodes.
var nextRow = 1;
using var table = trainer.Reports.Subscribe(r =>
{
    if (r.TotalTimesteps * Rows < nextRow * steps && !r.Stop)
    {
        return;
    }

    nextRow = (int)(r.TotalTimesteps * Rows / steps) + 1;
    Print($"{r.TotalTimesteps,8:N0} {r.EpisodeCount,9:N0} {r.RecentMeanReturn ?? double.NaN,12:F3} {r.RecentMeanLength ?? double.NaN,12:F1} {r.Stats.Entropy,8:F3} {r.Stats.ValueLoss,11:F5} {r.Stats.ExplainedVariance,10:F3}");
});

var training = trainer.Run();
var threshold = trainer.Spec.RewardThreshold;
Console.WriteLine();
Print($"trained {training.TotalTimesteps:N0} steps in {training.WallSeconds:F2} s ({training.Fps:N0} steps/s); last-100 mean return {training.FinalMeanReturn ?? double.NaN:F3}, threshold {threshold:F1}: {(training.ReachedThreshold ? "reached" : "not reached")}");

var evaluation = trainer.Evaluate(100, seed: 1000);
Print($"evaluation of the deterministic policy over {evaluation.Episodes.Count} episodes: mean return {evaluation.Mean:F3} ± {evaluation.Std:F3}");

// One greedy episode, step by step: the agent picks the most likely action at each x.
using var env = Registry.Make(options.Env);
var observation = env.Reset(seed: 0);
var action = new int[1];
var value = new float[1];
var path = new List<double> { observation[0] };
var episodeReturn = 0.0;
Transition step;
do
{
    trainer.Agent.Act(observation, 1, deterministic: true, action, [], value);
    step = env.Step(action[0]);
    episodeReturn += step.Reward;
    observation = step.Observation;
    path.Add(observation[0]);
}
while (!step.Terminated && !step.Truncated);

var outcome = step.Truncated ? $"the time limit after {path.Count - 1} steps" : observation[0] > 0 ? $"+1 after {path.Count - 1} steps" : $"-1 after {path.Count - 1} steps";
Print($"a greedy episode ends at {outcome}, return {episodeReturn:F2}; x = {string.Join(" ", path.Take(16).Select(x => x.ToString("0.0", CultureInfo.InvariantCulture)))}{(path.Count > 16 ? " ..." : "")}");

// Why walking in place can pass the threshold: with gamma 0.99 the corridor values both ways alike.
// Walking straight right (ten steps of 0.01, then 1) is worth Returns.Discounted of that episode;
// walking in place is worth 0.01 / (1 - gamma) when the time limit is bootstrapped, as it is here.
const float Living = (float)A2C.Envs.Toy.LineWalk.LivingReward;
var right = Rollout.Create(11, 1, [.. Enumerable.Repeat(Living, 10), 1f], new float[11], [.. Enumerable.Repeat(false, 10), true], new bool[11], new float[11], [0f]);
trainer.Agent.Values(env.Reset(seed: 0), 1, value);
Print($"discounted value at x = 0 (gamma {options.Gamma}): walking straight right {Returns.Discounted(options.Gamma, right)[0]:F3}, walking in place {Living / (1 - options.Gamma):F3}; the critic's V(0) is {value[0]:F3}");

static string Lower(object value) => Convert.ToString(value, CultureInfo.InvariantCulture)!.ToLowerInvariant();

static void Print(FormattableString line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));
