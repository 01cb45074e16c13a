using static TorchSharp.torch;

namespace A2C.Training;

/// <summary>The one place where an <see cref="Engine"/> option becomes an engine.</summary>
public static class EngineChoice
{
    /// <summary>Why the .NET engine refuses a gSDE policy.</summary>
    internal const string NoSdeMessage = "engine dotnet does not do gSDE (use_sde); use engine torch (auto picks it).";

    /// <summary>
    /// The engine that <paramref name="requested"/> means on <paramref name="device"/>: <see cref="Engine.Auto"/> is
    /// .NET on the CPU, TorchSharp elsewhere and for gSDE (which only TorchSharp computes).
    /// </summary>
    /// <param name="requested">The option's value.</param>
    /// <param name="device">Where the model lives.</param>
    /// <param name="useSde">Whether the policy uses gSDE.</param>
    /// <returns><see cref="Engine.DotNet"/> or <see cref="Engine.Torch"/>.</returns>
    /// <exception cref="ArgumentException">The .NET engine was asked for on a device other than the CPU, or with gSDE.</exception>
    public static Engine Resolve(Engine requested, Device device, bool useSde = false)
    {
        ArgumentNullException.ThrowIfNull(device);
        var cpu = device.type == TorchSharp.DeviceType.CPU;
        return requested switch
        {
            Engine.Auto => cpu && !useSde ? Engine.DotNet : Engine.Torch,
            Engine.DotNet when !cpu => throw new ArgumentException($"engine dotnet runs on the CPU only; the model is on {device}. Use engine torch.", nameof(requested)),
            Engine.DotNet when useSde => throw new ArgumentException(NoSdeMessage, nameof(requested)),
            _ => requested,
        };
    }

    /// <summary>The engine for <paramref name="model"/>, whose tensors live on <paramref name="device"/>.</summary>
    /// <exception cref="ArgumentException">The .NET engine was asked for on a device other than the CPU, or with gSDE.</exception>
    internal static IEngine Create(Engine requested, ActorCritic model, Device device)
    {
        // Parameters in .NET memory are on the CPU whatever device was named.
        return Resolve(requested, model.Flat.Host is null ? device : CPU, model.Spec.UseSde) == Engine.DotNet
            ? new DotNetEngine(model)
            : new TorchEngine(model, device);
    }
}
