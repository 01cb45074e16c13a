using System.Diagnostics;

namespace A2C.Training.Reporting;

/// <summary>Puts a group's seeds on one step grid and summarizes them there (see <see cref="LearningCurves.Aggregate"/>).</summary>
internal static class CurveAlignment
{
    public static AggregateCurve Aggregate(CurveGroup group)
    {
        var seeds = group.Seeds;
        var from = seeds.Max(s => s.Points[0].Steps);
        var to = seeds.Min(s => s.Points[^1].Steps);
        if (from > to)
        {
            var ranges = string.Join(", ", seeds.Select(s => $"{s.Source}: {s.Points[0].Steps} to {s.Points[^1].Steps}"));
            throw new InvalidDataException($"the seeds of '{group.Label}' share no range of steps to average over ({ranges}).");
        }

        var grid = seeds.SelectMany(s => s.Points).Select(p => p.Steps).Where(x => x >= from && x <= to).Distinct().Order().ToArray();
        var values = seeds.Select(s => Interpolate(s.Points, grid)).ToArray();
        var n = seeds.Count;
        var mean = new double[grid.Length];
        var std = new double[grid.Length];
        var min = new double[grid.Length];
        var max = new double[grid.Length];
        for (var i = 0; i < grid.Length; i++)
        {
            double sum = 0, lowest = double.PositiveInfinity, highest = double.NegativeInfinity;
            foreach (var seed in values)
            {
                sum += seed[i];
                lowest = Math.Min(lowest, seed[i]);
                highest = Math.Max(highest, seed[i]);
            }

            var m = sum / n;
            double squares = 0;
            foreach (var seed in values)
            {
                squares += (seed[i] - m) * (seed[i] - m);
            }

            mean[i] = m;
            std[i] = Math.Sqrt(squares / n);
            min[i] = lowest;
            max[i] = highest;
        }

        return new AggregateCurve(grid, mean, std, min, max, n);
    }

    /// <summary>The curve's value at each of <paramref name="grid"/>'s steps (increasing, inside the curve's range), linear between its points.</summary>
    private static double[] Interpolate(IReadOnlyList<CurvePoint> points, long[] grid)
    {
        var result = new double[grid.Length];
        var j = 0;
        for (var i = 0; i < grid.Length; i++)
        {
            var x = grid[i];
            while (points[j].Steps < x)
            {
                j++;
            }

            Debug.Assert(j < points.Count, "the grid lies inside every curve's range");
            if (points[j].Steps == x)
            {
                result[i] = points[j].MeanReturn;
            }
            else
            {
                var (left, right) = (points[j - 1], points[j]);
                var t = (double)(x - left.Steps) / (right.Steps - left.Steps);
                result[i] = left.MeanReturn + (t * (right.MeanReturn - left.MeanReturn));
            }
        }

        return result;
    }
}
