using System.Reflection;
using A2C.Envs.Spaces;
using A2C.Training.Onnx;
using Google.Protobuf;

namespace A2C.Training;

/// <summary>A graph input or output: its name and dimensions (<c>batch</c> for the symbolic batch).</summary>
/// <param name="Name">The value's name (<c>obs</c>, <c>logits</c>, <c>mean</c>, <c>std</c>, <c>value</c>).</param>
/// <param name="Shape">Its dimensions, e.g. <c>["batch", "4"]</c>.</param>
public sealed record OnnxValue(string Name, IReadOnlyList<string> Shape)
{
    /// <inheritdoc />
    public override string ToString() => $"{Name} [{string.Join(", ", Shape)}]";
}

/// <summary>An exported policy: the ONNX file's bytes and what its graph takes and gives.</summary>
/// <param name="Bytes">The serialized ModelProto.</param>
/// <param name="Inputs">The graph's inputs (one: <c>obs</c>).</param>
/// <param name="Outputs">The graph's outputs, in order.</param>
/// <param name="Ops">Every ONNX op type the graph uses.</param>
/// <param name="Description">The <c>a2c.policy</c> JSON A2C.Policy reads.</param>
public sealed record ExportedPolicy(byte[] Bytes, IReadOnlyList<OnnxValue> Inputs, IReadOnlyList<OnnxValue> Outputs, IReadOnlyList<string> Ops, string Description);

/// <summary>
/// Exports a trained policy as one ONNX file (docs/export.md): a graph that ONNX Runtime runs
/// (input <c>obs</c>, raw float32 observations [batch, ...]; outputs <c>logits</c>, or <c>mean</c>
/// and <c>std</c>, and <c>value</c>), with the run's observation normalization folded in, and a
/// description of the same weights for A2C.Policy in the model's metadata. Every policy the trainer
/// builds is covered (MLP shared or separate, NatureCNN images, one-hot integers, Dict observations,
/// every action distribution including gSDE); a part the exporter does not know is a
/// <see cref="NotSupportedException"/> naming it, never a graph that computes something else.
/// </summary>
public static class OnnxExport
{
    /// <summary>The ONNX IR version written (ONNX 1.8 and later read it).</summary>
    public const long IrVersion = 8;

    /// <summary>The ONNX operator set the graph uses.</summary>
    public const long Opset = 17;

    /// <summary>The version of the <c>a2c.policy</c> description (metadata <c>a2c.format</c>).</summary>
    public const int FormatVersion = 1;

