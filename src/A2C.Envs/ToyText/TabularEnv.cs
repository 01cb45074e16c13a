using A2C.Envs.Spaces;

namespace A2C.Envs.ToyText;

/// <summary>
/// What Gymnasium's toy_text envs share: a Discrete state that is also the observation, a start
/// distribution and a table of outcomes per state and action (Gymnasium's <c>initial_state_distrib</c>
/// and <c>P</c>), each reset and step drawing one <c>random()</c> through <c>categorical_sample</c>
/// from a generator seeded as Gymnasium seeds <c>np_random</c>.
/// </summary>
public abstract class TabularEnv : Env
{
    private Transition[] _initial = [];
    private Transition[][][] _table = [];
    private int? _lastAction;

    /// <summary>Creates the env; the subclass's constructor then gives its tables to <see cref="SetTables"/>.</summary>
    /// <param name="name">Name for messages, e.g. <c>Taxi-v4</c>.</param>
    /// <param name="states">Number of states.</param>
    /// <param name="actions">Number of actions.</param>
    protected TabularEnv(string name, int states, int actions)
        : base(name, new Discrete(states), new Discrete(actions))
    {
    }

    /// <summary>The state, which is also the observation.</summary>
    public int State { get; private set; }

    /// <inheritdoc />
    protected override bool SeedsAsGymnasium => true;

    /// <summary>The outcomes of <paramref name="action"/> in <paramref name="state"/>, in Gymnasium's order: its <c>env.P[state][action]</c>, for planning (value iteration) and tests.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A state or action outside the spaces.</exception>
    public IReadOnlyList<Transition> Transitions(int state, int action)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(state);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(state, _table.Length);
        ArgumentOutOfRangeException.ThrowIfNegative(action);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(action, _table[state].Length);
        return Array.AsReadOnly(_table[state][action]);
    }

    /// <summary>Gymnasium's <c>initial_state_distrib</c> for starts chosen uniformly among the states <paramref name="isStart"/> accepts.</summary>
    protected static Transition[] UniformStart(int states, Func<int, bool> isStart)
    {
        var starts = Enumerable.Range(0, states).Where(isStart).Count();
        return Enumerable.Range(0, states).Select(s => new Transition(isStart(s) ? 1.0 / starts : 0.0, s, 0, false)).ToArray();
    }

    /// <summary>Gives the start distribution (one entry per state) and the table (states x actions x outcomes).</summary>
    protected void SetTables(Transition[] initial, Transition[][][] table)
    {
        _initial = initial;
        _table = table;
    }

    /// <summary>Draws what else a reset draws, after the start state (Taxi's fickle passenger).</summary>
    protected virtual void AfterReset()
    {
    }

    /// <summary>Where a step from <paramref name="from"/> that the table sent to <paramref name="to"/> ends (Taxi's fickle passenger may change it).</summary>
    protected virtual int Arrive(int from, int to) => to;

    /// <summary>The subclass's own state for a snapshot, after the state and the last action.</summary>
    protected virtual long[] SaveTabularState() => [];

    /// <summary>Restores what <see cref="SaveTabularState"/> saved; false when it is not a snapshot of this env.</summary>
    protected virtual bool LoadTabularState(ReadOnlySpan<long> state) => state.IsEmpty;

    /// <inheritdoc />
    protected sealed override void OnReset(Span<float> observation)
    {
        State = Transition.Sample(_initial, Random).Next;
        _lastAction = null;
        AfterReset();
        observation[0] = State;
    }

    /// <inheritdoc />
    protected sealed override StepResult OnStep(int action, Span<float> observation)
    {
        var chosen = Transition.Sample(_table[State][action], Random);
        State = Arrive(State, chosen.Next);
        _lastAction = action;
        observation[0] = State;
        return new StepResult(chosen.Reward, chosen.Terminated, false);
    }

    /// <inheritdoc />
    protected sealed override long[] SaveExtraState() => [State, _lastAction ?? -1, .. SaveTabularState()];

    /// <inheritdoc />
    protected sealed override void LoadExtraState(ReadOnlySpan<long> state)
    {
        if (state.Length < 2 || state[0] < 0 || state[0] >= _table.Length || state[1] < -1 || state[1] >= _table[0].Length || !LoadTabularState(state[2..]))
        {
            throw new ArgumentException($"{Name}: not a snapshot of this environment.", nameof(state));
        }

        State = (int)state[0];
        _lastAction = state[1] < 0 ? null : (int)state[1];
    }
}
