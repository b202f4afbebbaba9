namespace Engine.Detection;

/// <summary>ensemble-boxes' names of <see cref="WbfConfType"/>.</summary>
public static class WbfConfTypeNames
{
    /// <summary>The names ensemble-boxes accepts, in enum order.</summary>
    public static IReadOnlyList<string> All { get; } = ["avg", "max", "box_and_model_avg", "absent_model_aware_avg"];

    /// <summary>Parses ensemble-boxes' name of a conf type ("avg", "max", "box_and_model_avg", "absent_model_aware_avg").</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is none of them.</exception>
    public static WbfConfType Parse(string name)
    {
        int index = All.ToList().IndexOf(name);
        return index >= 0 ? (WbfConfType)index
            : throw new ArgumentException($"Unknown conf type '{name}'; it must be one of {string.Join(", ", All)}.", nameof(name));
    }

    /// <summary>ensemble-boxes' name of <paramref name="type"/>.</summary>
    public static string Name(this WbfConfType type) => All[(int)type];
}
