using System.Text.Json.Nodes;
using A2C.Envs.Rendering;

namespace A2C.Envs.ToyText;

/// <summary>
/// Gymnasium 1.4's <c>Taxi-v4</c> (Dietterich's taxi domain): drive a taxi on a 5x5 grid with walls
/// to the passenger, pick them up (4), drive to their destination and drop them off (5). The
/// observation is <c>((row * 5 + column) * 5 + passenger) * 4 + destination</c> (Discrete(500);
/// passenger 0-3 is a stand R, G, Y, B and 4 is in the taxi); the moves are 0 south, 1 north,
/// 2 east, 3 west. Every step costs 1, a pickup or drop-off where none is possible costs 10, and
/// delivering the passenger pays 20 and ends the episode.
/// </summary>
/// <remarks>
/// A reset draws one <c>random()</c> for the start (uniform over the 300 states with the passenger
/// at a stand other than their destination), and one more, when the passenger is fickle, for
/// whether they will change their mind; a step draws one through <c>categorical_sample</c>, as
/// Gymnasium's does, so a seed plays Gymnasium's episode. In the rain a move goes ahead with
/// <see cref="RainyProbability"/> and veers to each side with half the rest, veering only when the
/// move ahead is open (v4's correction); a fickle passenger picks another destination, with
/// <c>choice</c>, on the taxi's first move after the pickup.
/// </remarks>
public sealed class Taxi : TabularEnv, IRenderable
{
    /// <summary>Gymnasium's map: ':' is an opening between columns, '|' a wall.</summary>
    public static readonly IReadOnlyList<string> Map = ["+---------+", "|R: | : :G|", "| : | : : |", "| : : : : |", "| | : | : |", "|Y| : |B: |", "+---------+"];

    /// <summary>The stands R, G, Y, B as (row, column).</summary>
    public static readonly IReadOnlyList<(int Row, int Column)> Stands = [(0, 0), (0, 4), (4, 0), (4, 3)];

    /// <summary>Gymnasium's names of the keyword arguments, in its constructor's order.</summary>
    public static IReadOnlyList<string> KwargNames { get; } = ["is_rainy", "fickle_passenger", "rainy_probability", "fickle_probability"];

    private const int Size = 5;
    private const int InTaxi = 4;
    private const int CellPixels = 80;

    private static readonly Rgb[] _standColours = [new(220, 60, 50), new(60, 170, 70), new(230, 200, 40), new(50, 90, 210)];

    // Lateral moves for a move a: to its left and to its right, facing along it.
    private static readonly int[] _leftOf = [2, 3, 1, 0];
    private static readonly int[] _rightOf = [3, 2, 0, 1];

    private bool _fickleStep;

    /// <summary>Creates the taxi domain.</summary>
    /// <param name="isRainy">Whether moves veer sideways.</param>
    /// <param name="ficklePassenger">Whether the passenger may change their destination after the pickup.</param>
    /// <param name="rainyProbability">In the rain, the probability of the move ahead, in [0, 1].</param>
    /// <param name="fickleProbability">For a fickle passenger, the probability of a change of mind in an episode, in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">A probability outside [0, 1]; the message names it.</exception>
    public Taxi(bool isRainy = false, bool ficklePassenger = false, double rainyProbability = 0.8, double fickleProbability = 0.3)
        : base("Taxi-v4", 500, 6)
    {
        IsRainy = isRainy;
        FicklePassenger = ficklePassenger;
        RainyProbability = KwargReader.Probability(rainyProbability, "Taxi", "rainy_probability");
        FickleProbability = KwargReader.Probability(fickleProbability, "Taxi", "fickle_probability");
        SetTables(UniformStart(500, s => Decode(s) is var (_, _, p, d) && p < InTaxi && p != d), BuildTable());
    }

    /// <summary>Whether moves veer sideways.</summary>
    public bool IsRainy { get; }

    /// <summary>Whether the passenger may change their destination after the pickup.</summary>
    public bool FicklePassenger { get; }

    /// <summary>In the rain, the probability of the move ahead.</summary>
    public double RainyProbability { get; }

    /// <summary>For a fickle passenger, the probability of a change of mind in an episode.</summary>
    public double FickleProbability { get; }

    /// <inheritdoc />
    public int RenderWidth => CellPixels * Size;

