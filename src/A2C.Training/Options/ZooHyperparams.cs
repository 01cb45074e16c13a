using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace A2C.Training;

/// <summary>
/// RL Baselines3 Zoo's hyperparameter files for A2C (hyperparams/a2c.yml): one mapping per env id
/// with SB3's names. Every key is either applied to <see cref="A2COptions"/> or reported by name as
/// unknown or unsupported; none is dropped silently. YAML anchors and merge keys (<c>&lt;&lt;: *x</c>)
/// and tags such as <c>!!float 5e5</c> are understood.
/// </summary>
public static class ZooHyperparams
{
    // Keys RL Zoo knows that this library does not implement, and why.
    private static readonly Dictionary<string, string> _unsupported = new()
    {
        ["env_wrapper"] = "Python env wrappers do not apply to .NET envs",
        ["vec_env_wrapper"] = "Python env wrappers do not apply to .NET envs",
        ["frame_stack"] = "frame stacking is not built",
        ["callback"] = "Python callbacks do not apply",
    };

    /// <summary>Applies the entry for <paramref name="envId"/> in <paramref name="path"/> to <paramref name="options"/>.</summary>
    /// <param name="options">The options so far.</param>
    /// <param name="path">A YAML file in RL Zoo's format.</param>
    /// <param name="envId">The env whose entry to apply.</param>
    /// <param name="errors">Receives one message per problem, naming the file, the env and the key.</param>
    /// <returns>The options with the entry applied (as far as it could be).</returns>
    public static A2COptions Apply(A2COptions options, string path, string envId, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(errors);
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(path))
            {
                stream.Load(reader);
            }

