using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Engine.IO;
using Engine.Search;

namespace Engine.Cli.Commands;

/// <summary><c>engine knn</c>: exact cosine / inner-product top-k search of .npy or .fvecs embeddings (<see cref="CosineIndex"/>).</summary>
internal static class KnnCommand
{
    public static Command Create()
    {
        var database = CommandLine.FileOption("--database", "Database embeddings: .npy (2D, rows × dimension) or .fvecs (or --cluster and --index).");
        var queries = CommandLine.FileOption("--queries", "Query embeddings: .npy (2D) or .fvecs, same dimension.", required: true);
        var k = new Option<int>("-k") { Description = $"Results per query (1 … {CosineIndex.MaxK}).", DefaultValueFactory = _ => 5 };
        var normalize = new Option<bool>("--normalize") { Description = "L2-normalize database and queries (as faiss.normalize_L2), so scores are cosine similarities." };
        var labels = CommandLine.FileOption("--labels", "Identity label of each database row, one per line: rank the top-k distinct identities, each scored by its best row.");
        var threshold = new Option<double?>("--new-individual-threshold") { Description = "With --labels: insert new_individual before the first identity scoring strictly below this." };
        var outIds = CommandLine.FileOption("--out-ids", "Write the ids (int64 .npy, queries × k; with --labels, the row that scored each identity).");
        var outScores = CommandLine.FileOption("--out-scores", "Write the scores (float32 .npy, queries × k).");
        var outCsv = CommandLine.FileOption("--out", "Write predictions as CSV: query,predictions (space-separated ids or labels, best first).");
        var json = CommandLine.JsonOption();
        var backend = CommandLine.BackendOption();
        var approximate = new Option<string?>("--approximate") { Description = "int8: scan an int8 copy of the database, then re-score exactly every row the int8 error bound cannot exclude — the same ids and scores as the exact search (CPU only; pays when memory-bound, see docs/performance.md)." };
        var cluster = ClusterCommand.ClusterOption(required: false);
        var clusterIndex = new Option<string?>("--index") { Description = "With --cluster: the index loaded with engine cluster index." };
        var command = new Command("knn", "Exact top-k search by inner product (cosine with --normalize), a FAISS IndexFlatIP drop-in; with --labels, top-k identities.")
        {
            database, queries, k, normalize, labels, threshold, outIds, outScores, outCsv, json, backend, approximate, cluster, clusterIndex,
        };
        command.SetAction(parse => CommandLine.Execute(parse, (stdout, cancel) =>
        {
            int count = parse.GetValue(k);
            if (count < 1 || count > CosineIndex.MaxK)
                throw new ArgumentException($"-k {count} is out of range; it must be in [1, {CosineIndex.MaxK}].");
            if (parse.GetValue(cluster) is { } endpoints)
            {
                // The index (and its normalization) lives in the cluster; options about a local database do not apply.
                if (parse.GetValue(database) is not null || parse.GetValue(normalize) || parse.GetValue(labels) is not null || parse.GetValue(outCsv) is not null
                    || parse.GetValue(threshold) is not null || parse.GetValue(approximate) is not null || parse.GetValue(backend) != "auto")
                    throw new ArgumentException("--cluster searches an index loaded with engine cluster index (normalized there); it takes --index, --queries, -k, --out-ids, --out-scores and --json, not --database, --normalize, --labels, --new-individual-threshold, --out, --approximate or --backend.");
                return ClusterCommand.Search(stdout, parse, endpoints, parse.GetValue(clusterIndex), parse.GetValue(queries)!.FullName, count,
                    parse.GetValue(outIds)?.FullName, parse.GetValue(outScores)?.FullName, parse.GetValue(json));
            }
            if (parse.GetValue(database) is null)
                throw new ArgumentException("give --database (a local search) or --cluster with --index (a search of an index loaded into a cluster).");
            string dbPath = parse.GetValue(database)!.FullName, queryPath = parse.GetValue(queries)!.FullName;
            var newIndividualThreshold = parse.GetValue(threshold);
            if (newIndividualThreshold is { } limit && !double.IsFinite(limit))
                throw new ArgumentException($"--new-individual-threshold {limit.ToString(CultureInfo.InvariantCulture)} is not a finite score.");
            if (newIndividualThreshold is not null && parse.GetValue(labels) is null)
                throw new ArgumentException("--new-individual-threshold needs --labels (the identities it ranks against).");
            if (parse.GetValue(outCsv) is not null && (parse.GetValue(outIds) is not null || parse.GetValue(outScores) is not null))
                throw new ArgumentException("--out writes CSV predictions; give either --out or --out-ids/--out-scores, not both.");
            string? scan = parse.GetValue(approximate);
            if (scan is not null && scan != "int8")
                throw new ArgumentException($"--approximate {scan} is not supported; the approximate scan is int8.");
            if (scan is not null && parse.GetValue(labels) is not null)
                throw new ArgumentException("--approximate searches rows, not identities; it cannot be combined with --labels.");
            if (scan is not null && parse.GetValue(backend) is not ("auto" or "cpu"))
                throw new ArgumentException($"--approximate runs on the CPU SIMD path; it cannot be combined with --backend {parse.GetValue(backend)}.");

            var clock = Stopwatch.StartNew();
            var db = EmbeddingFile.Read(dbPath);
            if (db.Rows == 0)
                throw new ArgumentException($"{dbPath} has no rows; the database must not be empty.");
            var q = EmbeddingFile.Read(queryPath);
            if (q.Rows == 0)
                throw new ArgumentException($"{queryPath} has no rows.");
            if (q.Dimension != db.Dimension)
                throw new ArgumentException($"{queryPath} has dimension {q.Dimension} but {dbPath} has {db.Dimension}; they must match.");
            // The results: a float32 score and an int64 id per query and rank, and as much again for the printed predictions.
            CommandLine.RequireMemory(2L * q.Rows * count * (sizeof(float) + sizeof(long)), $"-k {count} for the {CommandLine.Count(q.Rows)} queries of {queryPath}");
            string[]? names = parse.GetValue(labels) is { } labelFile ? ReadLabels(labelFile.FullName, db.Rows) : null;
            double readSeconds = clock.Elapsed.TotalSeconds;

            using var compute = CommandLine.CreateCompute(parse.GetValue(backend)!);
            clock.Restart();
            // With a kernel backend the rows go to the device once and every batch of queries searches them there;
            // identities are ranked by the CPU index.
            bool normalized = parse.GetValue(normalize);
            using ICosineIndex index = names is not null ? new CosineIndex(db.Dimension, normalized)
                : scan is not null ? new Int8CosineIndex(db.Dimension, normalized)
                : compute.UsesKernels ? new DeviceCosineIndex(compute, db.Dimension, normalized)
                : new CosineIndex(db.Dimension, normalized);
            var identityOf = new Dictionary<string, int>();
            int[] identities = names?.Select(n => identityOf.TryAdd(n, identityOf.Count) ? identityOf.Count - 1 : identityOf[n]).ToArray() ?? [];
            Named(dbPath, () => index.Add(db.Data, identities: identities, cancellationToken: cancel));
            double addSeconds = clock.Elapsed.TotalSeconds;

            clock.Restart();
            float[] scores;
            long[] ids;
            string[][] predictions;
            using (var bar = ProgressBar.Start(parse, "Searching", q.Rows))
            {
                if (names is null)
                {
                    var result = Named(queryPath, () => index.Search(q.Data, count, bar, cancellationToken: cancel));
                    (scores, ids) = (result.Scores, result.Ids);
                    predictions = Rows(q.Rows, count, i => ids[i] < 0 ? null : ids[i].ToString(CultureInfo.InvariantCulture));
                }
                else
                {
                    var result = Named(queryPath, () => ((CosineIndex)index).SearchIdentities(q.Data, count, bar));
                    var labelOf = identityOf.OrderBy(e => e.Value).Select(e => e.Key).ToArray();
                    (scores, ids) = (result.Scores, result.Ids);
                    predictions = Rows(q.Rows, count, i => result.Identities[i] < 0 ? null : labelOf[result.Identities[i]]);
                    if (newIndividualThreshold is { } t)
                    {
                        for (int i = 0; i < q.Rows; i++)
                            predictions[i] = IdentityRanking.InsertNewIndividual<string>(predictions[i],
                                scores.AsSpan(i * count, predictions[i].Length), t, IdentityRanking.NewIndividual, count);
                    }
                }
            }
            double searchSeconds = clock.Elapsed.TotalSeconds;

            // Written under temporary names and renamed together: a failed write leaves neither file.
            using (var outputs = new AtomicFileSet())
            {
                if (parse.GetValue(outIds) is { } idFile)
                    NpyFile.Write(outputs.Stage(idFile.FullName), ids, [q.Rows, count]);
                if (parse.GetValue(outScores) is { } scoreFile)
                    NpyFile.Write(outputs.Stage(scoreFile.FullName), scores, [q.Rows, count]);
                if (parse.GetValue(outCsv) is { } csvFile)
                    WriteCsv(outputs.Stage(csvFile.FullName), predictions);
                outputs.Commit();
            }

            double qps = q.Rows / Math.Max(searchSeconds, 1e-9);
            bool printPredictions = parse.GetValue(outIds) is null && parse.GetValue(outScores) is null && parse.GetValue(outCsv) is null;
            new KnnResult(Rows: db.Rows, Dims: db.Dimension, Queries: q.Rows, K: count, Normalized: index.Normalize,
                Identities: names is null ? null : identityOf.Count, Backend: index is DeviceCosineIndex ? compute.Backend.ToString() : "Cpu", Approximate: scan,
                Seconds: searchSeconds, QueriesPerSecond: qps, Stages: new KnnResult.StageSeconds(readSeconds, addSeconds, searchSeconds))
            {
                Predictions = printPredictions ? predictions : null,
            }.Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    /// <summary>Prefixes a library error about rows with the file it came from.</summary>
    private static T Named<T>(string path, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (ArgumentException e) when (e is not ArgumentOutOfRangeException)
        {
            throw new ArgumentException($"{path}: {e.Message}", e);
        }
    }

    private static void Named(string path, Action action) => Named(path, () => { action(); return 0; });

    private static string[][] Rows(int queries, int k, Func<int, string?> label)
    {
        var rows = new string[queries][];
        for (int i = 0; i < queries; i++)
            rows[i] = Enumerable.Range(i * k, k).Select(label).OfType<string>().ToArray();
        return rows;
    }

    private static string[] ReadLabels(string path, int rows)
    {
        var lines = File.ReadAllLines(path);
        int count = lines.Length;
        if (count != rows)
            throw new ArgumentException($"{path} has {count} labels but the database has {rows} rows; give one label per row.");
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]) || lines[i].Contains(' ') || lines[i].Contains(','))
                throw new ArgumentException($"{path} line {i + 1} (\"{lines[i]}\") is not a label: labels are non-empty, without spaces or commas.");
        }
        return lines;
    }

    private static void WriteCsv(string path, string[][] predictions)
    {
        using var file = AtomicFile.Create(path, 1 << 16);
        using (var writer = new StreamWriter(file.Stream, leaveOpen: true))
        {
            writer.WriteLine("query,predictions");
            for (int i = 0; i < predictions.Length; i++)
                writer.WriteLine($"{i},{string.Join(' ', predictions[i])}");
        }
        file.Commit();
    }
}
