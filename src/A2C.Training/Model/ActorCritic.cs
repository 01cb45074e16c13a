using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace A2C.Training;

/// <summary>Whether actor and critic share a trunk (the seed preset) or have their own (Stable-Baselines3).</summary>
public enum NetKind
{
    /// <summary>One trunk, an actor head and a critic head.</summary>
    Shared,

    /// <summary>Separate pi and vf networks of the same architecture.</summary>
    Separate,
}

/// <summary>Hidden-layer activation.</summary>
public enum Activation
{
    /// <summary>tanh, Stable-Baselines3's default for A2C.</summary>
    Tanh,

    /// <summary>ReLU.</summary>
    Relu,
}

/// <summary>
/// Actor-critic network: a features extractor when the spec has an encoding (one-hot, NatureCNN; see
/// <see cref="ObservationEncoding"/>), then MLPs. <see cref="Evaluate"/> maps observations [batch, obs] to the actor's output
/// (logits [batch, actions], or Gaussian means [batch, dims]) and state values [batch]. Its
/// parameters are views into one flat vector (<see cref="Flat"/>), laid out as
/// <see cref="ParameterLayout"/> says: actor trunk, critic trunk, actor head, critic head, log std
/// (with gSDE a [latent, dims] or [latent, 1] matrix, row-major; <see cref="EvaluateWithLatent"/>
/// also returns the latent features it multiplies), then the features extractor's layers.
/// </summary>
public sealed class ActorCritic : nn.Module
{
    private readonly FeaturesExtractor? _features;
    private readonly Sequential _trunk;
    private readonly Sequential? _valueTrunk;
    private readonly Linear _actorHead;
    private readonly Linear _criticHead;
    private static readonly object _weightsGate = new();

    /// <summary>The module's name, after checking that libtorch loads: before the base constructor touches TorchSharp, so a missing libstdc++ is reported as such.</summary>
    private static string NameOnceTorchLoads()
    {
        A2C.Training.TorchRuntime.EnsureLoadable();
        return nameof(ActorCritic);
    }

    /// <summary>
    /// The network of <paramref name="spec"/> with the initial weights that <c>torch.manual_seed(seed)</c>
    /// gives, drawn while no other construction in this process draws (a trainer's, or another thread's).
    /// </summary>
    /// <param name="spec">The architecture.</param>
    /// <param name="seed">Seed of torch's global generator for the draws.</param>
    /// <param name="device">Where the parameters live (the CPU when null).</param>
    /// <returns>The network.</returns>
    public static ActorCritic Seeded(PolicySpec spec, long seed, Device? device = null)
    {
        lock (_weightsGate)
        {
            manual_seed(seed);
            return new ActorCritic(spec, device);
        }
    }

