namespace A2C.Envs.Spaces;

/// <summary>
/// Named sub-spaces, as Gymnasium's <c>Dict</c>: one observation of several sensors (an image and a
/// vector, say). Keys are kept in ordinal order, as Gymnasium sorts a mapping's keys; the flat layout is
/// each sub-space's vector in that order. Sub-spaces are Box, Discrete, MultiDiscrete or MultiBinary
/// (no nested Dict, as Stable-Baselines3 takes none).
/// </summary>
public sealed class Dict : Space
{
    private readonly DictEntry[] _entries;

    /// <summary>Creates the space from named sub-spaces.</summary>
    /// <param name="spaces">Key and sub-space pairs; keys distinct and not empty.</param>
    public Dict(params (string Key, Space Space)[] spaces)
        : this(spaces?.Select(s => KeyValuePair.Create(s.Key, s.Space)) ?? throw new ArgumentNullException(nameof(spaces)))
    {
    }

    /// <summary>Creates the space from named sub-spaces.</summary>
    /// <param name="spaces">Key and sub-space pairs; keys distinct and not empty.</param>
    public Dict(IEnumerable<KeyValuePair<string, Space>> spaces)
    {
        ArgumentNullException.ThrowIfNull(spaces);
        var sorted = spaces.OrderBy(s => s.Key, StringComparer.Ordinal).ToList();
        if (sorted.Count == 0)
        {
            throw new ArgumentException("a Dict space needs at least one key.", nameof(spaces));
        }

        var entries = new List<DictEntry>();
        var offset = 0;
        foreach (var (key, space) in sorted)
        {
            if (string.IsNullOrEmpty(key))
            {
                throw new ArgumentException("a Dict space's keys must not be empty.", nameof(spaces));
            }

            if (entries.Count > 0 && entries[^1].Key == key)
            {
                throw new ArgumentException($"the Dict space has the key '{key}' twice.", nameof(spaces));
            }

            if (space is null or Dict)
            {
                throw new ArgumentException($"key '{key}': a Dict's sub-space must be Box, Discrete, MultiDiscrete or MultiBinary; got {space?.ToString() ?? "null"}.", nameof(spaces));
            }

            entries.Add(new DictEntry(key, space, offset));
            offset += space.FlatSize;
        }

        _entries = entries.ToArray();
        FlatSize = offset;
    }

    /// <summary>The keys, in order, with their sub-spaces and where each starts in the flat layout.</summary>
    public IReadOnlyList<DictEntry> Entries => _entries;

    /// <summary>The keys, in order.</summary>
    public IEnumerable<string> Keys => _entries.Select(e => e.Key);

    /// <summary>Gymnasium's Dict has no shape of its own.</summary>
    public override IReadOnlyList<int> Shape => [];

    /// <inheritdoc />
    public override int FlatSize { get; }

    /// <summary>The sub-space under <paramref name="key"/>.</summary>
    /// <param name="key">A key of this space.</param>
    /// <returns>Its sub-space.</returns>
    /// <exception cref="KeyNotFoundException">The key is not one of this space's; the message lists them.</exception>
    public Space this[string key] => Entry(key).Space;

    /// <summary>The entry of <paramref name="key"/>.</summary>
    /// <param name="key">A key of this space.</param>
    /// <returns>The entry.</returns>
    /// <exception cref="KeyNotFoundException">The key is not one of this space's; the message lists them.</exception>
    public DictEntry Entry(string key) =>
        _entries.FirstOrDefault(e => e.Key == key)
        ?? throw new KeyNotFoundException($"{this} has no key '{key}'; its keys are {string.Join(", ", Keys)}.");

    /// <summary>
    /// Writes the flat element of a dictionary of per-key flat vectors, checking that every key is there,
    /// none is extra, and each part has its sub-space's length (not its contents: see <see cref="Space.Violation"/>).
    /// </summary>
    /// <param name="parts">One flat vector per key.</param>
    /// <param name="destination">Of length <see cref="FlatSize"/>.</param>
    /// <exception cref="ArgumentException">A key is missing or unknown, or a part has the wrong length; the message names the key.</exception>
    public void Flatten(IReadOnlyDictionary<string, float[]> parts, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (destination.Length != FlatSize)
        {
            throw new ArgumentException($"destination has length {destination.Length}; {this} holds {FlatSize} values.", nameof(destination));
        }

        foreach (var key in parts.Keys)
        {
            if (_entries.All(e => e.Key != key))
            {
                throw new ArgumentException($"the observation has the key '{key}', which {this} does not have (its keys: {string.Join(", ", Keys)}).", nameof(parts));
            }
        }

        foreach (var entry in _entries)
        {
            if (!parts.TryGetValue(entry.Key, out var part) || part is null)
            {
                throw new ArgumentException($"the observation is missing the key '{entry.Key}' of {this}.", nameof(parts));
            }

            if (part.Length != entry.Space.FlatSize)
            {
                throw new ArgumentException($"key '{entry.Key}': {part.Length} values; its space {entry.Space} holds {entry.Space.FlatSize}.", nameof(parts));
            }

            part.CopyTo(destination.Slice(entry.Offset, part.Length));
        }
    }

    /// <summary>The part of a flat element that belongs to <paramref name="key"/>.</summary>
    /// <param name="flat">A flat element of this space.</param>
    /// <param name="key">A key.</param>
    /// <returns>The slice.</returns>
    public ReadOnlySpan<float> Slice(ReadOnlySpan<float> flat, string key)
    {
        var entry = Entry(key);
        return flat.Slice(entry.Offset, entry.Space.FlatSize);
    }

    /// <inheritdoc />
    public override string ToString() => $"Dict({string.Join(", ", _entries.Select(e => $"'{e.Key}': {e.Space}"))})";

    /// <inheritdoc />
    protected override string? ViolationOfSized(ReadOnlySpan<float> value)
    {
        foreach (var entry in _entries)
        {
            if (entry.Space.Violation(value.Slice(entry.Offset, entry.Space.FlatSize)) is { } why)
            {
                return $"key '{entry.Key}' {why}";
            }
        }

        return null;
    }

    /// <inheritdoc />
    protected override void SampleSized(Rng rng, Span<float> destination)
    {
        foreach (var entry in _entries)
        {
            entry.Space.Sample(rng, destination.Slice(entry.Offset, entry.Space.FlatSize));
        }
    }
}

/// <summary>One key of a <see cref="Dict"/> space.</summary>
/// <param name="Key">The key.</param>
/// <param name="Space">Its sub-space.</param>
/// <param name="Offset">Where its values start in the Dict's flat layout.</param>
public sealed record DictEntry(string Key, Space Space, int Offset);
