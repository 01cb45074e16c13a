// The seed article, section 3: the entropy bonus. Entropies of categorical policies from uniform to
// peaked, computed by the core's Distributions.CategoricalEntropy from their logits (ln p), beside
// the maximum ln(n) and the bonus ent_coef * H that the A2C loss subtracts; the same for Gaussian
// policies; then what the bonus does in training: the policy's entropy on LineWalk-v0 with no
// bonus, the article's ent_coef 0.01, and 0.1.
//   ./a2c run examples/article-3-entropy.cs [-- STEPS]     (default 50,000 training steps per run, 9 runs)
#:project ../src/A2C.Training/A2C.Training.csproj
#:property TieredCompilationQuickJit=false
using System.Globalization;
using A2C.Core;
using A2C.Training;
using static TorchSharp.torch;

var steps = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 50_000L;
var entCoef = A2COptions.SeedPreset(A2COptions.Defaults).EntCoef;
A2C.Training.TorchRuntime.EnsureLoadable();   // before any tensor: a clear message if libtorch cannot load
set_num_threads(1);

double[][] policies =
[
    [0.5, 0.5],
    [0.7, 0.3],
    [0.9, 0.1],
    [0.99, 0.01],
    [0.25, 0.25, 0.25, 0.25],
    [0.4, 0.3, 0.2, 0.1],
    [0.7, 0.1, 0.1, 0.1],
    [0.97, 0.01, 0.01, 0.01],
    [1.0, 0.0, 0.0, 0.0],
];

Print($"categorical policies: H = -sum p ln p (nats), at most ln(n), reached by the uniform policy; the loss subtracts ent_coef * H (ent_coef {entCoef})");
Console.WriteLine();
Print($"{"n",2}  {"probabilities",-26} {"H",7} {"ln(n)",7} {"H / ln(n)",9} {"bonus",8}");
using (NewDisposeScope())
{
    foreach (var p in policies)
    {
        // Logits ln p: softmax gives p back (ln 0 = -inf is a probability of exactly 0).
        var logits = tensor(p.Select(x => (float)Math.Log(x)).ToArray(), [1, p.Length]);
        var h = Distributions.CategoricalEntropy(logits).item<float>() + 0f;   // + 0 prints -0 as 0
        var max = Math.Log(p.Length);
        var shown = string.Join(" ", p.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture)));
        Print($"{p.Length,2}  {shown,-26} {h,7:F4} {max,7:F4} {h / max,9:P0} {entCoef * h,8:F5}");
    }
}

Console.WriteLine();
Print($"diagonal Gaussian policies (one dimension): H = 0.5 + 0.5 ln(2 pi) + ln(std), no maximum; narrower is lower");
Console.WriteLine();
Print($"{"std",6} {"log std",8} {"H",8}");
{
    foreach (var std in new[] { 2.0, 1.0, 0.5, 0.1, 0.01 })
    {
        var h = Distributions.GaussianEntropy(zeros(1, 1), tensor(new[] { (float)Math.Log(std) })).item<float>();
        Print($"{std,6:0.##} {Math.Log(std),8:F3} {h,8:F4}");
    }
}

// The bonus in training: the same agent on LineWalk-v0 with no bonus, the article's, and 0.1,
// each averaged over three seeds. All start near ln 2, the fresh network's nearly uniform
// policy, and grow more certain as they learn; the bonus holds the policy wider (it explores
// longer), lightly at 0.01, where normalized advantages of order 1 dominate the loss.
float[] coefs = [0f, entCoef, 0.1f];
int[] seeds = [1, 2, 3];
var curves = coefs.Select(coef => seeds.Select(seed =>
{
    var options = A2COptions.SeedPreset(A2COptions.Defaults) with { Env = "LineWalk-v0", EntCoef = coef, TotalTimesteps = steps, Seed = seed };
    using var trainer = new Trainer(options);
    var entropies = new List<(long Steps, double Entropy)>();
    using var recording = trainer.Reports.Subscribe(r => entropies.Add((r.TotalTimesteps, r.Stats.Entropy)));
    trainer.Run();
    return entropies;
}).ToArray()).ToArray();

Console.WriteLine();
Print($"mean policy entropy of the updates in each stretch of training on LineWalk-v0 (seed preset, seeds {string.Join(", ", seeds)}; ln 2 = {Math.Log(2):F4}):");
Console.WriteLine();
Print($"{"steps",17}  {string.Join("  ", coefs.Select(c => $"ent_coef {c.ToString(CultureInfo.InvariantCulture)}".PadLeft(13)))}");
const int Stretches = 10;
var updates = curves[0][0].Count;
for (var k = 0; k < Math.Min(Stretches, updates); k++)
{
    var (from, to) = (k * updates / Stretches, (k + 1) * updates / Stretches);
    var means = curves.Select(runs => runs.Average(run => run.Skip(from).Take(to - from).Average(e => e.Entropy)));
    var first = from == 0 ? 0 : curves[0][0][from - 1].Steps;
    Print($"{first,7:N0} - {curves[0][0][to - 1].Steps,7:N0}  {string.Join("  ", means.Select(m => m.ToString("F4", CultureInfo.InvariantCulture).PadLeft(13)))}");
}

static void Print(FormattableString line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));