    /// <summary>Builds the network described by <paramref name="spec"/>; for reproducible weights use <see cref="Seeded"/>, which seeds and draws in one step.</summary>
    /// <param name="spec">The architecture.</param>
    /// <param name="device">Where the parameters live (the CPU when null).</param>
    public ActorCritic(PolicySpec spec, Device? device = null)
        : base(NameOnceTorchLoads())
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.UseSde && !spec.Continuous)
        {
            throw new ArgumentException("gSDE (use_sde) needs Box actions; this policy's actions are discrete.", nameof(spec));
        }

        // Every construction in the process draws from torch's one global generator: one at a time,
        // so a seeded model's weights cannot take draws another thread asked for.
        lock (_weightsGate)
        {
            Spec = spec;
            _features = spec.Encoding is { } encoding ? new FeaturesExtractor(encoding) : null;
            _trunk = Mlp(spec, "pi");
            _valueTrunk = spec.Net == NetKind.Separate ? Mlp(spec, "vf") : null;
            var hidden = spec.LatentSize;
            _actorHead = nn.Linear(hidden, spec.ActionCount);
            _criticHead = nn.Linear(hidden, 1);
            if (spec.OrthoInit)
            {
                InitializeOrthogonal();
            }

            // The layers are initialized as they would be on their own (same draws from the seeded
            // global generator), then their values move into the flat vector.
            var offset = 0;
            DenseSlot Slot(Linear layer)
            {
                var (outputs, inputs) = ((int)layer.weight!.shape[0], (int)layer.weight.shape[1]);
                var slot = new DenseSlot(inputs, outputs, offset, offset + inputs * outputs);
                offset += inputs * outputs + outputs;
                return slot;
            }

            var policyLayers = _trunk.children().OfType<Linear>().ToList();
            var valueLayers = _valueTrunk?.children().OfType<Linear>().ToList() ?? [];
            var policySlots = policyLayers.Select(Slot).ToList();
            var valueSlots = valueLayers.Select(Slot).ToList();
            var actorSlot = Slot(_actorHead);
            var criticSlot = Slot(_criticHead);
            var logStdOffset = spec.Continuous ? offset : -1;
            var count = offset + (spec.Continuous ? (int)spec.LogStdShape.Aggregate(1L, (size, d) => size * d) : 0);
            // The features extractor's convolutions come last, so the MLP's layout is the same with or without them.
            var extractorTensors = (_features?.Layers() ?? []).SelectMany(m => m.parameters(recurse: false)).ToList();
            var extractorOffset = count;
            count += (int)extractorTensors.Sum(p => p.numel());
            Flat = FlatParameters.Allocate(new ParameterLayout(policySlots, valueSlots, _valueTrunk is not null, actorSlot, criticSlot, logStdOffset, count), device ?? CPU);
            foreach (var (layer, slot) in policyLayers.Zip(policySlots).Concat(valueLayers.Zip(valueSlots)).Append((_actorHead, actorSlot)).Append((_criticHead, criticSlot)))
            {
                layer.weight = Flat.Bind(slot.Weight, layer.weight!);
                layer.bias = Flat.Bind(slot.Bias, layer.bias!);
            }

            foreach (var layer in _features?.Layers() ?? [])
            {
                switch (layer)
                {
                    case Conv2d conv:
                        conv.weight = Flat.Bind(extractorOffset, conv.weight!);
                        extractorOffset += (int)conv.weight.numel();
                        conv.bias = Flat.Bind(extractorOffset, conv.bias!);
                        extractorOffset += (int)conv.bias.numel();
                        break;
                    case Linear linear:
                        linear.weight = Flat.Bind(extractorOffset, linear.weight!);
                        extractorOffset += (int)linear.weight.numel();
                        linear.bias = Flat.Bind(extractorOffset, linear.bias!);
                        extractorOffset += (int)linear.bias.numel();
                        break;
                }
            }

            if (spec.Continuous)
            {
                using var initial = full(spec.LogStdShape, spec.LogStdInit);
                LogStd = Flat.Bind(logStdOffset, initial);
            }

            RegisterComponents();
        }
    }

    /// <summary>Every parameter in one vector, and every gradient in another.</summary>
    public FlatParameters Flat { get; }

    /// <summary>The architecture.</summary>
    public PolicySpec Spec { get; }

    /// <summary>Log standard deviation of the Gaussian policy: state-independent [dims], or gSDE's [latent, dims] / [latent, 1] (null for discrete actions).</summary>
    public Parameter? LogStd { get; }

    /// <summary>Actor output and state values for a batch of observations.</summary>
    /// <param name="observations">[batch, ObservationSize].</param>
    /// <returns>(logits or means [batch, ActionCount], values [batch]).</returns>
    public (Tensor Actor, Tensor Values) Evaluate(Tensor observations)
    {
        var (actor, values, _) = EvaluateWithLatent(observations);
        return (actor, values);
    }

    /// <summary>As <see cref="Evaluate"/>, with the policy's last hidden features, gSDE's latent.</summary>
    /// <param name="observations">[batch, ObservationSize].</param>
    /// <returns>(logits or means [batch, ActionCount], values [batch], latent [batch, LatentSize]).</returns>
    public (Tensor Actor, Tensor Values, Tensor Latent) EvaluateWithLatent(Tensor observations)
    {
        var input = _features is null ? observations : _features.forward(observations);
        var features = _trunk.forward(input);
        var valueFeatures = _valueTrunk is null ? features : _valueTrunk.forward(input);
        return (_actorHead.forward(features), _criticHead.forward(valueFeatures).squeeze(-1), features);
    }

    /// <summary>State values only (for bootstrapping).</summary>
    /// <param name="observations">[batch, ObservationSize].</param>
    /// <returns>[batch].</returns>
    public Tensor Value(Tensor observations)
    {
        var input = _features is null ? observations : _features.forward(observations);
        var features = (_valueTrunk ?? _trunk).forward(input);
        return _criticHead.forward(features).squeeze(-1);
    }

    /// <summary>Number of trainable parameters.</summary>
    /// <returns>The count.</returns>
    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// <summary>Releases the layers and the flat vectors.</summary>
    /// <param name="disposing">Whether called from <see cref="IDisposable.Dispose"/>.</param>
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Flat.Dispose();
        }
    }

    private static Sequential Mlp(PolicySpec spec, string prefix)
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        var width = spec.FeatureSize;
        for (var i = 0; i < spec.NetArch.Count; i++)
        {
            layers.Add(($"{prefix}_linear{i}", nn.Linear(width, spec.NetArch[i])));
            layers.Add(($"{prefix}_act{i}", spec.Activation == Activation.Tanh ? nn.Tanh() : nn.ReLU()));
            width = spec.NetArch[i];
        }

        return nn.Sequential(layers);
    }

    private void InitializeOrthogonal()
    {
        using var _ = no_grad();
        foreach (var trunk in new[] { _trunk, _valueTrunk })
        {
            if (trunk is null)
            {
                continue;
            }

            foreach (var layer in trunk.children().OfType<Linear>())
            {
                nn.init.orthogonal_(layer.weight!, Math.Sqrt(2));
                nn.init.zeros_(layer.bias!);
            }
        }

        foreach (var layer in _features?.Layers() ?? [])
        {
            var (weight, bias) = layer switch
            {
                Conv2d c => (c.weight!, c.bias!),
                Linear l => (l.weight!, l.bias!),
                _ => throw new InvalidOperationException($"unexpected layer {layer.GetName()}"),
            };
            nn.init.orthogonal_(weight, Math.Sqrt(2));
            nn.init.zeros_(bias);
        }

        nn.init.orthogonal_(_actorHead.weight!, 0.01);
        nn.init.zeros_(_actorHead.bias!);
        nn.init.orthogonal_(_criticHead.weight!, 1.0);
        nn.init.zeros_(_criticHead.bias!);
    }
}