    /// <inheritdoc />
    public int RenderHeight => CellPixels * Size;

    /// <inheritdoc />
    public int RenderFps => 4; // Gymnasium's metadata["render_fps"]

    /// <summary>The taxi <c>gym.make("Taxi-v4", **kwargs)</c> makes.</summary>
    /// <param name="kwargs">The arguments; names outside <see cref="KwargNames"/> are the registry's to refuse.</param>
    /// <exception cref="ArgumentException">A value of the wrong type or out of range, named.</exception>
    public static Taxi FromKwargs(JsonObject kwargs)
    {
        ArgumentNullException.ThrowIfNull(kwargs);
        return new Taxi(
            KwargReader.Flag(kwargs, "Taxi", "is_rainy", false),
            KwargReader.Flag(kwargs, "Taxi", "fickle_passenger", false),
            KwargReader.Number(kwargs, "Taxi", "rainy_probability", 0.8),
            KwargReader.Number(kwargs, "Taxi", "fickle_probability", 0.3));
    }

    /// <summary>Gymnasium's encoding of a state.</summary>
    public static int Encode(int row, int column, int passenger, int destination) => (((((row * Size) + column) * 5) + passenger) * 4) + destination;

    /// <summary>The taxi's row and column, the passenger's place (4: in the taxi) and the destination of <paramref name="state"/>.</summary>
    public static (int Row, int Column, int Passenger, int Destination) Decode(int state) =>
        (state / 100, state / 20 % 5, state / 4 % 5, state % 4);

    /// <summary>
    /// Gymnasium's <c>action_mask(state)</c>, returned in its info: a move is allowed where it
    /// changes the taxi's place, a pickup where the passenger waits at the taxi's cell, a drop-off
    /// at any stand with the passenger aboard. Every other action changes nothing but the reward.
    /// </summary>
    /// <param name="observation">The one-number observation, the encoded state.</param>
    /// <param name="valid">Receives six flags.</param>
    /// <exception cref="ArgumentException">The observation is not a state of Taxi, or <paramref name="valid"/> is not six long.</exception>
    public static void ActionMask(ReadOnlySpan<float> observation, Span<bool> valid)
    {
        if (observation.Length != 1 || observation[0] is not (>= 0 and < 500) || observation[0] != MathF.Floor(observation[0]) || valid.Length != 6)
        {
            throw new ArgumentException($"Taxi's action mask takes one observation, a state in 0..499, and six flags; got {observation.Length} number(s) and {valid.Length} flags.", nameof(observation));
        }

        var state = (int)observation[0];
        var (row, column, passenger, destination) = Decode(state);
        for (var a = 0; a < 4; a++)
        {
            valid[a] = Moved(row, column, a) != (row, column);
        }

        // A pickup or drop-off is allowed where the table's outcome changes the state.
        valid[4] = Pickup(row, column, passenger, destination).Next != state;
        valid[5] = Dropoff(row, column, passenger, destination).Next != state;
    }

    /// <inheritdoc />
    /// <remarks>Gymnasium draws sprites; this draws the grid in flat colours: the walls, the four stands, the destination ringed, the passenger and the taxi.</remarks>
    public Scene Render()
    {
        var scene = new Scene(RenderWidth, RenderHeight, new Rgb(235, 235, 225));
        var (row, column, passenger, destination) = Decode(State);
        for (var i = 0; i < Stands.Count; i++)
        {
            var (r, c) = Stands[i];
            Square(scene, r, c, i == destination ? 4 : 12, _standColours[i]);
        }

        for (var r = 0; r < Size; r++)
        {
            for (var c = 0; c < Size - 1; c++)
            {
                if (Map[r + 1][(2 * c) + 2] == '|')
                {
                    var x = (c + 1) * CellPixels;
                    scene.Line(new Rgb(60, 60, 60), 6, new Point(x, r * CellPixels), new Point(x, (r + 1) * CellPixels));
                }
            }
        }

        Square(scene, row, column, 22, passenger == InTaxi ? new Rgb(40, 150, 60) : new Rgb(240, 190, 20));
        if (passenger < InTaxi)
        {
            var (pr, pc) = Stands[passenger];
            scene.Circle(new Rgb(30, 30, 120), new Point((pc + 0.5) * CellPixels, (pr + 0.5) * CellPixels), CellPixels * 0.15);
        }

        return scene;
    }

