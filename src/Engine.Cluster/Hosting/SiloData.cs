namespace Engine.Cluster.Hosting;

/// <summary>The silo's <c>--data</c> directory: index shards saved there reload when the silo restarts.</summary>
/// <param name="Directory">The directory; made when first written.</param>
public sealed record SiloData(string Directory)
{
    /// <summary>The directory holding index <paramref name="index"/>'s shards.</summary>
    public string IndexDirectory(string index) => Path.Combine(Directory, "indexes", index);
}
