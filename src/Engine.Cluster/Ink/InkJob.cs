using Engine.IO;

namespace Engine.Cluster.Ink;

/// <summary>Cuts an ink job into work items: one per fragment, or per region of a tall fragment plus its merge.</summary>
public static class InkJob
{
    /// <summary>The work items of <paramref name="request"/>, in the order its fragments are given.</summary>
    /// <param name="request">The job.</param>
    /// <returns>
    /// One item per fragment, its outputs under <c>Output/&lt;fragment folder's name&gt;/</c>; a fragment taller than
    /// <see cref="InkJobOptions.RegionRows"/> gets ⌈height / rows⌉ region items and a merge item instead.
    /// </returns>
    /// <exception cref="ArgumentException">No fragment or model is given, a fragment folder has no name, two fragments share a name (their outputs would collide), or the region rows are below 1.</exception>
    public static InkWorkItem[] Plan(InkJobRequest request)
    {
        if (request.Fragments.Length == 0)
            throw new ArgumentException("No fragment given: pass at least one --fragment.");
        if (request.Models.Length == 0)
            throw new ArgumentException("No model given: pass at least one --model.");
        if (request.Options.RegionRows is < 1)
            throw new ArgumentException($"--region-rows {request.Options.RegionRows} must be at least 1 (0 on the command line infers every fragment whole).");
        var items = new List<InkWorkItem>();
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string given in request.Fragments)
        {
            string fragment = Path.TrimEndingDirectorySeparator(Path.GetFullPath(given));
            string name = Path.GetFileName(fragment);
            if (name.Length == 0)
                throw new ArgumentException($"--fragment {given} has no folder name to name its outputs by.");
            if (byName.TryGetValue(name, out var other))
                throw new ArgumentException($"--fragment {other} and {fragment} are both named {name}: their outputs would both go to {Path.Combine(request.Output, name)}.");
            byName[name] = fragment;
            var whole = new InkWorkItem(name, fragment, Path.Combine(Path.GetFullPath(request.Output), name));
            int regions = request.Options.RegionRows is { } rows && DeclaredHeight(fragment) is { } height ? (int)((height + (long)rows - 1) / rows) : 1;
            if (regions <= 1)
            {
                items.Add(whole);
                continue;
            }
            for (int region = 0; region < regions; region++)
                items.Add(whole with { Kind = InkWorkKind.Region, Region = region, Regions = regions });
            items.Add(whole with { Kind = InkWorkKind.Merge, Regions = regions });
        }
        return items.ToArray();
    }

    /// <summary>
    /// The height mask.png declares (the inference requires the slices' to match); null when it cannot be read, so the
    /// fragment runs whole and its inference reports the problem as for any fragment.
    /// </summary>
    private static int? DeclaredHeight(string fragment)
    {
        string mask = Path.Combine(fragment, "mask.png");
        try
        {
            return File.Exists(mask) ? MapFile.ReadSize(mask)?.Height : null;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            return null;
        }
    }
}
