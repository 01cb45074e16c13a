using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace A2C.Training;

/// <summary>A dense layer's place in the flat parameter vector: weight [Out, In] row-major at <paramref name="Weight"/>, bias [Out] at <paramref name="Bias"/>.</summary>
/// <param name="In">Input width.</param>
/// <param name="Out">Output width.</param>
/// <param name="Weight">Offset of the weight matrix.</param>
/// <param name="Bias">Offset of the bias vector.</param>
public readonly record struct DenseSlot(int In, int Out, int Weight, int Bias);

/// <summary>Where every parameter of an <see cref="ActorCritic"/> lives in its flat parameter vector.</summary>
/// <param name="PolicyTrunk">Hidden layers of the actor's trunk (the shared trunk when <paramref name="Separate"/> is false).</param>
/// <param name="ValueTrunk">Hidden layers of the critic's own trunk; empty when the trunk is shared.</param>
/// <param name="Separate">Whether the critic has its own trunk.</param>
/// <param name="ActorHead">Logits or Gaussian means.</param>
/// <param name="CriticHead">State value (one output).</param>
/// <param name="LogStd">Offset of the Gaussian policy's log standard deviations (the last parameters: [dims], or with gSDE [latent, dims] or [latent, 1] row-major, see <see cref="PolicySpec.LogStdShape"/>), or -1 for a categorical policy.</param>
/// <param name="Count">Number of parameters.</param>
public sealed record ParameterLayout(
    IReadOnlyList<DenseSlot> PolicyTrunk,
    IReadOnlyList<DenseSlot> ValueTrunk,
    bool Separate,
    DenseSlot ActorHead,
    DenseSlot CriticHead,
    int LogStd,
    int Count);

/// <summary>
/// All of a model's parameters in one vector, and their gradients in another. The module's own
/// parameters are views into these, so one optimizer step and one gradient-norm clip act on two
/// tensors instead of a dozen, and on the CPU both vectors are .NET arrays
/// (<see cref="Host"/>, <see cref="HostGradients"/>) that the .NET engine reads and writes
/// without copies.
/// </summary>
public sealed class FlatParameters : IDisposable
{
    private FlatParameters(ParameterLayout layout, Parameter all, Tensor gradients, float[]? host, float[]? hostGradients)
    {
        Layout = layout;
        All = all;
        Gradients = gradients;
        Host = host;
        HostGradients = hostGradients;
    }

    /// <summary>Where each layer lives.</summary>
    public ParameterLayout Layout { get; }

    /// <summary>Every parameter, as the one tensor the optimizer steps; its <c>grad</c> is <see cref="Gradients"/>.</summary>
    public Parameter All { get; }

    /// <summary>Every gradient, where autograd accumulates and the .NET engine writes.</summary>
    public Tensor Gradients { get; }

    /// <summary>The parameters' memory on the CPU, or null on another device.</summary>
    public float[]? Host { get; }

    /// <summary>The gradients' memory on the CPU, or null on another device.</summary>
    public float[]? HostGradients { get; }

    /// <summary>Allocates the vectors on <paramref name="device"/> (over .NET arrays on the CPU).</summary>
    internal static FlatParameters Allocate(ParameterLayout layout, Device device)
    {
        Tensor data, gradients;
        float[]? host = null, hostGradients = null;
        if (device.type == DeviceType.CPU)
        {
            host = new float[layout.Count];
            hostGradients = new float[layout.Count];
            data = from_array(host);
            gradients = from_array(hostGradients);
        }
        else
        {
            data = zeros(layout.Count, device: device);
            gradients = zeros(layout.Count, device: device);
        }

        var all = new Parameter(data) { grad = gradients };
        return new FlatParameters(layout, all, gradients, host, hostGradients);
    }

    /// <summary>A parameter over [offset, offset + size of shape), holding <paramref name="initial"/>'s values, whose gradient is the matching slice of <see cref="Gradients"/>.</summary>
    internal Parameter Bind(int offset, Tensor initial)
    {
        var shape = initial.shape;
        var size = initial.numel();
        var view = All.detach().narrow(0, offset, size).view(shape);
        using (no_grad())
        {
            view.copy_(initial);
        }

        return new Parameter(view) { grad = Gradients.narrow(0, offset, size).view(shape) };
    }

    /// <summary>Releases the vectors.</summary>
    public void Dispose()
    {
        All.Dispose();
        Gradients.Dispose();
    }
}
