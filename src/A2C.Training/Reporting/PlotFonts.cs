using ScottPlot;
using SkiaSharp;

namespace A2C.Training.Reporting;

/// <summary>
/// The fonts plots are drawn with: DejaVu Sans (regular and bold, cut down to Latin, Greek,
/// punctuation and mathematical signs; Reporting/Fonts/README.md) embedded in this assembly, so
/// text renders on machines with no fonts installed, and looks the same on every machine. Text
/// with a character they lack is drawn with an installed font that has it, when there is one.
/// </summary>
internal static class PlotFonts
{
    /// <summary>The family name ScottPlot is given for the embedded fonts.</summary>
    public const string Family = "A2C DejaVu Sans";

    private static readonly Lazy<EmbeddedFontResolver> _resolver = new(Register, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The embedded regular face, for text drawn with SkiaSharp directly (recordings' captions).</summary>
    public static SKTypeface Regular => _resolver.Value.Regular;

    /// <summary>Gives the title and every axis' label the font their text needs, and the tick labels the embedded font at 13 px.</summary>
    /// <param name="plot">A plot whose title and labels are set.</param>
    public static void Apply(Plot plot)
    {
        plot.Axes.Title.Label.FontName = For(plot.Axes.Title.Label.Text);
        foreach (var axis in plot.Axes.GetAxes())
        {
            axis.Label.FontName = For(axis.Label.Text);
            axis.TickLabelStyle.FontName = Family;
            axis.TickLabelStyle.FontSize = 13;
        }
    }

    /// <summary>The font to draw <paramref name="text"/> with: the embedded one, unless it lacks a character that an installed font has.</summary>
    public static string For(string text)
    {
        var resolver = _resolver.Value;
        if (resolver.Regular.ContainsGlyphs(text))
        {
            return Family;
        }

        var installed = Fonts.Detect(text);
        return string.IsNullOrEmpty(installed) ? Family : installed;
    }

    private static EmbeddedFontResolver Register()
    {
        var resolver = new EmbeddedFontResolver(Load("DejaVuSans-subset.ttf"), Load("DejaVuSans-Bold-subset.ttf"));
        // ScottPlot asks its resolvers in order; this one answers only for its own family name.
        lock (Fonts.FontResolvers)
        {
            Fonts.FontResolvers.Insert(0, resolver);
        }

        return resolver;
    }

    private static SKTypeface Load(string file)
    {
        var name = "A2C.Training.Reporting.Fonts." + file;
        using var stream = typeof(PlotFonts).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"the embedded font {name} is missing from {typeof(PlotFonts).Assembly.GetName().Name}.");
        using var data = SKData.Create(stream);
        return SKTypeface.FromData(data) ?? throw new InvalidOperationException($"SkiaSharp could not read the embedded font {name}.");
    }

    private sealed class EmbeddedFontResolver(SKTypeface regular, SKTypeface bold) : IFontResolver
    {
        public SKTypeface Regular { get; } = regular;

        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
            fontName == Family ? (weight >= FontWeight.SemiBold ? bold : Regular) : null;

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            CreateTypeface(fontName, bold ? FontWeight.Bold : FontWeight.Normal, italic ? FontSlant.Italic : FontSlant.Upright, FontSpacing.Normal);
    }
}
