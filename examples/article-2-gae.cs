// The seed article, section 2: generalized advantage estimation. Trains an agent on CartPole-v1 with
// the article's choices (A2COptions.SeedPreset) for a short while, collects one rollout of 128 steps
// over 8 envs with it, and estimates advantages with the core's Gae.Estimate for lambda from 0 to 1:
// the table of their mean and standard deviation shows the bias-variance dial. Two laws are checked
// on the same rollout: lambda 0 is the one-step TD error, lambda 1 the discounted return minus V.
//   ./a2c run examples/article-2-gae.cs [-- STEPS]      (default 20,000 training steps)
#:project ../src/A2C.Training/A2C.Training.csproj
#:property TieredCompilationQuickJit=false
using System.Globalization;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using A2C.Core;
using A2C.Envs.Vector;
using A2C.Training;

var steps = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 20_000L;
const int RolloutSteps = 128;
const int RolloutEnvs = 8;
var options = A2COptions.SeedPreset(A2COptions.Defaults) with { Env = "CartPole-v1", TotalTimesteps = steps, Seed = 1 };

using var trainer = new Trainer(options);
var training = trainer.Run();
Print($"trained {options.Env} for {training.TotalTimesteps:N0} steps (seed preset: shared net, Huber, lambda {options.GaeLambda}); last-100 mean return {training.FinalMeanReturn ?? double.NaN:F1}");

// One rollout of the trained agent, collected by the same rollout stream the trainer uses, on the
// subscribing thread. The buffer is refilled for every rollout, so everything happens in OnNext.
using var env = VectorEnv.Make(options.Env, RolloutEnvs);
RolloutStream.CreateRollouts(env, trainer.Agent, RolloutSteps, seed: 100, Scheduler.CurrentThread)
    .Take(1)
    .Subscribe(buffer => Report(buffer, trainer.Agent, options.Gamma));

static void Report(RolloutBuffer buffer, Agent agent, float gamma)
{
    var n = buffer.Envs;
    var lastValues = new float[n];
    agent.Values(buffer.NextObservations, n, lastValues);
    var rollout = Rollout.Create(buffer.Steps, n, buffer.Rewards, buffer.Values, buffer.Terminated, buffer.Truncated, buffer.FinalValues, lastValues);
    Print($"rollout: {buffer.Steps} steps x {n} envs = {buffer.Steps * n} transitions, {buffer.Terminated.Count(t => t)} terminated and {buffer.Truncated.Count(t => t)} truncated episodes, gamma {gamma}");
    Console.WriteLine();
    Print($"{"lambda",6}  {"A mean",8} {"A std",8}  {"R = A + V mean",14} {"R std",8}  what A_t is");
    foreach (var lambda in new[] { 0f, 0.5f, 0.9f, 0.95f, 0.99f, 1f })
    {
        var estimates = Gae.Estimate(gamma, lambda, rollout);
        var (aMean, aStd) = MeanStd(estimates.Advantages);
        var (rMean, rStd) = MeanStd(estimates.Returns);
        var meaning = lambda switch
        {
            0f => "one-step TD error r + gamma V(s') - V(s): low variance, biased by V",
            1f => "discounted return minus V (bootstrapped at the rollout's end): high variance",
            0.95f => "the article's choice",
            _ => string.Empty,
        };
        Print($"{lambda,6:0.##}  {aMean,8:F3} {aStd,8:F3}  {rMean,14:F3} {rStd,8:F3}{(meaning.Length > 0 ? "  " : "")}{meaning}");
    }

    // Law 1: lambda 1 gives the discounted return minus V (Returns.Discounted, a separate function).
    var monteCarlo = Gae.Estimate(gamma, 1f, rollout).Advantages;
    var discounted = Returns.Discounted(gamma, rollout);
    var law1 = monteCarlo.Select((a, i) => Math.Abs(a - (discounted[i] - buffer.Values[i]))).Max();

    // Law 2: lambda 0 gives the one-step TD error: the discounted return of each single step,
    // bootstrapped from the next value, minus V. Each step becomes a one-step rollout of its own.
    var td = Gae.Estimate(gamma, 0f, rollout).Advantages;
    var law2 = 0.0;
    for (var t = 0; t < buffer.Steps; t++)
    {
        var at = (t * n)..((t + 1) * n);
        var next = t + 1 < buffer.Steps ? buffer.Values[((t + 1) * n)..((t + 2) * n)] : lastValues;
        var oneStep = Rollout.Create(1, n, buffer.Rewards[at], buffer.Values[at], buffer.Terminated[at], buffer.Truncated[at], buffer.FinalValues[at], next);
        var target = Returns.Discounted(gamma, oneStep);
        for (var e = 0; e < n; e++)
        {
            law2 = Math.Max(law2, Math.Abs(td[t * n + e] - (target[e] - buffer.Values[t * n + e])));
        }
    }

    // Bias and variance in this rollout's numbers: lambda 0 leans on V, lambda 1 on the rewards.
    var (vMean, _) = MeanStd(buffer.Values);
    var (gMean, _) = MeanStd(discounted);
    var (a0Mean, a0Std) = MeanStd(td);
    var (a1Mean, a1Std) = MeanStd(monteCarlo);
    Console.WriteLine();
    Print($"the critic's V(s) averages {vMean:F2} here, the discounted returns {gMean:F2} (V - return: {vMean - gMean:+0.00;-0.00}).");
    Print($"lambda 0 leans on V: its advantages average {a0Mean:F2} (std {a0Std:F2}); lambda 1 on the rewards: {a1Mean:F2} (std {a1Std:F2}).");
    Console.WriteLine();
    Print($"check: lambda 1 vs Returns.Discounted - V, largest difference {law1:0.0e+0}");
    Print($"check: lambda 0 vs one-step Returns.Discounted - V, largest difference {law2:0.0e+0}");
}

// Mean and standard deviation from the core's running statistics (population variance).
static (double Mean, double Std) MeanStd(float[] values)
{
    var stats = RunningMeanStd.OfBatch(1, values);
    return (stats.Mean[0], Math.Sqrt(stats.Var[0]));
}

static void Print(FormattableString line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));
