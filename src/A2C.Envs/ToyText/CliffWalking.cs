using System.Text.Json.Nodes;
using A2C.Envs.Rendering;

namespace A2C.Envs.ToyText;

/// <summary>
/// Gymnasium 1.4's <c>CliffWalking-v1</c> (Sutton and Barto, example 6.6): walk a 4x12 grid from the
/// bottom-left corner (state 36) to the bottom-right (47) along a cliff that fills the bottom row
/// between them. The observation is <c>row * 12 + column</c> (Discrete(48)); the actions are 0 up,
/// 1 right, 2 down, 3 left; a move off the grid stays put. Every step costs 1; a step into the cliff
/// costs 100 and puts the walker back at the start without ending the episode; reaching the goal
/// ends it. On slippery ground (<c>CliffWalkingSlippery-v1</c>) the move taken is the intended one
/// or either perpendicular one, a third each.
/// </summary>
/// <remarks>
/// Gymnasium registers no time limit and no reward threshold for either id; each reset and step
/// draws one <c>random()</c> through <c>categorical_sample</c>, so a seed plays Gymnasium's episode.
/// </remarks>
public sealed class CliffWalking : TabularEnv, IRenderable
{
    /// <summary>Rows of the grid.</summary>
    public const int Rows = 4;

    /// <summary>Columns of the grid.</summary>
    public const int Columns = 12;

    /// <summary>The start state, (3, 0).</summary>
    public const int Start = 36;

    /// <summary>The goal state, (3, 11).</summary>
    public const int Goal = 47;

    private const int CellPixels = 60;

    private static readonly (int Row, int Column)[] _deltas = [(-1, 0), (0, 1), (1, 0), (0, -1)];

    /// <summary>Creates the cliff walk.</summary>
    /// <param name="isSlippery">Whether a move may slip to either side of the one intended.</param>
    public CliffWalking(bool isSlippery = false)
        : base(isSlippery ? "CliffWalkingSlippery-v1" : "CliffWalking-v1", Rows * Columns, 4)
    {
        IsSlippery = isSlippery;
        SetTables(UniformStart(Rows * Columns, s => s == Start), BuildTable());
    }

    /// <summary>Gymnasium's names of the keyword arguments.</summary>
    public static IReadOnlyList<string> KwargNames { get; } = ["is_slippery"];

    /// <summary>Whether a move may slip to either side of the one intended.</summary>
    public bool IsSlippery { get; }

    /// <inheritdoc />
    public int RenderWidth => CellPixels * Columns;

    /// <inheritdoc />
    public int RenderHeight => CellPixels * Rows;

    /// <inheritdoc />
    public int RenderFps => 4; // Gymnasium's metadata["render_fps"]

    /// <summary>The walk <c>gym.make(id, **kwargs)</c> makes.</summary>
    /// <param name="kwargs">The arguments; names outside <see cref="KwargNames"/> are the registry's to refuse.</param>
    /// <param name="slipperyByDefault">The registration's <c>is_slippery</c>.</param>
    /// <exception cref="ArgumentException">A value of the wrong type, named.</exception>
    public static CliffWalking FromKwargs(JsonObject kwargs, bool slipperyByDefault = false)
    {
        ArgumentNullException.ThrowIfNull(kwargs);
        return new CliffWalking(KwargReader.Flag(kwargs, "CliffWalking", "is_slippery", slipperyByDefault));
    }

    /// <summary>Whether (row, column) is on the cliff.</summary>
    public static bool IsCliff(int row, int column) => row == Rows - 1 && column is > 0 and < Columns - 1;

    /// <inheritdoc />
    /// <remarks>Gymnasium draws sprites; this draws the grid in flat colours: ground, the cliff, the start, the goal, and the walker as a disc.</remarks>
    public Scene Render()
    {
        var scene = new Scene(RenderWidth, RenderHeight, Rgb.White);
        for (var r = 0; r < Rows; r++)
        {
            for (var c = 0; c < Columns; c++)
            {
                var s = (r * Columns) + c;
                var fill = IsCliff(r, c) ? new Rgb(60, 50, 45) : s == Goal ? new Rgb(70, 160, 70) : s == Start ? new Rgb(170, 200, 230) : ((r + c) % 2 == 0 ? new Rgb(215, 225, 215) : new Rgb(200, 215, 200));
                var (left, top) = (c * CellPixels, r * CellPixels);
                scene.Polygon(fill, new Point(left + 1, top + 1), new Point(left + CellPixels - 1, top + 1), new Point(left + CellPixels - 1, top + CellPixels - 1), new Point(left + 1, top + CellPixels - 1));
            }
        }

        var (row, column) = Math.DivRem(State, Columns);
        scene.Circle(new Rgb(200, 60, 50), new Point((column + 0.5) * CellPixels, (row + 0.5) * CellPixels), CellPixels * 0.3);
        return scene;
    }

    private Transition[][][] BuildTable()
    {
        var table = new Transition[Rows * Columns][][];
        for (var s = 0; s < table.Length; s++)
        {
            table[s] = new Transition[4][];
            for (var a = 0; a < 4; a++)
            {
                int[] moves = IsSlippery ? [(a + 3) % 4, a, (a + 1) % 4] : [a];
                table[s][a] = moves.Select(m => Move(s, m, 1.0 / moves.Length)).ToArray();
            }
        }

        return table;
    }

    private static Transition Move(int state, int move, double probability)
    {
        var (row, column) = Math.DivRem(state, Columns);
        row = Math.Clamp(row + _deltas[move].Row, 0, Rows - 1);
        column = Math.Clamp(column + _deltas[move].Column, 0, Columns - 1);
        if (IsCliff(row, column))
        {
            return new Transition(probability, Start, -100, false);
        }

        var next = (row * Columns) + column;
        return new Transition(probability, next, -1, next == Goal);
    }
}
