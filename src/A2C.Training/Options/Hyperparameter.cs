using System.Text.Json.Nodes;

namespace A2C.Training;

/// <summary>Whether a hyperparameter may differ when a run continues from its checkpoint.</summary>
public enum ResumeRule
{
    /// <summary>The checkpoint's contents (envs, weights, normalizer) depend on it: <see cref="Trainer.Resume"/> refuses any change.</summary>
    Shape,

    /// <summary>The run keeps it (<c>a2c train --resume</c> refuses it); a library caller may change it through <see cref="Trainer.Resume"/>'s configure.</summary>
    Kept,

    /// <summary>May change on resume: the step budget.</summary>
    Free,
}

/// <summary>
/// One row of <see cref="Hyperparameters"/>: an option of <see cref="A2COptions"/> with its names
/// (Stable-Baselines3's and the command line's), its range, its text and JSON forms and its rule on
/// resume. Values are boxed here; <see cref="Hyperparameter{T}"/> has the typed members.
/// </summary>
public abstract class Hyperparameter
{
    private protected Hyperparameter(string name, string cli, string help)
    {
        Name = name;
        Cli = cli;
        Help = help;
    }

    /// <summary>Stable-Baselines3's name, which config.json, RL Zoo files and messages use: <c>n_steps</c>.</summary>
    public string Name { get; }

    /// <summary>The command line's spelling: <c>--n-steps</c>.</summary>
    public string Cli { get; }

    /// <summary>One sentence for <c>--help</c>, without the default.</summary>
    public string Help { get; }

    /// <summary>Whether it may change on resume.</summary>
    /// <value>Default <see cref="ResumeRule.Kept"/>.</value>
    public ResumeRule OnResume { get; internal init; } = ResumeRule.Kept;

    /// <summary>Whether config.json may lack it (runs written before it existed): reading gives the default.</summary>
    /// <value>Default false.</value>
    public bool OptionalInConfig { get; internal init; }

    /// <summary>The type of the value, as <see cref="GetValue"/> returns it.</summary>
    public abstract Type ValueType { get; }

    /// <summary>The type a command-line parser reads (int, long, float, double or bool); string when <see cref="ParseValue"/> reads the text.</summary>
    public abstract Type CliType { get; }

    /// <summary>The allowed values in text form, for enum-like options; null for the others.</summary>
    public abstract IReadOnlyList<string>? Choices { get; }

    /// <summary>The value in <see cref="A2COptions.Defaults"/>.</summary>
    public object Default => GetValue(A2COptions.Defaults);

    /// <summary>The value in <paramref name="options"/>.</summary>
    /// <param name="options">The options.</param>
    /// <returns>The boxed value, of type <see cref="ValueType"/>.</returns>
    public abstract object GetValue(A2COptions options);

    /// <summary>The options with this value changed.</summary>
    /// <param name="options">The options.</param>
    /// <param name="value">A value of type <see cref="ValueType"/>.</param>
    /// <returns>The changed options.</returns>
    public abstract A2COptions SetValue(A2COptions options, object value);

    /// <summary>Reads a value from text, as RL Zoo files and the command line write it.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The boxed value.</returns>
    /// <exception cref="HyperparameterFormatException">The text is not a value of this option.</exception>
    public abstract object ParseValue(string text);

    /// <summary>The text of a value, which <see cref="ParseValue"/> reads back.</summary>
    /// <param name="value">A value of type <see cref="ValueType"/>.</param>
    /// <returns>The text.</returns>
    public abstract string FormatValue(object value);

    /// <summary>The text of the value in <paramref name="options"/>.</summary>
    /// <param name="options">The options.</param>
    /// <returns>The text.</returns>
    public string Format(A2COptions options) => FormatValue(GetValue(options));

    /// <summary>The value in <paramref name="options"/> as config.json stores it.</summary>
    /// <param name="options">The options.</param>
    /// <returns>The JSON value.</returns>
    public abstract JsonNode? ToJson(A2COptions options);

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> hold the same value.</summary>
    /// <param name="a">Options.</param>
    /// <param name="b">Other options.</param>
    /// <returns>True when they agree on this option.</returns>
    public abstract bool Same(A2COptions a, A2COptions b);

    /// <summary>The problem with the value in <paramref name="options"/>, or null when it is in range.</summary>
    /// <param name="options">The options (a range may depend on other options).</param>
    /// <returns>The problem, or null.</returns>
    public abstract OptionProblem? Check(A2COptions options);

    /// <inheritdoc/>
    public override string ToString() => Name;

    /// <summary>Reads this option's field of config.json into <paramref name="options"/>.</summary>
    internal abstract A2COptions ReadJson(A2COptions options, ConfigFields fields);
}

