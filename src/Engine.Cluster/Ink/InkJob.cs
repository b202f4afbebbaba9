namespace Engine.Cluster.Ink;

/// <summary>Cuts an ink job into work items: one per fragment.</summary>
public static class InkJob
{
    /// <summary>The work items of <paramref name="request"/>, in the order its fragments are given.</summary>
    /// <param name="request">The job.</param>
    /// <returns>One item per fragment, its outputs under <c>Output/&lt;fragment folder's name&gt;/</c>.</returns>
    /// <exception cref="ArgumentException">No fragment or model is given, a fragment folder has no name, or two fragments share a name (their outputs would collide).</exception>
    public static InkWorkItem[] Plan(InkJobRequest request)
    {
        if (request.Fragments.Length == 0)
            throw new ArgumentException("No fragment given: pass at least one --fragment.");
        if (request.Models.Length == 0)
            throw new ArgumentException("No model given: pass at least one --model.");
        var items = new InkWorkItem[request.Fragments.Length];
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < items.Length; i++)
        {
            string fragment = Path.TrimEndingDirectorySeparator(Path.GetFullPath(request.Fragments[i]));
            string name = Path.GetFileName(fragment);
            if (name.Length == 0)
                throw new ArgumentException($"--fragment {request.Fragments[i]} has no folder name to name its outputs by.");
            if (byName.TryGetValue(name, out var other))
                throw new ArgumentException($"--fragment {other} and {fragment} are both named {name}: their outputs would both go to {Path.Combine(request.Output, name)}.");
            byName[name] = fragment;
            items[i] = new InkWorkItem(name, fragment, Path.Combine(Path.GetFullPath(request.Output), name));
        }
        return items;
    }
}
