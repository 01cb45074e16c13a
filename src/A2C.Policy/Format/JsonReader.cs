using System.Globalization;
using System.Text;

namespace A2C.Runtime.Format;

/// <summary>
/// A small JSON reader for the <c>a2c.policy</c> description (netstandard2.1 has no System.Text.Json
/// without packages): objects become <see cref="Dictionary{TKey, TValue}"/> of string to value,
/// arrays <see cref="List{T}"/>, numbers <see cref="double"/>, strings, booleans and null as
/// themselves. Malformed text is an <see cref="InvalidDataException"/> naming the offset.
/// </summary>
internal sealed class JsonReader
{
    private readonly string _text;
    private int _position;

    private JsonReader(string text) => _text = text;

    /// <summary>Parses one JSON value that spans the whole text.</summary>
    /// <exception cref="InvalidDataException">The text is not JSON.</exception>
    public static object? Parse(string text)
    {
        var reader = new JsonReader(text);
        var value = reader.Value();
        reader.SkipSpace();
        if (reader._position != text.Length)
        {
            throw reader.Error("text after the JSON value");
        }

        return value;
    }

    private object? Value()
    {
        SkipSpace();
        if (_position >= _text.Length)
        {
            throw Error("the text ends where a value was expected");
        }

        switch (_text[_position])
        {
            case '{':
                return Object();
            case '[':
                return Array();
            case '"':
                return String();
            case 't':
                return Literal("true", true);
            case 'f':
                return Literal("false", false);
            case 'n':
                return Literal("null", null);
            default:
                return Number();
        }
    }

    private Dictionary<string, object?> Object()
    {
        var members = new Dictionary<string, object?>(StringComparer.Ordinal);
        _position++;
        SkipSpace();
        if (Peek('}'))
        {
            _position++;
            return members;
        }

        while (true)
        {
            SkipSpace();
            if (!Peek('"'))
            {
                throw Error("a member name was expected");
            }

            var name = String();
            SkipSpace();
            Expect(':');
            members[name] = Value();
            SkipSpace();
            if (Peek(','))
            {
                _position++;
                continue;
            }

            Expect('}');
            return members;
        }
    }

    private List<object?> Array()
    {
        var items = new List<object?>();
        _position++;
        SkipSpace();
        if (Peek(']'))
        {
            _position++;
            return items;
        }

        while (true)
        {
            items.Add(Value());
            SkipSpace();
            if (Peek(','))
            {
                _position++;
                continue;
            }

            Expect(']');
            return items;
        }
    }

    private string String()
    {
        _position++;
        var text = new StringBuilder();
        while (_position < _text.Length)
        {
            var c = _text[_position++];
            if (c == '"')
            {
                return text.ToString();
            }

            if (c != '\\')
            {
                text.Append(c);
                continue;
            }

            if (_position >= _text.Length)
            {
                break;
            }

            var escaped = _text[_position++];
            switch (escaped)
            {
                case 'n': text.Append('\n'); break;
                case 't': text.Append('\t'); break;
                case 'r': text.Append('\r'); break;
                case 'b': text.Append('\b'); break;
                case 'f': text.Append('\f'); break;
                case 'u':
                    if (_position + 4 > _text.Length || !int.TryParse(_text.Substring(_position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                    {
                        throw Error("a \\u escape needs four hex digits");
                    }

                    text.Append((char)code);
                    _position += 4;
                    break;
                default: text.Append(escaped); break;
            }
        }

        throw Error("a string is not closed");
    }

    private double Number()
    {
        var start = _position;
        while (_position < _text.Length && "+-0123456789.eE".IndexOf(_text[_position]) >= 0)
        {
            _position++;
        }

        if (!double.TryParse(_text.Substring(start, _position - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            _position = start;
            throw Error("a value was expected");
        }

        return value;
    }

    private object? Literal(string word, object? value)
    {
        if (string.CompareOrdinal(_text, _position, word, 0, word.Length) != 0)
        {
            throw Error("a value was expected");
        }

        _position += word.Length;
        return value;
    }

    private void SkipSpace()
    {
        while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
        {
            _position++;
        }
    }

    private bool Peek(char c) => _position < _text.Length && _text[_position] == c;

    private void Expect(char c)
    {
        if (!Peek(c))
        {
            throw Error($"'{c}' was expected");
        }

        _position++;
    }

    private InvalidDataException Error(string what) => new InvalidDataException($"{what} at character {_position} of the a2c.policy JSON");
}
