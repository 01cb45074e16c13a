using A2C.Runtime.Format;
using A2C.Runtime.Network;

namespace A2C.Runtime;

/// <summary>
/// A trained policy loaded from an <c>a2c export</c> file (policy.onnx, docs/export.md), run in managed
/// code with the .NET engine's kernels: no native library, no TorchSharp, no ONNX Runtime. It reads the
/// file's weights and its <c>a2c.policy</c> description and computes what the graph computes, with the
/// run's observation normalization folded in: feed the raw observation the env returns.
/// <example>
/// <code>
/// var policy = Policy.Load("policy.onnx");
/// var action = policy.ActDeterministic(observation).Discrete;   // CartPole-v1: 0 or 1
/// var sampled = policy.Act(observation, new Random(0));         // a draw from softmax(logits)
/// var value = policy.Value(observation);
/// </code>
/// </example>
/// <para>
/// An instance keeps buffers for its forward pass: use one instance per thread (<see cref="Load(byte[], string)"/>
/// the same bytes again for another thread).
/// </para>
/// </summary>
public sealed class Policy
{
    private readonly PolicyModel _model;
    private readonly PolicyNetwork _network;

    private Policy(PolicyModel model)
    {
        _model = model;
        _network = new PolicyNetwork(model);
    }

    /// <summary>The id of the env the policy was trained on, e.g. <c>CartPole-v1</c>.</summary>
    public string Env => _model.Env;

    /// <summary>Floats in one observation (a Dict's keys flattened in sorted order, as <c>Dict.Flatten</c> lays them out).</summary>
    public int ObservationSize => _model.ObservationSize;

    /// <summary>The observation's shape: a Box's own shape (<c>[36, 36, 1]</c> for an HWC image), <c>[1]</c> for Discrete, <c>[K]</c> otherwise.</summary>
    public IReadOnlyList<int> ObservationShape => _model.ObservationShape;

    /// <summary>The action space's kind.</summary>
    public ActionKind ActionKind => _model.Distribution.Kind;

    /// <summary>Values in one action: 1 for Discrete, the blocks for MultiDiscrete, the switches for MultiBinary, the dims for Box.</summary>
    public int ActionSize => ActionKind == ActionKind.Box ? _model.Distribution.Low.Length : ActionKind == ActionKind.Discrete ? 1 : _model.Distribution.Nvec.Length;

    /// <summary>Choices per integer action: <c>[n]</c> for Discrete, <c>nvec</c> for MultiDiscrete, a 2 per switch for MultiBinary; empty for Box.</summary>
    public IReadOnlyList<int> ActionCounts => _model.Distribution.Nvec;

    /// <summary>Box: the lower bounds actions are clipped to (<see cref="float.MinValue"/> where unbounded); empty otherwise.</summary>
    public IReadOnlyList<float> Low => _model.Distribution.Low;

    /// <summary>Box: the upper bounds actions are clipped to (<see cref="float.MaxValue"/> where unbounded); empty otherwise.</summary>
    public IReadOnlyList<float> High => _model.Distribution.High;

    /// <summary>Outputs of the actor per observation: the logits' width, or the Box's dims (mean and std each).</summary>
    public int ActorSize => _model.Actor.Outputs;

    /// <summary>Whether the Gaussian's std depends on the observation (gSDE).</summary>
    public bool StateDependentStd => _model.Distribution.Sde;

    /// <summary>Loads an exported policy from a file.</summary>
    /// <param name="path">The .onnx file <c>a2c export</c> wrote.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="PolicyFormatException">The file is not an a2c export A2C.Policy can run; the message names the file and the fault.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static Policy Load(string path)
    {
        if (path is null)
        {
            throw new ArgumentNullException(nameof(path));
        }

        return Load(File.ReadAllBytes(path), path);
    }

