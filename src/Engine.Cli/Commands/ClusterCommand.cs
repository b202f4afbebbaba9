using System.CommandLine;
using System.Diagnostics;
using Engine.Cli.Results;
using Engine.Cluster;
using Engine.Cluster.Hosting;
using Engine.Cluster.Knn;
using Engine.IO;
using Engine.Search;

namespace Engine.Cli.Commands;

/// <summary><c>engine cluster index|remove|status</c>, and the search behind <c>engine knn --cluster</c>: a client of the silos <c>engine serve</c> runs.</summary>
internal static class ClusterCommand
{
    /// <summary>How long one shard replica may take on one batch before the coordinator asks the next replica.</summary>
    private static readonly TimeSpan ShardTimeout = TimeSpan.FromMinutes(5);

    public static Option<string> ClusterOption(bool required) => new("--cluster")
    {
        Description = "Gateway endpoints HOST:PORT[,HOST:PORT…] of the cluster's silos (their --gateway-port); any one that answers suffices.",
        Required = required,
    };

    private static Option<string> NameOption(string description) => new("--name") { Description = description, Required = true };

    public static Command Create()
    {
        var command = new Command("cluster", "Load indexes into an Engine cluster (engine serve), remove them, and see where their shards live.")
        {
            CreateIndex(),
            CreateRemove(),
            CreateStatus(),
        };
        return command;
    }

    private static Command CreateIndex()
    {
        var cluster = ClusterOption(required: true);
        var name = NameOption("The index's name in the cluster (letters, digits, '.', '_', '-').");
        var database = CommandLine.FileOption("--database", "Database embeddings: .npy (2D, rows × dimension) or .fvecs.", required: true);
        var normalize = new Option<bool>("--normalize") { Description = "L2-normalize rows and (at search time) queries, so scores are cosine similarities." };
        var shards = new Option<int>("--shards") { Description = "Row-range shards.", DefaultValueFactory = _ => 1 };
        var replicas = new Option<int>("--replicas") { Description = "Copies of each shard, on different silos (at most the number of silos).", DefaultValueFactory = _ => 1 };
        var json = CommandLine.JsonOption();
        var command = new Command("index", "Load an index into the cluster: split the database into shards and save each on --replicas different silos.")
        {
            cluster, name, database, normalize, shards, replicas, json,
        };
        command.SetAction(parse => CommandLine.Execute(parse, stdout => Run(async () =>
        {
            var endpoints = ClusterEndpoints.ParseList(parse.GetValue(cluster)!, "--cluster");
            string indexName = parse.GetValue(name)!;
            ClusterIndex.CheckName(indexName);
            string dbPath = parse.GetValue(database)!.FullName;
            var clock = Stopwatch.StartNew();
            using var db = DatabaseRows.Open(dbPath);
            if (db.Rows == 0)
                throw new ArgumentException($"{dbPath} has no rows; the database must not be empty.");
            if (db.Dimension > CosineIndex.MaxDimension)
                throw new ArgumentException($"{dbPath} has dimension {db.Dimension}; at most {CosineIndex.MaxDimension} is supported.");
            ClusterIndex.CheckRows(db, parse.GetValue(normalize), dbPath);
            double readSeconds = clock.Elapsed.TotalSeconds;

            clock.Restart();
            await using var connection = await ClusterConnection.ConnectAsync(endpoints);
            IReadOnlyList<ShardManifest> saved;
            using (var bar = ProgressBar.Start(parse, "Loading", db.Rows * parse.GetValue(replicas)))
            {
                saved = await ClusterIndex.LoadAsync(connection.Client, indexName, db, parse.GetValue(normalize),
                    parse.GetValue(shards), parse.GetValue(replicas), bar);
            }
            double loadSeconds = clock.Elapsed.TotalSeconds;
            new ClusterIndexResult(indexName, db.Rows, db.Dimension, parse.GetValue(normalize), parse.GetValue(shards), parse.GetValue(replicas),
                ShardPlacement.Of(saved), new ClusterIndexResult.StageSeconds(readSeconds, loadSeconds)).Write(stdout, parse.GetValue(json));
            return 0;
        })));
        return command;
    }

    private static Command CreateRemove()
    {
        var cluster = ClusterOption(required: true);
        var name = NameOption("The index to delete from every silo (memory and --data).");
        var json = CommandLine.JsonOption();
        var command = new Command("remove", "Delete an index from the cluster: every replica of every shard, in memory and under the silos' --data.") { cluster, name, json };
        command.SetAction(parse => CommandLine.Execute(parse, stdout => Run(async () =>
        {
            var endpoints = ClusterEndpoints.ParseList(parse.GetValue(cluster)!, "--cluster");
            string indexName = parse.GetValue(name)!;
            ClusterIndex.CheckName(indexName);
            await using var connection = await ClusterConnection.ConnectAsync(endpoints);
            var removed = await ClusterIndex.RemoveAsync(connection.Client, indexName);
            new ClusterRemoveResult(indexName, removed.Count, ShardPlacement.Of(removed)).Write(stdout, parse.GetValue(json));
            return 0;
        })));
        return command;
    }

