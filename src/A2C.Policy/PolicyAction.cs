namespace A2C.Runtime;

/// <summary>The kind of action space a policy acts in, as Gymnasium names them.</summary>
public enum ActionKind
{
    /// <summary>One choice among n (a categorical distribution over <c>logits</c>).</summary>
    Discrete,

    /// <summary>One choice in each of several blocks (<c>nvec</c>), each categorical.</summary>
    MultiDiscrete,

    /// <summary>n independent switches, each Bernoulli(sigmoid(logit)).</summary>
    MultiBinary,

    /// <summary>A float vector in a box, Normal(<c>mean</c>, <c>std</c>) clipped to the bounds.</summary>
    Box,
}

/// <summary>
/// One action, in the form its space takes: <see cref="Discrete"/> for Discrete, <see cref="Integers"/>
/// for every integer space (a Discrete action as one integer, MultiDiscrete's choices, MultiBinary's
/// 0/1 switches), <see cref="Continuous"/> for Box (clipped to the bounds, as Stable-Baselines3's
/// <c>predict</c> does).
/// </summary>
public sealed class PolicyAction
{
    private static readonly int[] _noIntegers = Array.Empty<int>();
    private static readonly float[] _noFloats = Array.Empty<float>();

    private PolicyAction(ActionKind kind, int[] integers, float[] continuous)
    {
        Kind = kind;
        Integers = integers;
        Continuous = continuous;
    }

    /// <summary>The action space's kind.</summary>
    public ActionKind Kind { get; }

    /// <summary>The Discrete action (0 to n - 1).</summary>
    /// <exception cref="InvalidOperationException">The action is not Discrete: read <see cref="Integers"/> or <see cref="Continuous"/>.</exception>
    public int Discrete => Kind == ActionKind.Discrete
        ? Integers[0]
        : throw new InvalidOperationException($"the action is {Kind}, not Discrete: read {(Kind == ActionKind.Box ? nameof(Continuous) : nameof(Integers))}.");

    /// <summary>Integer actions: one for Discrete, one per block for MultiDiscrete, 0 or 1 per switch for MultiBinary; empty for Box.</summary>
    public int[] Integers { get; }

    /// <summary>Box actions, clipped to the space's bounds; empty for the integer spaces.</summary>
    public float[] Continuous { get; }

    /// <inheritdoc />
    public override string ToString() => Kind == ActionKind.Box
        ? "[" + string.Join(", ", Continuous.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "]"
        : Kind == ActionKind.Discrete ? Integers[0].ToString(System.Globalization.CultureInfo.InvariantCulture) : "[" + string.Join(", ", Integers) + "]";

    internal static PolicyAction OfIntegers(ActionKind kind, int[] values) => new PolicyAction(kind, values, _noFloats);

    internal static PolicyAction OfFloats(float[] values) => new PolicyAction(ActionKind.Box, _noIntegers, values);
}

/// <summary>
/// The distribution parameters and values of a batch of observations, row-major: what ONNX Runtime
/// would give for the file's <c>logits</c>, <c>mean</c>, <c>std</c> and <c>value</c> outputs.
/// </summary>
public sealed class PolicyOutputs
{
    internal PolicyOutputs(int batch, float[] logits, float[] mean, float[] std, float[] values)
    {
        Batch = batch;
        Logits = logits;
        Mean = mean;
        Std = std;
        Values = values;
    }

    /// <summary>Observations evaluated.</summary>
    public int Batch { get; }

    /// <summary>Integer spaces: [batch, logits] (MultiDiscrete's blocks side by side); empty for Box.</summary>
    public float[] Logits { get; }

    /// <summary>Box: the Gaussian's mean [batch, dims], before clipping; empty otherwise.</summary>
    public float[] Mean { get; }

    /// <summary>Box: its standard deviation [batch, dims]; empty otherwise.</summary>
    public float[] Std { get; }

    /// <summary>The critic's state values [batch].</summary>
    public float[] Values { get; }
}
