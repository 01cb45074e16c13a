using System.Globalization;
using A2C.Core;

namespace A2C.Training;

/// <summary>One hyperparameter of a search space: its name, its range, and for a choice the choices' texts.</summary>
/// <param name="Name">RL Zoo's name (<c>gamma</c>, <c>lr_schedule</c>, <c>net_arch</c>...).</param>
/// <param name="Range">The range the sampler draws from; a choice's value is its index.</param>
/// <param name="Choices">The choices, for a categorical range; empty otherwise.</param>
public sealed record SearchParameter(string Name, ParamRange Range, IReadOnlyList<string> Choices)
{
    /// <summary>A sampled value as a person reads it: the choice's text, or the number.</summary>
    /// <param name="value">The value (a choice's index for a categorical range).</param>
    /// <returns>The text.</returns>
    public string Display(double value) => Choices.Count > 0 ? Choices[(int)value] : value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// RL Baselines3 Zoo's search space for A2C (<c>sample_a2c_params</c> in rl_zoo3/hyperparams_opt.py,
/// docs/tuning.md cites the version): thirteen parameters, and how a sample becomes the options of
/// <c>a2c train</c> and an entry of an RL Zoo hyperparameter file.
/// </summary>
public static class A2CSearchSpace
{
    /// <summary>The parameters, in the order the sampler sees them.</summary>
    public static IReadOnlyList<SearchParameter> Parameters { get; } =
    [
        Choice(Hyperparameters.Gamma.Name, "0.9", "0.95", "0.98", "0.99", "0.995", "0.999", "0.9999"),
        Choice(Hyperparameters.NormalizeAdvantage.Name, "false", "true"),
        Choice(Hyperparameters.MaxGradNorm.Name, "0.3", "0.5", "0.6", "0.7", "0.8", "0.9", "1", "2", "5"),
        Choice(Hyperparameters.UseRmsProp.Name, "false", "true"),
        Choice(Hyperparameters.GaeLambda.Name, "0.8", "0.9", "0.92", "0.95", "0.98", "0.99", "1.0"),
        Choice(Hyperparameters.NSteps.Name, "8", "16", "32", "64", "128", "256", "512", "1024", "2048"),
        Choice("lr_schedule", "linear", "constant"),
        new(Hyperparameters.LearningRate.Name, ParamRange.NewFloat(1e-5, 1.0, true), []),
        new(Hyperparameters.EntCoef.Name, ParamRange.NewFloat(1e-8, 0.1, true), []),
        new(Hyperparameters.VfCoef.Name, ParamRange.NewFloat(0.0, 1.0, false), []),
        Choice(Hyperparameters.OrthoInit.Name, "false", "true"),
        Choice(Hyperparameters.NetArch.Name, "small", "medium"),
        Choice("activation_fn", "tanh", "relu"),
    ];

    /// <summary>The largest n_steps a trial may draw: a budget holds at least n_envs times this many steps.</summary>
    public static int LargestNSteps => Parameters.Single(p => p.Name == Hyperparameters.NSteps.Name).Choices.Max(int.Parse);

    /// <summary>The ranges, in the order of <see cref="Parameters"/>.</summary>
    public static ParamRange[] Ranges => [.. Parameters.Select(p => p.Range)];