    /// <summary>Exports <paramref name="trainer"/>'s model, spaces, normalization and env id to <paramref name="path"/>.</summary>
    /// <param name="trainer">A trained (or loaded) trainer.</param>
    /// <param name="path">The .onnx file to write, atomically.</param>
    /// <returns>What was written.</returns>
    /// <exception cref="IOException">The file cannot be written; nothing is left half-written.</exception>
    /// <exception cref="NotSupportedException">A part of the policy has no ONNX export; the message names it.</exception>
    public static ExportedPolicy Write(Trainer trainer, string path)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return Write(path, trainer.Agent.Model, trainer.Env.SingleObservationSpace, trainer.Env.SingleActionSpace, trainer.Normalizer, trainer.Options.Env);
    }

    /// <summary>Builds the ONNX file of <paramref name="trainer"/>'s model, spaces, normalization and env id in memory.</summary>
    /// <param name="trainer">A trained (or loaded) trainer.</param>
    /// <returns>The file's bytes and what its graph takes and gives.</returns>
    /// <exception cref="NotSupportedException">A part of the policy has no ONNX export; the message names it.</exception>
    public static ExportedPolicy Export(Trainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return Export(trainer.Agent.Model, trainer.Env.SingleObservationSpace, trainer.Env.SingleActionSpace, trainer.Normalizer, trainer.Options.Env);
    }

    /// <summary>Exports a model to <paramref name="path"/>, atomically (the old file or the whole new one).</summary>
    /// <param name="path">The .onnx file to write.</param>
    /// <param name="model">The trained network.</param>
    /// <param name="observationSpace">One env's observation space (the model's input).</param>
    /// <param name="actionSpace">One env's action space.</param>
    /// <param name="normalizer">The run's observation statistics, folded into the graph, or null.</param>
    /// <param name="envId">The env's id, recorded in the description.</param>
    /// <returns>What was written.</returns>
    /// <exception cref="IOException">The file cannot be written; nothing is left half-written.</exception>
    /// <exception cref="ArgumentException">The spaces or the normalizer do not fit the model.</exception>
    /// <exception cref="NotSupportedException">A part of the policy has no ONNX export; the message names it.</exception>
    public static ExportedPolicy Write(string path, ActorCritic model, Space observationSpace, Space actionSpace, Normalizer? normalizer, string envId)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var exported = Export(model, observationSpace, actionSpace, normalizer, envId);
        AtomicFile.Write(path, stream => stream.Write(exported.Bytes));
        return exported;
    }

    /// <summary>Builds the ONNX file of a model in memory.</summary>
    /// <param name="model">The trained network.</param>
    /// <param name="observationSpace">One env's observation space (the model's input).</param>
    /// <param name="actionSpace">One env's action space.</param>
    /// <param name="normalizer">The run's observation statistics, folded into the graph, or null.</param>
    /// <param name="envId">The env's id, recorded in the description.</param>
    /// <returns>The file's bytes and what its graph takes and gives.</returns>
    /// <exception cref="ArgumentException">The spaces or the normalizer do not fit the model.</exception>
    /// <exception cref="NotSupportedException">A part of the policy has no ONNX export; the message names it.</exception>
    public static ExportedPolicy Export(ActorCritic model, Space observationSpace, Space actionSpace, Normalizer? normalizer, string envId)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(observationSpace);
        ArgumentNullException.ThrowIfNull(actionSpace);
        ArgumentNullException.ThrowIfNull(envId);
        CheckFits(model.Spec, observationSpace, actionSpace, normalizer);
        var policy = PolicyGraph.Build(model, observationSpace, actionSpace, normalizer, envId);
        var description = policy.Description.ToJsonString();
        var proto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "a2c",
            ProducerVersion = typeof(OnnxExport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0",
            Graph = policy.Graph.Proto,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = Opset });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "a2c.format", Value = FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "a2c.policy", Value = description });
        static OnnxValue Value(ValueInfoProto v) => new(v.Name, v.Type.TensorType.Shape.Dim.Select(d => d.HasDimParam ? d.DimParam : d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList());
        return new ExportedPolicy(proto.ToByteArray(), policy.Graph.Proto.Input.Select(Value).ToList(), policy.Graph.Proto.Output.Select(Value).ToList(), policy.Graph.Ops, description);
    }

    private static void CheckFits(PolicySpec spec, Space observationSpace, Space actionSpace, Normalizer? normalizer)
    {
        if (observationSpace.FlatSize != spec.ObservationSize)
        {
            throw new ArgumentException($"the model reads observations of {spec.ObservationSize} floats; the observation space {observationSpace} has {observationSpace.FlatSize}.", nameof(observationSpace));
        }

        var fits = (spec.Distribution, actionSpace) switch
        {
            (ActionDistribution.Categorical, Discrete d) => d.N == spec.ActionCount,
            (ActionDistribution.Gaussian, Box b) => b.FlatSize == spec.ActionCount,
            (ActionDistribution.MultiCategorical, MultiDiscrete m) => m.Nvec.SequenceEqual(spec.ActionNvec!),
            (ActionDistribution.Bernoulli, MultiBinary mb) => mb.N == spec.ActionCount,
            _ => false,
        };
        if (!fits)
        {
            throw new ArgumentException($"the model's actor gives a {spec.Distribution} over {spec.ActionCount} outputs, which does not fit the action space {actionSpace}.", nameof(actionSpace));
        }

        if (normalizer is not null && normalizer.ObservationStats.Mean.Length != spec.ObservationSize)
        {
            throw new ArgumentException($"the normalizer has statistics of {normalizer.ObservationStats.Mean.Length} observation components; the model reads {spec.ObservationSize}.", nameof(normalizer));
        }
    }
}