            root = stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode mapping
                ? mapping
                : throw new InvalidDataException("it does not hold a mapping of env ids");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or YamlDotNet.Core.YamlException)
        {
            errors.Add($"--hyperparams: cannot read '{path}': {e.Message}");
            return options;
        }

        if (!root.Children.TryGetValue(new YamlScalarNode(envId), out var entry) || entry is not YamlMappingNode fields)
        {
            var ids = string.Join(", ", root.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value));
            errors.Add($"--hyperparams: '{path}' has no entry for {envId} (it has: {ids}).");
            return options;
        }

        foreach (var (key, value) in Flatten(fields))
        {
            void Problem(string what) => errors.Add($"--hyperparams: {path}, {envId}: {key}: {what}.");
            try
            {
                options = key switch
                {
                    "n_timesteps" => Hyperparameters.TotalTimesteps.Set(options, Hyperparameters.TotalTimesteps.Parse(Text(value))),
                    "policy_kwargs" => PolicyKwargs(options, Text(value)),
                    _ when key == Hyperparameters.EnvKwargs.Name => Hyperparameters.EnvKwargs.Set(options, EnvKwargs(value).ToJsonString()),
                    _ when Hyperparameters.Find(key) is { } option => Apply(options, option, value, envId),
                    _ when _unsupported.TryGetValue(key, out var why) => throw new NotSupportedException(why),
                    _ => throw new KeyNotFoundException("unknown key (not an A2C hyperparameter RL Zoo or this library knows)"),
                };
            }
            catch (Exception e) when (e is FormatException or NotSupportedException or KeyNotFoundException or OverflowException)
            {
                Problem(e is NotSupportedException ? "not supported: " + e.Message : e.Message);
            }
        }

        return options;
    }

    /// <summary>The entry's keys and values, with merge keys (<c>&lt;&lt;</c>) expanded: the entry's own keys win.</summary>
    private static IEnumerable<(string Key, YamlNode Value)> Flatten(YamlMappingNode mapping)
    {
        var merged = new Dictionary<string, YamlNode>();
        var own = new Dictionary<string, YamlNode>();
        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? string.Empty;
            if (key == "<<" && value is YamlMappingNode defaults)
            {
                foreach (var (k, v) in Flatten(defaults))
                {
                    merged[k] = v;
                }
            }
            else
            {
                own[key] = value;
            }
        }

        foreach (var (k, v) in own)
        {
            merged[k] = v;
        }

        return merged.Select(p => (p.Key, p.Value));
    }

    /// <summary>A key that is a row of <see cref="Hyperparameters"/>: its value read by the row's parser.</summary>
    private static A2COptions Apply(A2COptions options, Hyperparameter option, YamlNode value, string envId)
    {
        // A list such as net_arch: [64, 64] reads as the command line's 64,64.
        var text = value is YamlSequenceNode list ? string.Join(",", list.Children.Select(Text)) : Text(value);
        if (option == Hyperparameters.Env && text != envId)
        {
            throw new FormatException($"'{text}' is not this entry's env; the entry for {envId} trains {envId}");
        }

        try
        {
            return option.SetValue(options, option.ParseValue(text));
        }
        catch (HyperparameterFormatException e) when (option == Hyperparameters.Normalize && text.StartsWith('{'))
        {
            throw new FormatException(e.Message + " (VecNormalize arguments as a dict are not supported)", e);
        }
    }

    private static string Text(YamlNode node) =>
        node is YamlScalarNode { Value: { } text } ? text : throw new FormatException("expected a single value");

    /// <summary>RL Zoo writes policy_kwargs as Python, <c>dict(net_arch=[64, 64], ortho_init=False)</c>: the arguments this library has are read, any other is reported.</summary>
    private static A2COptions PolicyKwargs(A2COptions options, string text)
    {
        foreach (var (name, value) in DictArguments(text, string.Empty))
        {
            options = name switch
            {
                _ when name == Hyperparameters.LogStdInit.Name => Hyperparameters.LogStdInit.Set(options, Hyperparameters.LogStdInit.Parse(value)),
                _ when name == Hyperparameters.OrthoInit.Name => Hyperparameters.OrthoInit.Set(options, PythonBool(name, value)),
                _ when name == Hyperparameters.FullStd.Name => Hyperparameters.FullStd.Set(options, PythonBool(name, value)),
                "activation_fn" => Hyperparameters.Activation.Set(options, value.Split('.')[^1] switch
                {
                    "Tanh" => Activation.Tanh,
                    "ReLU" => Activation.Relu,
                    var other => throw new NotSupportedException($"activation_fn {other} (tanh and ReLU are built)"),
                }),
                _ when name == Hyperparameters.NetArch.Name => options with { Net = NetKind.Separate, NetArch = NetArch(value) },
                "features_extractor_kwargs" => FeaturesExtractorKwargs(options, value),
                "optimizer_class" => Hyperparameters.RmsPropTfLike.Set(options, value.Split('.')[^1] switch
                {
                    "RMSpropTFLike" => true,
                    "RMSprop" => false,
                    var other => throw new NotSupportedException($"optimizer_class {other} (RMSprop and RMSpropTFLike are built; use_rms_prop: false picks Adam)"),
                }),
                "optimizer_kwargs" => OptimizerKwargs(options, value),
                _ => throw new NotSupportedException($"policy_kwargs argument {name}"),
            };
        }

        return options;
    }

    /// <summary>RL Zoo's <c>optimizer_kwargs=dict(eps=1e-5)</c>: the optimizer's epsilon.</summary>
    private static A2COptions OptimizerKwargs(A2COptions options, string text)
    {
        foreach (var (name, value) in DictArguments(text, "optimizer_kwargs "))
        {
            options = name == "eps"
                ? Hyperparameters.RmsPropEps.Set(options, Hyperparameters.RmsPropEps.Parse(value))
                : throw new NotSupportedException($"optimizer_kwargs argument {name} (eps is read)");
        }

        return options;
    }

    /// <summary>NatureCNN's <c>dict(features_dim=512)</c>, or the combined extractor's <c>dict(cnn_output_dim=256)</c>: both set <see cref="A2COptions.FeaturesDim"/>.</summary>
    private static A2COptions FeaturesExtractorKwargs(A2COptions options, string text)
    {
        foreach (var (name, value) in DictArguments(text, "features_extractor_kwargs "))
        {
            options = name == Hyperparameters.FeaturesDim.Name || name == "cnn_output_dim"
                ? Hyperparameters.FeaturesDim.Set(options, Hyperparameters.FeaturesDim.Parse(value))
                : throw new NotSupportedException($"features_extractor_kwargs argument {name} (features_dim and cnn_output_dim are read)");
        }

        return options;
    }

    /// <summary>The name=value arguments of Python's <c>dict(name=value, ...)</c>, nested calls kept whole.</summary>
    /// <param name="text">The text.</param>
    /// <param name="what">What it is, for messages ("optimizer_kwargs "), or empty.</param>
    private static IEnumerable<(string Name, string Value)> DictArguments(string text, string what)
    {
        var body = text.Trim();
        if (!body.StartsWith("dict(", StringComparison.Ordinal) || !body.EndsWith(')'))
        {
            throw new FormatException($"{what}'{text}' is not of the form dict(name=value, ...)");
        }

        foreach (var argument in SplitTopLevel(body[5..^1]))
        {
            var equals = argument.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                throw new FormatException($"'{argument}' is not name=value");
            }

            yield return (argument[..equals].Trim(), argument[(equals + 1)..].Trim());
        }
    }

    /// <summary>env_kwargs as a YAML mapping, a JSON object in a string, or as RL Zoo's Python <c>dict(map_name="8x8", is_slippery=False)</c>: a JSON object for <c>gym.make</c>.</summary>
    private static JsonObject EnvKwargs(YamlNode value)
    {
        if (value is YamlScalarNode { Value: { } json } && json.TrimStart().StartsWith('{'))
        {
            // A JSON object in a string, as config.json and --env-kwargs write it.
            return JsonNode.Parse(Hyperparameters.EnvKwargs.Parse(json))!.AsObject();
        }

        var kwargs = new JsonObject();
        var pairs = value is YamlMappingNode mapping
            ? mapping.Children.Select(p => (Text(p.Key), p.Value))
            : DictArguments(Text(value), string.Empty).Select(a => (a.Name, (YamlNode)new YamlScalarNode(a.Value)));
        foreach (var (name, node) in pairs)
        {
            kwargs[name] = PythonLiteral(node);
        }

        return kwargs;
    }

    /// <summary>A YAML or Python literal (True/False, a number, a quoted string, a list of them) as JSON.</summary>
    private static JsonNode? PythonLiteral(YamlNode node)
    {
        if (node is YamlSequenceNode sequence)
        {
            return new JsonArray(sequence.Children.Select(item => PythonLiteral(item)).ToArray());
        }

        var text = Text(node).Trim();
        if (text.StartsWith('[') && text.EndsWith(']'))
        {
            return new JsonArray(SplitTopLevel(text[1..^1]).Where(item => item.Trim().Length > 0).Select(item => PythonLiteral(new YamlScalarNode(item.Trim()))).ToArray());
        }

        return text switch
        {
            "True" or "true" => JsonValue.Create(true),
            "False" or "false" => JsonValue.Create(false),
            _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
            _ when text.Length >= 2 && (text[0] is '"' or '\'') && text[^1] == text[0] => JsonValue.Create(text[1..^1]),
            _ => JsonValue.Create(text),
        };
    }

    private static bool PythonBool(string name, string value) => value switch
    {
        "True" => true,
        "False" => false,
        _ => throw new FormatException($"{name}={value} is not True or False"),
    };

    /// <summary><c>[64, 64]</c>, or <c>dict(pi=[64, 64], vf=[64, 64])</c> with the same sizes for both (separate networks of one shape are what is built).</summary>
    private static int[] NetArch(string value)
    {
        int[] Sizes(string list) =>
            list.Trim().TrimStart('[').TrimEnd(']').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var w) && w > 0 ? w : throw new FormatException($"net_arch {value} is not a list of positive sizes")).ToArray();
        if (value.StartsWith('['))
        {
            return Sizes(value);
        }

        if (value.StartsWith("dict(", StringComparison.Ordinal))
        {
            var parts = SplitTopLevel(value[5..^1]).Select(p => p.Split('=', 2)).ToDictionary(p => p[0].Trim(), p => Sizes(p[1]));
            if (parts.TryGetValue("pi", out var pi) && parts.TryGetValue("vf", out var vf) && pi.SequenceEqual(vf))
            {
                return pi;
            }
        }

        throw new NotSupportedException($"net_arch {value} (only one list of sizes for both networks)");
    }

    /// <summary>Splits at commas that are not inside brackets or parentheses.</summary>
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(' or '[':
                    depth++;
                    break;
                case ')' or ']':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        if (text[start..].Trim().Length > 0)
        {
            yield return text[start..];
        }
    }
}