    /// <summary>The options of <c>a2c train</c> that train with <paramref name="values"/>.</summary>
    /// <param name="values">One value per parameter, in order.</param>
    /// <returns>The arguments, e.g. <c>--gamma 0.98 --n-steps 32 ...</c>.</returns>
    /// <exception cref="ArgumentException">The values are not one per parameter.</exception>
    public static IReadOnlyList<string> TrainArguments(IReadOnlyList<double> values)
    {
        var sample = Read(values);
        return
        [
            Hyperparameters.Gamma.Cli, sample[Hyperparameters.Gamma.Name],
            Hyperparameters.NormalizeAdvantage.Cli, sample[Hyperparameters.NormalizeAdvantage.Name],
            Hyperparameters.MaxGradNorm.Cli, sample[Hyperparameters.MaxGradNorm.Name],
            Hyperparameters.UseRmsProp.Cli, sample[Hyperparameters.UseRmsProp.Name],
            Hyperparameters.GaeLambda.Cli, sample[Hyperparameters.GaeLambda.Name],
            Hyperparameters.NSteps.Cli, sample[Hyperparameters.NSteps.Name],
            Hyperparameters.LearningRate.Cli, LearningRate(sample),
            Hyperparameters.EntCoef.Cli, sample[Hyperparameters.EntCoef.Name],
            Hyperparameters.VfCoef.Cli, sample[Hyperparameters.VfCoef.Name],
            Hyperparameters.OrthoInit.Cli, sample[Hyperparameters.OrthoInit.Name],
            // RL Zoo's net_arch is dict(pi=..., vf=...): separate networks.
            Hyperparameters.Net.Cli, "separate",
            Hyperparameters.NetArch.Cli, NetArch(sample),
            Hyperparameters.Activation.Cli, sample["activation_fn"],
        ];
    }

    /// <summary>The keys of an RL Zoo hyperparameter entry that train with <paramref name="values"/>, as YAML lines (without indentation).</summary>
    /// <param name="values">One value per parameter, in order.</param>
    /// <returns>The lines, e.g. <c>gamma: 0.98</c>.</returns>
    /// <exception cref="ArgumentException">The values are not one per parameter.</exception>
    public static IReadOnlyList<string> ZooLines(IReadOnlyList<double> values)
    {
        var sample = Read(values);
        var python = sample["activation_fn"] == "relu" ? "nn.ReLU" : "nn.Tanh";
        var width = NetArch(sample).Replace(",", ", ", StringComparison.Ordinal);
        return
        [
            $"{Hyperparameters.Gamma.Name}: {sample[Hyperparameters.Gamma.Name]}",
            $"{Hyperparameters.NormalizeAdvantage.Name}: {sample[Hyperparameters.NormalizeAdvantage.Name]}",
            $"{Hyperparameters.MaxGradNorm.Name}: {sample[Hyperparameters.MaxGradNorm.Name]}",
            $"{Hyperparameters.UseRmsProp.Name}: {sample[Hyperparameters.UseRmsProp.Name]}",
            $"{Hyperparameters.GaeLambda.Name}: {sample[Hyperparameters.GaeLambda.Name]}",
            $"{Hyperparameters.NSteps.Name}: {sample[Hyperparameters.NSteps.Name]}",
            $"{Hyperparameters.LearningRate.Name}: {LearningRate(sample)}",
            $"{Hyperparameters.EntCoef.Name}: {sample[Hyperparameters.EntCoef.Name]}",
            $"{Hyperparameters.VfCoef.Name}: {sample[Hyperparameters.VfCoef.Name]}",
            $"policy_kwargs: \"dict(net_arch=dict(pi=[{width}], vf=[{width}]), activation_fn={python}, ortho_init={(sample[Hyperparameters.OrthoInit.Name] == "true" ? "True" : "False")})\"",
        ];
    }

    private static SearchParameter Choice(string name, params string[] choices) => new(name, ParamRange.NewCategorical(choices.Length), choices);

    private static Dictionary<string, string> Read(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != Parameters.Count)
        {
            throw new ArgumentException($"{values.Count} values for a space of {Parameters.Count} parameters.", nameof(values));
        }

        return Parameters.Select((p, i) => (p.Name, Text: p.Display(values[i]))).ToDictionary(p => p.Name, p => p.Text);
    }

    /// <summary>RL Zoo's linear schedule decays from the sampled rate to 0 over the run: lin_X here.</summary>
    private static string LearningRate(Dictionary<string, string> sample) =>
        sample["lr_schedule"] == "linear" ? "lin_" + sample[Hyperparameters.LearningRate.Name] : sample[Hyperparameters.LearningRate.Name];

    private static string NetArch(Dictionary<string, string> sample) => sample[Hyperparameters.NetArch.Name] == "medium" ? "256,256" : "64,64";
}
