using System.Globalization;
using ScottPlot;

namespace A2C.Training.Reporting;

/// <summary>Draws run groups' learning curves with ScottPlot (see <see cref="LearningCurves.RenderPng"/>).</summary>
internal static class CurvePlot
{
    private const string DefaultTitle = "learning curve";

    public static byte[] RenderPng(IReadOnlyList<CurveGroup> groups, PlotOptions options)
    {
        var aggregates = groups.Select(CurveAlignment.Aggregate).ToArray();
        using var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var legendTexts = new List<string>();
        for (var g = 0; g < groups.Count; g++)
        {
            var curve = aggregates[g];
            var color = palette.GetColor(g);
            var xs = curve.Steps.Select(s => (double)s).ToArray();
            if (curve.SeedCount > 1)
            {
                var (lower, upper) = options.Band == Band.Std
                    ? (curve.Mean.Zip(curve.Std, (m, s) => m - s).ToArray(), curve.Mean.Zip(curve.Std, (m, s) => m + s).ToArray())
                    : (curve.Min.ToArray(), curve.Max.ToArray());
                var band = plot.Add.FillY(xs, lower, upper);
                band.FillColor = color.WithAlpha(0.2);
                band.LineWidth = 0;
                band.MarkerSize = 0;
            }

            var line = plot.Add.ScatterLine(xs, curve.Mean.ToArray(), color);
            line.LineWidth = 2;
            // A single point has no line to draw: show it as a dot.
            line.MarkerSize = xs.Length == 1 ? 7 : 0;
            line.LegendText = LegendText(groups[g].Label, curve.SeedCount, options.Band);
            legendTexts.Add(line.LegendText);
        }

        var envs = groups.Select(g => g.Env).OfType<string>().Distinct().ToList();
        foreach (var env in envs)
        {
            if (LearningCurves.Threshold(env) is not { } threshold)
            {
                continue;
            }

            // One env: a neutral line. Several: each in the colour of the first group on that env.
            var color = envs.Count == 1 ? Colors.Black.WithAlpha(0.6) : palette.GetColor(groups.ToList().FindIndex(g => g.Env == env));
            var line = plot.Add.HorizontalLine(threshold, width: 1.5f, color, LinePattern.Dashed);
            line.LegendText = envs.Count == 1
                ? $"solved at {Number(threshold)}"
                : $"{env} solved at {Number(threshold)}";
            legendTexts.Add(line.LegendText);
        }

        var title = options.Title ?? (envs.Count > 0 ? string.Join(" vs ", envs) : DefaultTitle);
        const string XLabel = "env steps";
        const string YLabel = "mean return, last 100 episodes";
        plot.Title(title, size: 20);
        plot.XLabel(XLabel, size: 16);
        plot.YLabel(YLabel, size: 16);
        PlotFonts.Apply(plot);

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = Steps };
        // Below the axes, in rows: it never hides a curve.
        plot.ShowLegend(Edge.Bottom);
        plot.Legend.Orientation = Orientation.Horizontal;
        plot.Legend.FontName = PlotFonts.For(string.Concat(legendTexts));
        plot.Legend.FontSize = 14;

        // Steps from 0 to the longest group's end; returns as ScottPlot scales them (with the threshold).
        plot.Axes.AutoScale();
        plot.Axes.SetLimitsX(0, Math.Max(1, aggregates.Max(a => a.Steps[^1])));
        return plot.GetImageBytes(options.Width, options.Height, ImageFormat.Png);
    }

    private static string LegendText(string label, int seeds, Band band) => seeds == 1
        ? $"{label} (1 seed)"
        : band == Band.Std
            ? $"{label} (mean ± std of {seeds} seeds)"
            : $"{label} (mean, min–max of {seeds} seeds)";

    /// <summary>Tick labels for steps: 0, 250k, 1M, 1.5M.</summary>
    private static string Steps(double steps) => Math.Abs(steps) switch
    {
        >= 1e6 => (steps / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 1e3 => (steps / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "k",
        _ => steps.ToString("0.##", CultureInfo.InvariantCulture),
    };

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
