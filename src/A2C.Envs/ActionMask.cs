namespace A2C.Envs;

/// <summary>
/// Which actions of a Discrete action space can change anything in the state that
/// <paramref name="observation"/> shows: Gymnasium's <c>info["action_mask"]</c> (Taxi's), as a
/// pure function of one observation, so a learner can mask any stored observation.
/// </summary>
/// <param name="observation">One observation, as the env returns it.</param>
/// <param name="valid">Receives one flag per action: true where the action is allowed.</param>
public delegate void ActionMaskFunction(ReadOnlySpan<float> observation, Span<bool> valid);
