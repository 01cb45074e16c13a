using A2C.Envs.Rendering;

namespace A2C.Envs.ToyText;

/// <summary>
/// Gymnasium 1.4's <c>FrozenLake-v1</c>: walk from S to G across a grid of frozen tiles (F) without
/// falling into a hole (H). The observation is the tile's index, <c>row * columns + column</c>
/// (Discrete); the actions are 0 left, 1 down, 2 right, 3 up; a move off the grid stays put. On
/// slippery ice the intended move happens with <see cref="SuccessRate"/> and each perpendicular one
/// with half the rest. Reaching G or H ends the episode. Rewards follow the reward schedule (goal,
/// hole, frozen), 1, 0, 0 by default.
/// </summary>
/// <remarks>
/// The transitions are Gymnasium's table, in its order (for an intended move a: a - 1, a, a + 1), and
/// each reset and step draws one <c>np_random.random()</c> through Gymnasium's
/// <c>categorical_sample</c> (the first cumulative probability above the draw), so a seed plays
/// Gymnasium's episode.
/// </remarks>
public sealed partial class FrozenLake : TabularEnv, IRenderable
{
    /// <summary>Gymnasium's "4x4" map.</summary>
    public static readonly IReadOnlyList<string> Map4x4 = ["SFFF", "FHFH", "FFFH", "HFFG"];

    /// <summary>Gymnasium's "8x8" map.</summary>
    public static readonly IReadOnlyList<string> Map8x8 = ["SFFFFFFF", "FFFFFFFF", "FFFHFFFF", "FFFFFHFF", "FFFHFFFF", "FHHFFFHF", "FHFFHFHF", "FFFHFFFG"];

    private const int CellPixels = 64;
    private readonly string[] _desc;

    /// <summary>Creates the lake.</summary>
    /// <param name="desc">The map, one string a row of S, F, H and G (at least one S); null: <paramref name="mapName"/>'s.</param>
    /// <param name="mapName">"4x4" or "8x8", when <paramref name="desc"/> is null.</param>
    /// <param name="isSlippery">Whether moves slip.</param>
    /// <param name="successRate">On slippery ice, the probability of the intended move, in [0, 1].</param>
    /// <param name="rewardSchedule">Rewards for reaching the goal, a hole and a frozen tile (the start counts as frozen).</param>
    /// <exception cref="ArgumentException">An unknown map name, a ragged map, a letter other than S, F, H, G, no start, or a rate outside [0, 1]; the message names it.</exception>
    public FrozenLake(IReadOnlyList<string>? desc = null, string mapName = "4x4", bool isSlippery = true, double successRate = 1.0 / 3.0, (double Goal, double Hole, double Frozen)? rewardSchedule = null)
        : this(desc is null && mapName == "8x8" ? "FrozenLake8x8-v1" : "FrozenLake-v1", ValidMap(desc, mapName), isSlippery, successRate, rewardSchedule ?? (1, 0, 0))
    {
    }

    private FrozenLake(string name, string[] desc, bool isSlippery, double successRate, (double Goal, double Hole, double Frozen) rewards)
        : base(name, desc.Length * desc[0].Length, 4)
    {
        _desc = desc;
        Rows = desc.Length;
        Columns = desc[0].Length;
        IsSlippery = isSlippery;
        SuccessRate = KwargReader.Probability(successRate, nameof(FrozenLake), "success_rate");
        SetTables(UniformStart(Rows * Columns, s => Tile(s) == 'S'), BuildTable(rewards));
    }

    /// <summary>Rows of the map.</summary>
    public int Rows { get; }

    /// <summary>Columns of the map.</summary>
    public int Columns { get; }

    /// <summary>Whether moves slip.</summary>
    public bool IsSlippery { get; }

    /// <summary>On slippery ice, the probability of the intended move.</summary>
    public double SuccessRate { get; }

    /// <inheritdoc />
    public int RenderWidth => Math.Min(CellPixels * Columns, 512);

    /// <inheritdoc />
    public int RenderHeight => Math.Min(CellPixels * Rows, 512);

    /// <inheritdoc />
    public int RenderFps => 4; // Gymnasium's metadata["render_fps"]

