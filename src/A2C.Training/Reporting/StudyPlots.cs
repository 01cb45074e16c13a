using A2C.Core;
using ScottPlot;

namespace A2C.Training.Reporting;

/// <summary>A study's two pictures, as Optuna draws them: the optimization history and the parameter importances.</summary>
public static class StudyPlots
{
    /// <summary>Each search parameter's share of the completed trials' spread in objective (<see cref="Importance.anova"/>), largest first.</summary>
    /// <param name="trials">The study's trials.</param>
    /// <returns>Name and share of every parameter.</returns>
    public static IReadOnlyList<(string Name, double Share)> Importances(IReadOnlyList<TrialRecord> trials)
    {
        var observations = Microsoft.FSharp.Collections.ListModule.OfSeq(Study.Observations(trials));
        var shares = Importance.anova(A2CSearchSpace.Ranges, observations);
        return [.. A2CSearchSpace.Parameters.Select((p, i) => (p.Name, shares[i])).OrderByDescending(p => p.Item2)];
    }

    /// <summary>The objective of every finished trial by its number (complete and pruned apart), and the best so far.</summary>
    /// <param name="trials">The study's trials.</param>
    /// <param name="title">The title.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <returns>The PNG's bytes.</returns>
    public static byte[] HistoryPng(IReadOnlyList<TrialRecord> trials, string title, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(trials);
        using var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        void Dots(TrialState state, string label, Color color)
        {
            var shown = trials.Where(t => t.State == state && t.Objective is not null).ToList();
            if (shown.Count == 0)
            {
                return;
            }

            var dots = plot.Add.ScatterPoints(shown.Select(t => (double)t.Number).ToArray(), shown.Select(t => t.Objective!.Value).ToArray(), color);
            dots.MarkerSize = 9;
            dots.LegendText = label;
        }

        Dots(TrialState.Complete, "complete trial", palette.GetColor(0));
        Dots(TrialState.Pruned, "pruned trial (objective when stopped)", Colors.Gray);
        var complete = trials.Where(t => t.State == TrialState.Complete && t.Objective is not null).OrderBy(t => t.Number).ToList();
        if (complete.Count > 0)
        {
            var best = double.NegativeInfinity;
            var xs = new List<double>();
            var ys = new List<double>();
            foreach (var trial in complete)
            {
                best = Math.Max(best, trial.Objective!.Value);
                xs.Add(trial.Number);
                ys.Add(best);
            }

            var line = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray(), palette.GetColor(3));
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.LineWidth = 2;
            line.LegendText = "best so far";
        }

        Style(plot, title, "trial", "objective (mean return)");
        plot.Legend.FontName = PlotFonts.Family;
        plot.Legend.FontSize = 14;
        plot.ShowLegend(Edge.Bottom);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>A horizontal bar per parameter: its share of the objective's variance.</summary>
    /// <param name="importances">Name and share of each parameter, drawn top to bottom in this order.</param>
    /// <param name="title">The title.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <returns>The PNG's bytes.</returns>
    public static byte[] ImportancesPng(IReadOnlyList<(string Name, double Share)> importances, string title, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(importances);
        using var plot = new Plot();
        var count = importances.Count;
        var bars = importances.Select((p, i) => new Bar { Position = count - 1 - i, Value = p.Share, FillColor = new ScottPlot.Palettes.Category10().GetColor(0) }).ToList();
        var series = plot.Add.Bars(bars);
        series.Horizontal = true;
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, count).Select(i => (double)(count - 1 - i))],
            [.. importances.Select(p => p.Name)]);
        Style(plot, title, "share of the objective's variance (one-way ANOVA)", string.Empty);
        plot.Axes.SetLimitsX(0, Math.Max(0.05, importances.Count > 0 ? importances.Max(p => p.Share) * 1.1 : 1));
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    private static void Style(Plot plot, string title, string xLabel, string yLabel)
    {
        plot.Title(title, size: 20);
        plot.XLabel(xLabel, size: 16);
        if (yLabel.Length > 0)
        {
            plot.YLabel(yLabel, size: 16);
        }

        PlotFonts.Apply(plot);

    }
}
