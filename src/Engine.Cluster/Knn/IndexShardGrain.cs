using Engine.Cluster.Hosting;
using Engine.Cluster.Placement;
using Engine.Search;

namespace Engine.Cluster.Knn;

/// <inheritdoc cref="IIndexShardGrain"/>
[SiloEndpointPlacement]
// A shard's rows are its reason to exist: collecting an idle one would make the next search reload it from disk.
[CollectionAgeLimit(AlwaysActive = true)]
internal sealed class IndexShardGrain(SiloData data) : Grain, IIndexShardGrain
{
    private CosineIndex? _index;
    private ShardManifest? _manifest;
    private bool _committed;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (index, shard) = ParseKey(this.GetPrimaryKeyString());
        string manifestPath = ShardFiles.ManifestPath(data, index, shard);
        if (!File.Exists(manifestPath))
            return;
        var manifest = ShardFiles.ReadManifest(manifestPath);
        // Reading a shard takes seconds: off the grain scheduler's threads.
        var loaded = await Task.Run(() => CosineIndex.Load(ShardFiles.IndexPath(data, index, shard)), cancellationToken);
        if (loaded.Count != manifest.Rows || loaded.Dimension != manifest.Dimension)
        {
            loaded.Dispose();
            throw new InvalidDataException($"shard {shard} of index {index} under {data.Directory} holds {loaded.Count} rows × {loaded.Dimension} but its manifest says {manifest.Rows} × {manifest.Dimension}.");
        }
        (_index, _manifest, _committed) = (loaded, manifest, true);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _index?.Dispose();
        _index = null;
        return Task.CompletedTask;
    }

    public Task Create(ShardManifest manifest)
    {
        _index?.Dispose();
        _index = new CosineIndex(manifest.Dimension, manifest.Normalize);
        (_manifest, _committed) = (manifest, false);
        return Task.CompletedTask;
    }

    public Task Append(float[] rows, long[] ids)
    {
        if (_index is null || _committed)
            throw new InvalidOperationException($"shard {this.GetPrimaryKeyString()} takes rows only between Create and Commit.");
        if (_index.Count + ids.Length > _manifest!.Rows)
            throw new ArgumentException($"shard {this.GetPrimaryKeyString()} holds {_manifest.Rows} rows; {_index.Count + ids.Length} were sent.");
        _index.Add(rows, ids);
        return Task.CompletedTask;
    }

    public async Task Commit()
    {
        if (_index is null || _manifest is null)
            throw new InvalidOperationException($"shard {this.GetPrimaryKeyString()} was not created.");
        if (_index.Count != _manifest.Rows)
            throw new InvalidOperationException($"shard {this.GetPrimaryKeyString()} holds {_index.Count} of its {_manifest.Rows} rows; it cannot be committed.");
        var (index, manifest) = (_index, _manifest);
        await Task.Run(() =>
        {
            Directory.CreateDirectory(data.IndexDirectory(manifest.Index));
            index.Save(ShardFiles.IndexPath(data, manifest.Index, manifest.Shard));
            ShardFiles.WriteManifest(ShardFiles.ManifestPath(data, manifest.Index, manifest.Shard), manifest);
        });
        _committed = true;
    }

    public async Task<ShardHits> Search(float[] queries, int k, string load)
    {
        if (!_committed)
            throw new ClusterException($"shard {this.GetPrimaryKeyString()} is not loaded.");
        if (_manifest!.Load != load)
            throw new ClusterException($"shard {this.GetPrimaryKeyString()} holds load {_manifest.Load} of its index, not {load}.");
        var index = _index!;
        // The scan runs on the thread pool (it is parallel itself) so the silo's scheduler keeps answering.
        return ShardHits.From(await Task.Run(() => index.Search(queries, k)));
    }

    public Task Drop()
    {
        _index?.Dispose();
        (_index, _manifest, _committed) = (null, null, false);
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    /// <summary>Splits <c>INDEX/SHARD@HOST:PORT</c>.</summary>
    private static (string Index, int Shard) ParseKey(string key)
    {
        string name = key[..key.LastIndexOf('@')];
        int slash = name.LastIndexOf('/');
        return (name[..slash], int.Parse(name[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The key of shard <paramref name="shard"/> of <paramref name="index"/> on the silo at <paramref name="silo"/>.</summary>
    public static string Key(string index, int shard, string silo) => SiloEndpointPlacementDirector.Key($"{index}/{shard}", silo);
}