    /// <inheritdoc />
    /// <remarks>Gymnasium draws sprites; this draws the same grid in flat colours: ice, holes, the start, the goal, and the agent as a disc.</remarks>
    public Scene Render()
    {
        var scene = new Scene(RenderWidth, RenderHeight, Rgb.White);
        var (w, h) = ((double)RenderWidth / Columns, (double)RenderHeight / Rows);
        for (var r = 0; r < Rows; r++)
        {
            for (var c = 0; c < Columns; c++)
            {
                var fill = _desc[r][c] switch
                {
                    'H' => new Rgb(25, 45, 95),
                    'G' => new Rgb(70, 160, 70),
                    'S' => new Rgb(170, 210, 240),
                    _ => new Rgb(205, 230, 250),
                };
                var (left, top) = (c * w, r * h);
                scene.Polygon(fill, new Point(left + 1, top + 1), new Point(left + w - 1, top + 1), new Point(left + w - 1, top + h - 1), new Point(left + 1, top + h - 1));
            }
        }

        var (row, column) = Math.DivRem(State, Columns);
        scene.Circle(new Rgb(200, 60, 50), new Point((column + 0.5) * w, (row + 0.5) * h), Math.Min(w, h) * 0.3);
        return scene;
    }

    /// <summary>The letter of tile <paramref name="state"/>: S, F, H or G.</summary>
    public char Tile(int state) => _desc[state / Columns][state % Columns];

    private Transition[][][] BuildTable((double Goal, double Hole, double Frozen) rewards)
    {
        var table = new Transition[Rows * Columns][][];
        for (var s = 0; s < table.Length; s++)
        {
            table[s] = new Transition[4][];
            for (var a = 0; a < 4; a++)
            {
                if (Tile(s) is 'G' or 'H')
                {
                    table[s][a] = [new Transition(1.0, s, 0, true)];
                }
                else if (IsSlippery)
                {
                    var slip = (1.0 - SuccessRate) / 2.0;
                    table[s][a] = [Move(s, (a + 3) % 4, slip, rewards), Move(s, a, SuccessRate, rewards), Move(s, (a + 1) % 4, slip, rewards)];
                }
                else
                {
                    table[s][a] = [Move(s, a, 1.0, rewards)];
                }
            }
        }

        return table;
    }

    private Transition Move(int state, int action, double probability, (double Goal, double Hole, double Frozen) rewards)
    {
        var (row, column) = Math.DivRem(state, Columns);
        switch (action)
        {
            case 0:
                column = Math.Max(column - 1, 0);
                break;
            case 1:
                row = Math.Min(row + 1, Rows - 1);
                break;
            case 2:
                column = Math.Min(column + 1, Columns - 1);
                break;
            default:
                row = Math.Max(row - 1, 0);
                break;
        }

        var next = (row * Columns) + column;
        var tile = Tile(next);
        var reward = tile switch
        {
            'G' => rewards.Goal,
            'H' => rewards.Hole,
            _ => rewards.Frozen,
        };
        return new Transition(probability, next, reward, tile is 'G' or 'H');
    }

    private static string[] ValidMap(IReadOnlyList<string>? desc, string mapName)
    {
        var map = desc?.ToArray() ?? mapName switch
        {
            "4x4" => Map4x4.ToArray(),
            "8x8" => Map8x8.ToArray(),
            _ => throw new ArgumentException($"FrozenLake has the maps \"4x4\" and \"8x8\"; got \"{mapName}\" (give a desc for another).", nameof(mapName)),
        };
        if (map.Length == 0 || map[0].Length == 0 || map.Any(row => row.Length != map[0].Length))
        {
            throw new ArgumentException("a FrozenLake desc is a non-empty list of rows of one length.", nameof(desc));
        }

        if (map.SelectMany(row => row).FirstOrDefault(c => c is not ('S' or 'F' or 'H' or 'G')) is var bad and not '\0')
        {
            throw new ArgumentException($"a FrozenLake desc holds the letters S, F, H and G only; found '{bad}'.", nameof(desc));
        }

        return map.Any(row => row.Contains('S'))
            ? map
            : throw new ArgumentException("a FrozenLake desc needs a start tile, S.", nameof(desc));
    }
}