    /// <summary>Loads an exported policy from a stream, read to its end.</summary>
    /// <param name="stream">The file's bytes.</param>
    /// <param name="name">What to call the file in error messages.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="PolicyFormatException">The bytes are not an a2c export A2C.Policy can run.</exception>
    public static Policy Load(Stream stream, string name = "policy.onnx")
    {
        if (stream is null)
        {
            throw new ArgumentNullException(nameof(stream));
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Load(copy.ToArray(), name);
    }

    /// <summary>Loads an exported policy from its bytes.</summary>
    /// <param name="bytes">The file's bytes.</param>
    /// <param name="name">What to call the file in error messages.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="PolicyFormatException">The bytes are not an a2c export A2C.Policy can run.</exception>
    public static Policy Load(byte[] bytes, string name = "policy.onnx")
    {
        if (bytes is null)
        {
            throw new ArgumentNullException(nameof(bytes));
        }

        if (bytes.Length == 0)
        {
            throw new PolicyFormatException($"{name}: the file is empty, not an ONNX model.");
        }

        OnnxContents contents;
        try
        {
            contents = OnnxReader.Read(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new PolicyFormatException($"{name}: not a readable ONNX model: {e.Message}.", e);
        }

        try
        {
            return new Policy(DescriptionReader.Read(contents));
        }
        catch (InvalidDataException e)
        {
            throw new PolicyFormatException($"{name}: {e.Message}.", e);
        }
        catch (OverflowException e)
        {
            // A damaged description's sizes can sum past what an int holds (one-hot counts, nvec).
            throw new PolicyFormatException($"{name}: its description holds sizes too large for any policy.", e);
        }
    }

    /// <summary>A sampled action, as training acts: softmax, Bernoulli or Normal(mean, std) clipped to the bounds.</summary>
    /// <param name="observation">One raw observation of <see cref="ObservationSize"/> floats.</param>
    /// <param name="random">The source of the draw (seed it for a reproducible episode).</param>
    /// <returns>The action.</returns>
    /// <exception cref="ArgumentException">The observation is not <see cref="ObservationSize"/> floats long.</exception>
    public PolicyAction Act(ReadOnlySpan<float> observation, Random random) => ActBatch(Single(observation), random)[0];

    /// <summary>The deterministic action of docs/export.md's table: argmax, <c>logit &gt; 0</c>, or the mean clipped.</summary>
    /// <param name="observation">One raw observation of <see cref="ObservationSize"/> floats.</param>
    /// <returns>The action.</returns>
    /// <exception cref="ArgumentException">The observation is not <see cref="ObservationSize"/> floats long.</exception>
    public PolicyAction ActDeterministic(ReadOnlySpan<float> observation) => ActDeterministicBatch(Single(observation))[0];

    /// <summary>The deterministic action of row <paramref name="row"/> of outputs <see cref="Evaluate(ReadOnlySpan{float})"/> gave, for a caller that wants the parameters or the value too without a second pass.</summary>
    /// <param name="outputs">This policy's outputs for a batch.</param>
    /// <param name="row">The observation's row in that batch.</param>
    /// <returns>The action.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="row"/> is not a row of the batch.</exception>
    public PolicyAction ActDeterministic(PolicyOutputs outputs, int row) => ActionChoice.Deterministic(_model.Distribution, outputs, Row(outputs, row));

    /// <summary>A sampled action for row <paramref name="row"/> of outputs <see cref="Evaluate(ReadOnlySpan{float})"/> gave.</summary>
    /// <param name="outputs">This policy's outputs for a batch.</param>
    /// <param name="row">The observation's row in that batch.</param>
    /// <param name="random">The source of the draw.</param>
    /// <returns>The action.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="row"/> is not a row of the batch.</exception>
    public PolicyAction Act(PolicyOutputs outputs, int row, Random random)
    {
        if (random is null)
        {
            throw new ArgumentNullException(nameof(random));
        }

        return ActionChoice.Sample(_model.Distribution, outputs, Row(outputs, row), random);
    }

    /// <summary>The critic's value of one observation.</summary>
    /// <param name="observation">One raw observation of <see cref="ObservationSize"/> floats.</param>
    /// <returns>The state value.</returns>
    /// <exception cref="ArgumentException">The observation is not <see cref="ObservationSize"/> floats long.</exception>
    public float Value(ReadOnlySpan<float> observation) => Evaluate(Single(observation)).Values[0];

    /// <summary>Sampled actions for a batch of observations, one after another, drawn in order from <paramref name="random"/>.</summary>
    /// <param name="observations">batch x <see cref="ObservationSize"/> raw floats, row after row.</param>
    /// <param name="random">The source of the draws.</param>
    /// <returns>One action per observation.</returns>
    /// <exception cref="ArgumentException">The length is not a positive multiple of <see cref="ObservationSize"/>.</exception>
    public PolicyAction[] ActBatch(ReadOnlySpan<float> observations, Random random)
    {
        if (random is null)
        {
            throw new ArgumentNullException(nameof(random));
        }

        var outputs = Evaluate(observations, values: false);
        return Enumerable.Range(0, outputs.Batch).Select(i => ActionChoice.Sample(_model.Distribution, outputs, i, random)).ToArray();
    }

    /// <summary>Deterministic actions for a batch of observations.</summary>
    /// <param name="observations">batch x <see cref="ObservationSize"/> raw floats, row after row.</param>
    /// <returns>One action per observation.</returns>
    /// <exception cref="ArgumentException">The length is not a positive multiple of <see cref="ObservationSize"/>.</exception>
    public PolicyAction[] ActDeterministicBatch(ReadOnlySpan<float> observations)
    {
        var outputs = Evaluate(observations, values: false);
        return Enumerable.Range(0, outputs.Batch).Select(i => ActionChoice.Deterministic(_model.Distribution, outputs, i)).ToArray();
    }

    /// <summary>The critic's values of a batch of observations.</summary>
    /// <param name="observations">batch x <see cref="ObservationSize"/> raw floats, row after row.</param>
    /// <returns>One value per observation.</returns>
    /// <exception cref="ArgumentException">The length is not a positive multiple of <see cref="ObservationSize"/>.</exception>
    public float[] Values(ReadOnlySpan<float> observations) => Evaluate(observations).Values;

    /// <summary>The distribution parameters (logits, or mean and std) and values of a batch of observations.</summary>
    /// <param name="observations">batch x <see cref="ObservationSize"/> raw floats, row after row (one observation is a batch of 1).</param>
    /// <returns>What the graph's outputs hold, row-major.</returns>
    /// <exception cref="ArgumentException">The length is not a positive multiple of <see cref="ObservationSize"/>.</exception>
    public PolicyOutputs Evaluate(ReadOnlySpan<float> observations) => Evaluate(observations, values: true);

    /// <summary>
    /// <see cref="Evaluate(ReadOnlySpan{float})"/> into the caller's buffers, allocating nothing once the
    /// policy has seen a batch this large: for a game loop's every frame.
    /// </summary>
    /// <param name="observations">batch x <see cref="ObservationSize"/> raw floats, row after row.</param>
    /// <param name="actor">batch x <see cref="ActorSize"/>: the logits, or the Box's mean.</param>
    /// <param name="std">Box: batch x dims for the std; empty to skip (and for integer spaces).</param>
    /// <param name="values">batch values; empty to skip.</param>
    /// <exception cref="ArgumentException">A length does not fit the batch.</exception>
    public void Evaluate(ReadOnlySpan<float> observations, Span<float> actor, Span<float> std, Span<float> values)
    {
        var batch = BatchOf(observations);
        Require(actor.Length == batch * ActorSize, nameof(actor), $"{batch * ActorSize} floats (batch {batch} x {ActorSize})", actor.Length);
        Require(std.IsEmpty || (ActionKind == ActionKind.Box && std.Length == batch * ActorSize), nameof(std), ActionKind == ActionKind.Box ? $"{batch * ActorSize} floats or none" : "none (the actions are not Box)", std.Length);
        Require(values.IsEmpty || values.Length == batch, nameof(values), $"{batch} floats or none", values.Length);
        _network.Forward(observations, batch, actor, std, values);
    }

    /// <summary>Evaluate for callers that cannot pass a span: reflection (the tests run the netstandard2.1 build this way).</summary>
    internal PolicyOutputs EvaluateArray(float[] observations) => Evaluate(observations, values: true);

    private PolicyOutputs Evaluate(ReadOnlySpan<float> observations, bool values)
    {
        var batch = BatchOf(observations);
        var actor = new float[batch * ActorSize];
        var box = ActionKind == ActionKind.Box;
        var std = box ? new float[actor.Length] : Array.Empty<float>();
        var value = values ? new float[batch] : Array.Empty<float>();
        _network.Forward(observations, batch, actor, std, value);
        return box
            ? new PolicyOutputs(batch, Array.Empty<float>(), actor, std, value)
            : new PolicyOutputs(batch, actor, Array.Empty<float>(), Array.Empty<float>(), value);
    }

    private ReadOnlySpan<float> Single(ReadOnlySpan<float> observation)
    {
        if (observation.Length != ObservationSize)
        {
            throw new ArgumentException($"the observation has {observation.Length} floats; {Env}'s policy reads {ObservationSize} (shape [{string.Join(", ", ObservationShape)}]).", nameof(observation));
        }

        return observation;
    }

    private static int Row(PolicyOutputs outputs, int row)
    {
        if (outputs is null)
        {
            throw new ArgumentNullException(nameof(outputs));
        }

        return row >= 0 && row < outputs.Batch
            ? row
            : throw new ArgumentOutOfRangeException(nameof(row), row, $"the outputs hold rows 0 to {outputs.Batch - 1}.");
    }

    private int BatchOf(ReadOnlySpan<float> observations)
    {
        if (observations.Length == 0 || observations.Length % ObservationSize != 0)
        {
            throw new ArgumentException($"the observations hold {observations.Length} floats; {Env}'s policy reads a positive multiple of {ObservationSize} (batch x shape [{string.Join(", ", ObservationShape)}]).", nameof(observations));
        }

        return observations.Length / ObservationSize;
    }

    private static void Require(bool holds, string name, string expected, int actual)
    {
        if (!holds)
        {
            throw new ArgumentException($"{name} holds {actual} floats; expected {expected}.", name);
        }
    }
}