    private static Command CreateStatus()
    {
        var cluster = ClusterOption(required: true);
        var json = CommandLine.JsonOption();
        var command = new Command("status", "List the cluster's silos and indexes, with each shard's replicas.") { cluster, json };
        command.SetAction(parse => CommandLine.Execute(parse, stdout => Run(async () =>
        {
            var endpoints = ClusterEndpoints.ParseList(parse.GetValue(cluster)!, "--cluster");
            await using var connection = await ClusterConnection.ConnectAsync(endpoints);
            ClusterStatusResult.Of(await ClusterCatalog.ReadAsync(connection.Client)).Write(stdout, parse.GetValue(json));
            return 0;
        })));
        return command;
    }

    /// <summary>
    /// <c>engine knn --cluster … --index NAME</c>: the search of a loaded index, writing the same files and JSON
    /// as the single-machine <c>engine knn --database</c>.
    /// </summary>
    public static int Search(TextWriter stdout, System.CommandLine.ParseResult parse, string clusterEndpoints, string? index, string queryPath, int k,
        string? outIds, string? outScores, bool json) => Run(async () =>
    {
        var endpoints = ClusterEndpoints.ParseList(clusterEndpoints, "--cluster");
        if (index is null)
            throw new ArgumentException("--cluster needs --index NAME (the index loaded with engine cluster index).");
        var clock = Stopwatch.StartNew();
        var q = EmbeddingFile.Read(queryPath);
        if (q.Rows == 0)
            throw new ArgumentException($"{queryPath} has no rows.");
        CommandLine.RequireMemory((long)q.Rows * k * (sizeof(float) + sizeof(long)), $"-k {k} for the {CommandLine.Count(q.Rows)} queries of {queryPath}");
        double readSeconds = clock.Elapsed.TotalSeconds;

        await using var connection = await ClusterConnection.ConnectAsync(endpoints);
        var replicas = (await ClusterCatalog.ReadAsync(connection.Client)).ShardsOf(index);
        if (replicas.Count == 0)
            throw new ClusterException($"index {index} is not loaded in the cluster at {clusterEndpoints} (or every silo holding it is down); engine cluster status lists the loaded indexes.");
        var info = replicas[0];
        if (q.Dimension != info.Dimension)
            throw new ArgumentException($"{queryPath} has dimension {q.Dimension} but index {index} has {info.Dimension}; they must match.");
        ClusterIndex.CheckRows(q.Data, q.Dimension, info.Normalize, queryPath);

        clock.Restart();
        SearchResult result;
        using (var bar = ProgressBar.Start(parse, "Searching", q.Rows))
            result = await ClusterIndex.SearchAsync(connection.Client, index, q.Data, q.Dimension, k, ShardTimeout, bar);
        double searchSeconds = clock.Elapsed.TotalSeconds;

        using (var outputs = new AtomicFileSet())
        {
            if (outIds is not null)
                NpyFile.Write(outputs.Stage(outIds), result.Ids, [q.Rows, k]);
            if (outScores is not null)
                NpyFile.Write(outputs.Stage(outScores), result.Scores, [q.Rows, k]);
            outputs.Commit();
        }
        double qps = q.Rows / Math.Max(searchSeconds, 1e-9);
        new ClusterKnnResult(info.TotalRows, info.Dimension, q.Rows, k, info.Normalize, Identities: null, Backend: "Cluster", Approximate: null,
            searchSeconds, qps, new KnnResult.StageSeconds(readSeconds, Add: 0, searchSeconds), index, info.Shards, info.Replicas)
        {
            // Missing neighbours (a k above the rows) are -1 in the files and left out of the lines.
            Predictions = outIds is null && outScores is null
                ? Enumerable.Range(0, q.Rows).Select(i => result.Ids.AsSpan(i * k, k).ToArray().Where(id => id >= 0).ToArray()).ToArray()
                : null,
        }.Write(stdout, json);
        return 0;
    });

    /// <summary>Runs a client's work; an Orleans failure (no gateway, a lost connection, a timeout) becomes one line.</summary>
    private static int Run(Func<Task<int>> body)
    {
        try
        {
            return body().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is Orleans.Runtime.OrleansException or TimeoutException)
        {
            throw new ClusterException($"the cluster failed: {ClusterException.FirstLine(e)}", e);
        }
    }
}
