using System.Security.Cryptography;
using System.Text;
using A2C.Training;

namespace A2C.Cli;

/// <summary>
/// Points a file-based C# script at this repository's training library. A script whose
/// <c>#:project</c> line reaches the library runs where it is; any other (a copy of
/// examples/starter.cs in /tmp, a script without the line) runs as a copy in a cache folder, with
/// its relative <c>#:project</c> paths made absolute and the library's line pointed here (or added).
/// </summary>
internal static class ScriptProject
{
    /// <summary>The library's project, relative to the repository root.</summary>
    public const string LibraryProject = "src/A2C.Training/A2C.Training.csproj";

    private const string Directive = "#:project";

    /// <summary>Where copies of scripts go: beside the private libstdc++, in the user's cache, outside any repository.</summary>
    public static string ShadowRoot => Path.Combine(Path.GetDirectoryName(TorchRuntime.PrivateLibstdcxxDirectory)!, "run");

    /// <summary>The library's project file in the first folder above <paramref name="start"/> that holds one, or null.</summary>
    public static string? FindLibrary(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, LibraryProject);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The script to run: <paramref name="script"/> itself when it reaches the library, else its copy under <paramref name="shadowRoot"/>.</summary>
    /// <param name="script">The script's full path.</param>
    /// <param name="library">The library's project file.</param>
    /// <param name="shadowRoot">Where copies go.</param>
    public static string Prepare(string script, string library, string shadowRoot)
    {
        var folder = Path.GetDirectoryName(script)!;
        var lines = File.ReadAllLines(script);
        var reachesLibrary = false;
        var rewritten = new List<string>(lines.Length + 1);
        foreach (var line in lines)
        {
            if (ProjectPath(line) is not { } target)
            {
                rewritten.Add(line);
                continue;
            }

            var resolved = Path.GetFullPath(target, folder);
            if (NamesLibrary(target))
            {
                reachesLibrary |= IsLibrary(resolved);
                rewritten.Add($"{Directive} {library}");
            }
            else
            {
                rewritten.Add($"{Directive} {resolved}");
            }
        }

        if (reachesLibrary)
        {
            return script;
        }

        if (!rewritten.Any(line => ProjectPath(line) is { } target && NamesLibrary(target)))
        {
            // After a shebang, which must stay the first line.
            rewritten.Insert(rewritten.Count > 0 && rewritten[0].StartsWith("#!", StringComparison.Ordinal) ? 1 : 0, $"{Directive} {library}");
        }

        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(script)))[..16].ToLowerInvariant();
        var copy = Path.Combine(shadowRoot, key, Path.GetFileName(script));
        var text = string.Join('\n', rewritten) + "\n";
        // Rewritten only when it changed, so the script's cached build stays valid.
        if (!File.Exists(copy) || File.ReadAllText(copy) != text)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.WriteAllText(copy, text);
        }

        return copy;
    }

    private static string? ProjectPath(string line)
    {
        var trimmed = line.TrimStart();
        return trimmed.StartsWith(Directive + " ", StringComparison.Ordinal) ? trimmed[Directive.Length..].Trim() : null;
    }

    private static bool NamesLibrary(string target)
    {
        var name = Path.GetFileName(target.TrimEnd('/', '\\'));
        return name is "A2C.Training.csproj" or "A2C.Training";
    }

    private static bool IsLibrary(string resolved) =>
        File.Exists(resolved) || File.Exists(Path.Combine(resolved, "A2C.Training.csproj"));
}
