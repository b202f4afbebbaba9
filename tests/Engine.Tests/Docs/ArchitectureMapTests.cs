using System.Text.RegularExpressions;

namespace Engine.Tests.Docs;

/// <summary>docs/architecture.md is a map of the code: every path and type it names must exist.</summary>
public partial class ArchitectureMapTests
{
    private static readonly string Root = RepositoryRoot();

    private static readonly string Map = File.ReadAllText(Path.Combine(Root, "docs", "architecture.md"));

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Engine.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException($"Engine.sln not found above {AppContext.BaseDirectory}.");
    }

    /// <summary>`code` spans, and the first word of each line of the fenced project graph.</summary>
    private static IEnumerable<string> Names()
    {
        foreach (Match m in CodeSpan().Matches(Map))
            yield return m.Groups[1].Value;
        foreach (Match block in Fence().Matches(Map))
        {
            foreach (string line in block.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                yield return line.Split(' ', 2)[0];
        }
    }

    [Fact]
    public void Every_path_it_names_exists()
    {
        // Templates such as src/Engine/<Area>/<Op>.cs name no one file.
        var paths = Names().Where(n => n.Contains('/') && !n.Contains('<')).Distinct().ToList();
        Assert.True(paths.Count > 20, $"only {paths.Count} paths found: is the map still a table of folders?");
        var missing = paths.Where(p => !File.Exists(Path.Combine(Root, p)) && !Directory.Exists(Path.Combine(Root, p))).ToList();
        Assert.True(missing.Count == 0, $"docs/architecture.md names paths that do not exist: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_type_it_names_is_declared()
    {
        var types = Names().Where(n => TypeName().IsMatch(n)).Distinct().ToList();
        Assert.True(types.Count > 20, $"only {types.Count} type names found");
        var declared = new HashSet<string>();
        foreach (string folder in new[] { "src", "kernels", "benchmarks" })
        {
            foreach (string file in Directory.EnumerateFiles(Path.Combine(Root, folder), "*.cs", SearchOption.AllDirectories))
            {
                foreach (Match m in Declaration().Matches(File.ReadAllText(file)))
                    declared.Add(m.Groups[1].Value);
            }
        }
        var missing = types.Where(t => !declared.Contains(t)).ToList();
        Assert.True(missing.Count == 0, $"docs/architecture.md names types that src, kernels and benchmarks do not declare: {string.Join(", ", missing)}");
    }

    [Fact]
    public void It_stays_a_short_map()
    {
        // The long form belongs in docs/internals.md and the topic docs; a map is read in one sitting.
        int lines = Map.Split('\n').Length;
        Assert.True(lines <= 120, $"docs/architecture.md has {lines} lines; move long-form text to docs/internals.md or a topic doc.");
    }

    [GeneratedRegex(@"(?<!`)`([^`\n]+)`(?!`)")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"```\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"^[A-Z][A-Za-z0-9]+$")]
    private static partial Regex TypeName();

    [GeneratedRegex(@"\b(?:record\s+struct|record\s+class|class|struct|record|interface|enum)\s+([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Declaration();
}