    /// <inheritdoc />
    protected override void AfterReset() => _fickleStep = FicklePassenger && Random.NextDouble() < FickleProbability;

    /// <inheritdoc />
    protected override int Arrive(int from, int to)
    {
        var (row, column, passenger, destination) = Decode(from);
        var (newRow, newColumn, newPassenger, _) = Decode(to);
        if (!_fickleStep || passenger != InTaxi || (newRow == row && newColumn == column))
        {
            return to;
        }

        _fickleStep = false;
        // numpy's choice over the other destinations, in ascending order.
        var pick = Random.NextInt(3);
        return Encode(newRow, newColumn, newPassenger, pick < destination ? pick : pick + 1);
    }

    /// <inheritdoc />
    protected override long[] SaveTabularState() => [_fickleStep ? 1 : 0];

    /// <inheritdoc />
    protected override bool LoadTabularState(ReadOnlySpan<long> state)
    {
        if (state.Length != 1 || state[0] is < 0 or > 1)
        {
            return false;
        }

        _fickleStep = state[0] == 1;
        return true;
    }

    /// <summary>Where move <paramref name="move"/> takes the taxi from (row, column): the grid's edge and the walls stop it.</summary>
    private static (int Row, int Column) Moved(int row, int column, int move) => move switch
    {
        0 => (Math.Min(row + 1, Size - 1), column),
        1 => (Math.Max(row - 1, 0), column),
        2 => Map[row + 1][(2 * column) + 2] == ':' ? (row, Math.Min(column + 1, Size - 1)) : (row, column),
        _ => Map[row + 1][2 * column] == ':' ? (row, Math.Max(column - 1, 0)) : (row, column),
    };

    private static void Square(Scene scene, int row, int column, double inset, Rgb fill)
    {
        var (left, top) = ((column * CellPixels) + inset, (row * CellPixels) + inset);
        var (right, bottom) = (((column + 1) * CellPixels) - inset, ((row + 1) * CellPixels) - inset);
        scene.Polygon(fill, new Point(left, top), new Point(right, top), new Point(right, bottom), new Point(left, bottom));
    }

    private Transition[][][] BuildTable()
    {
        var table = new Transition[500][][];
        for (var s = 0; s < table.Length; s++)
        {
            var (row, column, passenger, destination) = Decode(s);
            table[s] = new Transition[6][];
            for (var a = 0; a < 4; a++)
            {
                var ahead = Moved(row, column, a);
                var aheadState = Encode(ahead.Row, ahead.Column, passenger, destination);
                if (IsRainy && ahead != (row, column))
                {
                    var (left, right) = (Moved(row, column, _leftOf[a]), Moved(row, column, _rightOf[a]));
                    var veer = (1.0 - RainyProbability) / 2.0;
                    table[s][a] =
                    [
                        new Transition(RainyProbability, aheadState, -1, false),
                        new Transition(veer, Encode(left.Row, left.Column, passenger, destination), -1, false),
                        new Transition(veer, Encode(right.Row, right.Column, passenger, destination), -1, false),
                    ];
                }
                else
                {
                    table[s][a] = [new Transition(1.0, aheadState, -1, false)];
                }
            }

            table[s][4] = [Pickup(row, column, passenger, destination)];
            table[s][5] = [Dropoff(row, column, passenger, destination)];
        }

        return table;
    }

    private static Transition Pickup(int row, int column, int passenger, int destination) =>
        passenger < InTaxi && Stands[passenger] == (row, column)
            ? new Transition(1.0, Encode(row, column, InTaxi, destination), -1, false)
            : new Transition(1.0, Encode(row, column, passenger, destination), -10, false);

    private static Transition Dropoff(int row, int column, int passenger, int destination)
    {
        var stand = IndexOfStand(row, column);
        if (passenger == InTaxi && stand == destination)
        {
            return new Transition(1.0, Encode(row, column, destination, destination), 20, true);
        }

        return passenger == InTaxi && stand >= 0
            ? new Transition(1.0, Encode(row, column, stand, destination), -1, false)
            : new Transition(1.0, Encode(row, column, passenger, destination), -10, false);
    }

    private static int IndexOfStand(int row, int column)
    {
        for (var i = 0; i < Stands.Count; i++)
        {
            if (Stands[i] == (row, column))
            {
                return i;
            }
        }

        return -1;
    }
}
