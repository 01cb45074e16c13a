namespace A2C.Envs.Spaces;

/// <summary>The set of valid observations or actions of an environment, as in Gymnasium.</summary>
public abstract class Space
{
    /// <summary>Shape of one element (empty for a scalar such as a discrete action).</summary>
    public abstract IReadOnlyList<int> Shape { get; }

    /// <summary>Number of float values one element occupies in a flat buffer (1 for a discrete action).</summary>
    public abstract int FlatSize { get; }
}
