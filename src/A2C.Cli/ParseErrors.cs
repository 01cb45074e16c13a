using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;

namespace A2C.Cli;

/// <summary>
/// Parse problems in this program's words, found from the parse's structure (its tokens, the
/// commands' options and their arity), never by reading System.CommandLine's English messages:
/// those change between versions and languages. A message of the parser's is passed on only for
/// a problem this class has no words for (a missing value, a required option).
/// </summary>
internal static class ParseErrors
{
    /// <summary>One line per problem in <paramref name="parsed"/>, without the command's name; empty when it has none.</summary>
    /// <remarks>
    /// A repeated single-value option is a problem even where the parser sees none (a flag given
    /// twice), so this is asked of every parse, not only of one that failed.
    /// </remarks>
    public static List<string> Describe(ParseResult parsed)
    {
        var problems = new List<string>();
        var repeated = Repeated(parsed, problems);
        var explained = Unmatched(parsed, problems) | RequiredCommand(parsed, problems);
        foreach (var error in parsed.Errors)
        {
            var option = error.SymbolResult switch
            {
                OptionResult o => o,
                ArgumentResult { Parent: OptionResult o } => o,
                _ => null,
            };
            if (option is not null)
            {
                if (!repeated.Contains(option.Option))
                {
                    problems.Add(option.Tokens.Count > 0 ? ValueProblem(option) : error.Message);
                }
            }
            else if (error.SymbolResult is not CommandResult || !explained)
            {
                // A command's own errors are its stray tokens and its missing subcommand, told above.
                problems.Add(error.Message);
            }
        }

        return problems.Distinct().ToList();
    }

