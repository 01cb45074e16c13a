using System.CommandLine;
using A2C.Training;

namespace A2C.Cli;

/// <summary>
/// The command-line option of one row of <see cref="Hyperparameters"/>: spelled and typed as the
/// row says (numbers and flags parsed by System.CommandLine, the rest by the row), described with
/// its default, and with an enum-like row's values in <c>--help</c> and shell completion.
/// </summary>
internal sealed class HyperparameterOption
{
    /// <summary>The option of <paramref name="row"/>; <paramref name="description"/> replaces the row's help and default.</summary>
    public HyperparameterOption(Hyperparameter row, string? description = null)
    {
        Row = row;
        Option = row.CliType switch
        {
            var t when t == typeof(int) => new Option<int?>(row.Cli),
            var t when t == typeof(long) => new Option<long?>(row.Cli),
            var t when t == typeof(float) => new Option<float?>(row.Cli),
            var t when t == typeof(double) => new Option<double?>(row.Cli),
            var t when t == typeof(bool) => new Option<bool?>(row.Cli),
            _ => new Option<string?>(row.Cli),
        };
        Option.Description = description ?? $"{row.Help} [{row.Name}; default: {row.FormatValue(row.Default)}]";
        if (row.Choices is { } choices)
        {
            Option.HelpName = string.Join("|", choices);
            Option.CompletionSources.Add([.. choices]);
        }
    }

    /// <summary>The row.</summary>
    public Hyperparameter Row { get; }

    /// <summary>The System.CommandLine option.</summary>
    public Option Option { get; }

    /// <summary>One option per row of <see cref="Hyperparameters.All"/>, in its order.</summary>
    public static IReadOnlyList<HyperparameterOption> ForAll(Func<Hyperparameter, string?>? description = null) =>
        Hyperparameters.All.Select(row => new HyperparameterOption(row, description?.Invoke(row))).ToList();

    /// <summary>Whether the command line gives this option.</summary>
    public bool IsGiven(ParseResult parse) => parse.GetResult(Option) is not null;

    /// <summary>
    /// <paramref name="options"/> with the value the command line gives, or unchanged when it gives
    /// none; a text the row cannot read adds an error naming the option ("--net is 'wide'; allowed: shared, separate.").
    /// </summary>
    public A2COptions Apply(A2COptions options, ParseResult parse, List<string> errors)
    {
        object? value = Option switch
        {
            Option<int?> o => parse.GetValue(o),
            Option<long?> o => parse.GetValue(o),
            Option<float?> o => parse.GetValue(o),
            Option<double?> o => parse.GetValue(o),
            Option<bool?> o => parse.GetValue(o),
            Option<string?> o => parse.GetValue(o),
            _ => null,
        };
        if (value is string text)
        {
            try
            {
                value = Row.ParseValue(text);
            }
            catch (HyperparameterFormatException e)
            {
                errors.Add(e.Describe(Row.Cli));
                return options;
            }
        }

        return value is null ? options : Row.SetValue(options, value);
    }
}
