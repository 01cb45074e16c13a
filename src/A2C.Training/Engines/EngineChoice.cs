using static TorchSharp.torch;

namespace A2C.Training;

/// <summary>The one place where an <see cref="Engine"/> option becomes an engine.</summary>
public static class EngineChoice
{
    /// <summary>Why the .NET engine refuses a gSDE policy.</summary>
    internal const string NoSdeMessage = "engine dotnet does not do gSDE (use_sde); use engine torch (auto picks it).";

    /// <summary>
    /// The engine that <paramref name="requested"/> means on <paramref name="device"/> for <paramref name="spec"/>:
    /// <see cref="Engine.Auto"/> is .NET on the CPU for what the .NET engine computes, TorchSharp otherwise
    /// (another device, or a policy only TorchSharp runs, such as a CNN).
    /// </summary>
    /// <param name="requested">The option's value.</param>
    /// <param name="device">Where the model lives.</param>
    /// <param name="spec">The policy, when known.</param>
    /// <returns><see cref="Engine.DotNet"/> or <see cref="Engine.Torch"/>.</returns>
    /// <exception cref="ArgumentException">The .NET engine was asked for on a device other than the CPU, or for a policy it does not compute.</exception>
    public static Engine Resolve(Engine requested, Device device, PolicySpec? spec = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        var cpu = device.type == TorchSharp.DeviceType.CPU;
        var torchOnly = spec?.TorchOnlyReason;
        return requested switch
        {
            Engine.Auto => cpu && torchOnly is null ? Engine.DotNet : Engine.Torch,
            Engine.DotNet when !cpu => throw new ArgumentException($"engine dotnet runs on the CPU only; the model is on {device}. Use engine torch.", nameof(requested)),
            Engine.DotNet when torchOnly is not null => throw new ArgumentException($"engine dotnet does not compute {torchOnly}; use --engine torch (or auto, which picks it).", nameof(requested)),
            _ => requested,
        };
    }

    /// <summary>The engine for <paramref name="model"/>, whose tensors live on <paramref name="device"/>; the .NET engine computes on <paramref name="threads"/> threads.</summary>
    /// <exception cref="ArgumentException">The .NET engine was asked for on a device other than the CPU, or with gSDE.</exception>
    internal static IEngine Create(Engine requested, ActorCritic model, Device device, int threads = 1)
    {
        // Parameters in .NET memory are on the CPU whatever device was named.
        return Resolve(requested, model.Flat.Host is null ? device : CPU, model.Spec) == Engine.DotNet
            ? new DotNetEngine(model, threads)
            : new TorchEngine(model, device);
    }
}
