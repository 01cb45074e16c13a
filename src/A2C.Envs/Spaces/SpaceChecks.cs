namespace A2C.Envs.Spaces;

/// <summary>
/// Checks the adapters (the protocol's server and client, the push-simulator adapter) make on what
/// crosses a process or thread boundary, with messages that name the space and, in a Dict, the key.
/// </summary>
public static class SpaceChecks
{
    /// <summary>
    /// Why <paramref name="observation"/> (flat, of the right length, finite) is not one that
    /// <paramref name="space"/> can hold, or null. Spaces of integers (Discrete, MultiDiscrete,
    /// MultiBinary, a uint8 Box, and such keys of a Dict) are checked fully with
    /// <see cref="Space.Violation"/>, which catches a wrong dtype or value; a float32 Box is not checked
    /// against its bounds, since environments may leave them (CartPole's velocities do).
    /// </summary>
    /// <param name="space">The observation space.</param>
    /// <param name="observation">One observation, flat.</param>
    /// <returns>The reason, naming the key or component, or null.</returns>
    /// <example><c>new Dict(("pos", new Discrete(3))).ObservationViolation([5f])</c> is "key 'pos' is 5, not an integer in [0, 2] of Discrete(3)".</example>
    public static string? ObservationViolation(this Space space, ReadOnlySpan<float> observation)
    {
        ArgumentNullException.ThrowIfNull(space);
        if (observation.Length != space.FlatSize)
        {
            return space.Violation(observation);
        }

        switch (space)
        {
            case Box { DType: BoxDType.Float32 }:
                return null;
            case Dict dict:
                foreach (var entry in dict.Entries)
                {
                    if (entry.Space is not Box { DType: BoxDType.Float32 }
                        && entry.Space.Violation(observation.Slice(entry.Offset, entry.Space.FlatSize)) is { } why)
                    {
                        return $"key '{entry.Key}' {why}";
                    }
                }

                return null;
            default:
                return space.Violation(observation);
        }
    }

    /// <summary>Whether observations of <paramref name="space"/> need <see cref="ObservationViolation"/> beyond a length and finiteness check.</summary>
    /// <param name="space">The observation space.</param>
    /// <returns>False only for a float32 Box, or a Dict of them.</returns>
    public static bool HasIntegerParts(this Space space) => space switch
    {
        Box { DType: BoxDType.Float32 } => false,
        Dict dict => dict.Entries.Any(e => e.Space.HasIntegerParts()),
        _ => true,
    };

    /// <summary>Why <paramref name="action"/> is not an integer action of <paramref name="space"/>, or null.</summary>
    /// <param name="space">Discrete (one integer), MultiDiscrete (K) or MultiBinary (N).</param>
    /// <param name="action">One environment's integers.</param>
    /// <returns>The reason, naming the choice at fault and the space, or null.</returns>
    /// <example><c>new MultiDiscrete(3, 3).IntegerActionViolation([0, 5])</c> is "choice 1 is 5, outside [0, 2] of MultiDiscrete([3, 3])".</example>
    public static string? IntegerActionViolation(this Space space, ReadOnlySpan<int> action) => space switch
    {
        null => throw new ArgumentNullException(nameof(space)),
        Discrete d when action.Length != 1 => $"has {action.Length} values; {d} holds 1",
        Discrete d => d.Contains(action[0]) ? null : $"is {action[0]}, outside [{d.Start}, {d.Start + d.N - 1}] of {d}",
        MultiDiscrete m => m.Violation(action),
        MultiBinary b => b.Violation(action),
        _ => $"is an integer vector; {space} takes no integer actions",
    };
}