    /// <summary>"a2c env trace" for the command <paramref name="result"/> names.</summary>
    public static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is CommandResult command; r = r.Parent)
        {
            names.Insert(0, command.Parent is null ? "a2c" : command.Command.Name);
        }

        return string.Join(' ', names);
    }

    /// <summary>Adds "--x is given twice ('1', '2'); give it once." for each single-value option given more than once; returns those options.</summary>
    private static HashSet<Option> Repeated(ParseResult parsed, List<string> problems)
    {
        var repeated = new HashSet<Option>();
        foreach (var option in OptionResults(parsed))
        {
            if (option.IdentifierTokenCount < 2 || option.Option.Arity.MaximumNumberOfValues != 1)
            {
                continue;
            }

            repeated.Add(option.Option);
            var values = Occurrences(parsed, option);
            var times = option.IdentifierTokenCount == 2 ? "twice" : $"{option.IdentifierTokenCount.ToString(CultureInfo.InvariantCulture)} times";
            // A flag given bare has no value to show; then the count alone says it.
            var shown = values.All(v => v.Count == 1) ? $" ({string.Join(", ", values.Select(v => $"'{v[0]}'"))})" : string.Empty;
            problems.Add($"{option.Option.Name} is given {times}{shown}; give it once.");
        }

        return repeated;
    }

    /// <summary>The values given at each occurrence of <paramref name="option"/>, in order.</summary>
    private static List<List<string>> Occurrences(ParseResult parsed, OptionResult option)
    {
        var mine = new HashSet<Token>(option.Tokens, ReferenceEqualityComparer.Instance);
        var occurrences = new List<List<string>>();
        foreach (var token in parsed.Tokens)
        {
            if (token.Type == TokenType.Option && Names(option.Option).Contains(token.Value))
            {
                occurrences.Add([]);
            }
            else if (occurrences.Count > 0 && mine.Contains(token))
            {
                occurrences[^1].Add(token.Value);
            }
        }

        return occurrences;
    }

    /// <summary>Describes each token no option or argument took; returns whether there was one.</summary>
    private static bool Unmatched(ParseResult parsed, List<string> problems)
    {
        var command = parsed.CommandResult;
        if (!command.Command.TreatUnmatchedTokensAsErrors)
        {
            // Its stray tokens are the command's to read (a2c sweep passes them on to a2c train).
            return false;
        }

        var taken = new HashSet<Token>(ReferenceEqualityComparer.Instance);
        var arguments = new HashSet<Token>(ReferenceEqualityComparer.Instance);
        foreach (var result in Descendants(parsed.RootCommandResult))
        {
            if (result is OptionResult or ArgumentResult)
            {
                taken.UnionWith(result.Tokens);
            }

            if (result is ArgumentResult { Parent: CommandResult })
            {
                arguments.UnionWith(result.Tokens);
            }
        }

        var tokens = parsed.Tokens;
        var any = false;
        var afterDoubleDash = false;
        for (var i = 0; i < tokens.Count; i++)
        {
            afterDoubleDash |= tokens[i].Type == TokenType.DoubleDash;
            // A command's argument that takes any text (a2c plot's RUN_DIRs) takes "--typo" too;
            // an option's shape there is a mistyped option, unless it follows "--".
            var typo = arguments.Contains(tokens[i]) && !afterDoubleDash && LooksLikeOption(tokens[i].Value);
            if (tokens[i].Type != TokenType.Argument || (taken.Contains(tokens[i]) && !typo))
            {
                continue;
            }

            any = true;
            var text = tokens[i].Value;
            var previous = i > 0 ? tokens[i - 1] : null;
            if (LooksLikeOption(text))
            {
                problems.Add($"unknown option '{text.Split('=', 2)[0]}' ({CommandPath(command)} --help lists the options).");
            }
            else if (previous is { Type: TokenType.Argument } && !taken.Contains(previous) && LooksLikeOption(previous.Value) && !previous.Value.Contains('=', StringComparison.Ordinal))
            {
                // The value of an unknown option, which the line before names.
            }
            else if (previous is { Type: TokenType.Option } && OptionNamed(parsed, previous.Value) is { } flag && IsFlag(flag.Option))
            {
                // A flag takes an optional value, so one that is not true or false is left over.
                problems.Add($"{flag.Option.Name} is '{text}'; expected true or false.");
            }
            else if (command.Command.Subcommands.Count > 0)
            {
                problems.Add($"'{text}' is not a command; allowed: {SubcommandNames(command)}.");
            }
            else
            {
                problems.Add($"unexpected argument '{text}'.");
            }
        }

        return any;
    }

    /// <summary>Adds "a command is required: ..." when the command only groups others and none was named; returns whether it did.</summary>
    private static bool RequiredCommand(ParseResult parsed, List<string> problems)
    {
        var command = parsed.CommandResult;
        // Without a parse error, what runs is not the group but --help or --version.
        if (command.Command.Subcommands.Count == 0 || command.Command.Action is not null || parsed.UnmatchedTokens.Count > 0 || parsed.Action is not ParseErrorAction)
        {
            return false;
        }

        problems.Add($"a command is required: {SubcommandNames(command)} ({CommandPath(command)} --help describes them).");
        return true;
    }

    /// <summary>"--gamma is 'high'; expected a number."</summary>
    private static string ValueProblem(OptionResult option)
    {
        var text = string.Join(' ', option.Tokens.Select(t => t.Value));
        return $"{option.Option.Name} is '{text}'; expected {ValueKind(option.Option.ValueType, text)}.";
    }

    private static string ValueKind(Type type, string text)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var whole = long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
            || System.Numerics.BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
        return type switch
        {
            _ when type == typeof(int) => whole ? $"a whole number from {int.MinValue} to {int.MaxValue}" : "a whole number",
            _ when type == typeof(long) => whole ? $"a whole number from {long.MinValue} to {long.MaxValue}" : "a whole number",
            _ when type == typeof(float) || type == typeof(double) => "a number",
            _ when type == typeof(bool) => "true or false",
            _ => "a value of type " + type.Name,
        };
    }

    /// <summary>"--x", "--x=1" or "-x": an option's shape, as opposed to a value such as "-1" or a word.</summary>
    private static bool LooksLikeOption(string text) =>
        text.StartsWith("--", StringComparison.Ordinal) || (text.Length > 1 && text[0] == '-' && char.IsLetter(text[1]));

    private static bool IsFlag(Option option) => (Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType) == typeof(bool);

    private static IEnumerable<string> Names(Option option) => option.Aliases.Prepend(option.Name);

    private static OptionResult? OptionNamed(ParseResult parsed, string name) =>
        OptionResults(parsed).FirstOrDefault(o => Names(o.Option).Contains(name));

    /// <summary>The options given to the chosen command and to the commands above it.</summary>
    private static IEnumerable<OptionResult> OptionResults(ParseResult parsed)
    {
        for (SymbolResult? r = parsed.CommandResult; r is CommandResult command; r = r.Parent)
        {
            foreach (var option in command.Children.OfType<OptionResult>())
            {
                yield return option;
            }
        }
    }

    private static IEnumerable<SymbolResult> Descendants(SymbolResult result)
    {
        yield return result;
        if (result is CommandResult command)
        {
            foreach (var child in command.Children.SelectMany(Descendants))
            {
                yield return child;
            }
        }
    }

    private static string SubcommandNames(CommandResult command) => string.Join(", ", command.Command.Subcommands.Select(c => c.Name));
}