/// <summary>A typed row of <see cref="Hyperparameters"/>.</summary>
/// <typeparam name="T">The type of the option's value.</typeparam>
public sealed class Hyperparameter<T> : Hyperparameter
    where T : notnull
{
    private readonly ValueFormat<T> _format;
    private readonly Func<A2COptions, T> _get;
    private readonly Func<A2COptions, T, A2COptions> _set;

    internal Hyperparameter(string name, string cli, string help, ValueFormat<T> format, Func<A2COptions, T> get, Func<A2COptions, T, A2COptions> set)
        : base(name, cli, help)
    {
        _format = format;
        _get = get;
        _set = set;
    }

    /// <inheritdoc/>
    public override Type ValueType => typeof(T);

    /// <inheritdoc/>
    public override Type CliType => _format.CliType;

    /// <inheritdoc/>
    public override IReadOnlyList<string>? Choices => _format.Choices;

    /// <summary>The allowed values (null: every value of <typeparamref name="T"/>).</summary>
    internal AllowedRange<T>? Range { get; init; }

    /// <summary>The value in <paramref name="options"/>.</summary>
    /// <param name="options">The options.</param>
    /// <returns>The value.</returns>
    public T Get(A2COptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return _get(options);
    }

    /// <summary>The options with this value changed.</summary>
    /// <param name="options">The options.</param>
    /// <param name="value">The new value.</param>
    /// <returns>The changed options.</returns>
    public A2COptions Set(A2COptions options, T value)
    {
        ArgumentNullException.ThrowIfNull(options);
        return _set(options, value);
    }

    /// <summary>Reads a value from text.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The value.</returns>
    /// <exception cref="HyperparameterFormatException">The text is not a value of this option.</exception>
    public T Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _format.Parse(text);
    }

    /// <summary>The text of a value, which <see cref="Parse"/> reads back.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    public string FormatText(T value) => _format.Format(value);

    /// <inheritdoc/>
    public override object GetValue(A2COptions options) => Get(options);

    /// <inheritdoc/>
    public override A2COptions SetValue(A2COptions options, object value) => value is T typed
        ? Set(options, typed)
        : throw new ArgumentException($"{Name} takes a {typeof(T).Name}, not a {value?.GetType().Name ?? "null"}.", nameof(value));

    /// <inheritdoc/>
    public override object ParseValue(string text) => Parse(text);

    /// <inheritdoc/>
    public override string FormatValue(object value) => value is T typed
        ? FormatText(typed)
        : throw new ArgumentException($"{Name} takes a {typeof(T).Name}, not a {value?.GetType().Name ?? "null"}.", nameof(value));

    /// <inheritdoc/>
    public override JsonNode? ToJson(A2COptions options) => _format.Write(Get(options));

    /// <inheritdoc/>
    public override bool Same(A2COptions a, A2COptions b) => _format.Equal(Get(a), Get(b));

    /// <inheritdoc/>
    public override OptionProblem? Check(A2COptions options)
    {
        var value = Get(options);
        return Range is null || Range.Allows(options, value) ? null : new OptionProblem(this, FormatText(value), Range.Describe(options));
    }

    internal override A2COptions ReadJson(A2COptions options, ConfigFields fields) => Set(options, _format.Read(fields, Name));
}

/// <summary>The values an option allows, and how messages say it ("1 to 4096").</summary>
/// <typeparam name="T">The option's type.</typeparam>
/// <param name="Allows">Whether a value is allowed, given the other options.</param>
/// <param name="Describe">The range in words, given the other options.</param>
internal sealed record AllowedRange<T>(Func<A2COptions, T, bool> Allows, Func<A2COptions, string> Describe)
{
    /// <summary>A range that depends on no other option.</summary>
    public AllowedRange(string text, Func<T, bool> allows)
        : this((_, v) => allows(v), _ => text)
    {
    }
}

/// <summary>An option out of its range: "n_envs is 0; allowed: 1 to 4096."</summary>
/// <param name="Option">The option.</param>
/// <param name="Value">The value, as text.</param>
/// <param name="Allowed">The range in words.</param>
public sealed record OptionProblem(Hyperparameter Option, string Value, string Allowed)
{
    /// <summary>The message with the option spelled as <paramref name="spelling"/> (its <see cref="Hyperparameter.Cli"/>, say).</summary>
    /// <param name="spelling">The option's name in the message.</param>
    /// <returns>"<paramref name="spelling"/> is 0; allowed: 1 to 4096."</returns>
    public string Describe(string spelling) => $"{spelling} is {Value}; allowed: {Allowed}.";

    /// <summary>The message with Stable-Baselines3's name.</summary>
    /// <returns>"n_envs is 0; allowed: 1 to 4096."</returns>
    public override string ToString() => Describe(Option.Name);
}

/// <summary>Text that is not a value of a hyperparameter; the message says what was expected.</summary>
public sealed class HyperparameterFormatException : FormatException
{
    private readonly string? _expected;
    private readonly IReadOnlyList<string>? _allowed;

    /// <summary>Text that is wrong in a way <paramref name="message"/> explains (it quotes the text).</summary>
    /// <param name="text">The text.</param>
    /// <param name="message">Why it is not a value.</param>
    public HyperparameterFormatException(string text, string message)
        : base(message) => Text = text;

    private HyperparameterFormatException(string text, string message, string? expected, IReadOnlyList<string>? allowed)
        : base(message)
    {
        Text = text;
        _expected = expected;
        _allowed = allowed;
    }

    /// <summary>Text that is not <paramref name="expected"/>: "'x' is not a number".</summary>
    /// <param name="text">The text.</param>
    /// <param name="expected">What a value looks like ("a number").</param>
    /// <returns>The exception.</returns>
    public static HyperparameterFormatException NotA(string text, string expected) => new(text, $"'{text}' is not {expected}", expected, null);

    /// <summary>Text that is none of <paramref name="allowed"/>: "'x' is not one of shared, separate".</summary>
    /// <param name="text">The text.</param>
    /// <param name="allowed">The allowed values of an enum-like option.</param>
    /// <returns>The exception.</returns>
    public static HyperparameterFormatException NoneOf(string text, IReadOnlyList<string> allowed) =>
        new(text, $"'{text}' is not one of {string.Join(", ", allowed)}", null, allowed);

    /// <summary>The text that did not parse.</summary>
    public string Text { get; }

    /// <summary>The message naming the option: "--net is 'wide'; allowed: shared, separate."</summary>
    /// <param name="option">The option's name as the reader knows it.</param>
    /// <returns>The message.</returns>
    public string Describe(string option) =>
        _allowed is not null ? $"{option} is '{Text}'; allowed: {string.Join(", ", _allowed)}."
        : _expected is not null ? $"{option} is '{Text}'; expected {_expected}."
        : $"{option}: {Message}";
}
