using Engine.Cli;

namespace Engine.Cluster.Tests;

/// <summary>The cluster commands' mistakes: one <c>engine: error:</c> line, exit 1, no output file; no silo needed.</summary>
public sealed class ClusterCommandErrorTests
{
    [Fact]
    public async Task A_cluster_that_does_not_answer_is_one_clear_failure()
    {
        // Port 1 on loopback: nothing listens there. Orleans would retry for minutes; the connection gives up in time.
        var failure = await Assert.ThrowsAsync<ClusterException>(() =>
            Hosting.ClusterConnection.ConnectAsync([new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1)], TimeSpan.FromSeconds(2)));
        Assert.Equal("cannot connect to the cluster at 127.0.0.1:1: no gateway answered within 2 s", failure.Message);
    }

    [Fact]
    public void A_bad_database_row_is_named_before_the_cluster_is_contacted()
    {
        using var folder = new TempFolder();
        string db = folder.File("db.npy");
        Engine.IO.NpyFile.Write(db, new[] { 1f, 0, float.NaN, 1 }, [2, 2]);
        // The endpoint has no silo: reaching it would fail only after the connect timeout, with another message.
        var (code, error) = Run("cluster", "index", "--cluster", "127.0.0.1:1", "--name", "bad", "--database", db);
        Assert.Equal(1, code);
        Assert.Equal($"engine: error: {db}: row 1 holds NaN at column 0; embeddings must be finite.", error.TrimEnd());
    }

    [Theory]
    [InlineData("knn", "--cluster", "127.0.0.1:1", "--index", "rnd", "--database", "QUERIES", "--queries", "QUERIES", "--cluster searches an index loaded with engine cluster index")]
    [InlineData("knn", "--cluster", "127.0.0.1", "--index", "rnd", "--queries", "QUERIES", "--cluster 127.0.0.1 is not HOST:PORT")]
    [InlineData("knn", "--queries", "QUERIES", "give --database (a local search) or --cluster with --index")]
    [InlineData("cluster", "index", "--cluster", "127.0.0.1:1", "--name", "../x", "--database", "QUERIES", "--name ../x is not an index name")]
    [InlineData("cluster", "remove", "--cluster", "127.0.0.1:1", "--name", "../x", "--name ../x is not an index name")]
    [InlineData("serve", "--port", "5000", "--gateway-port", "5000", "--port and --gateway-port are both 5000")]
    [InlineData("serve", "--port", "5000", "--gateway-port", "5001", "--address", "10.1.2.3", "--address 10.1.2.3 is not loopback")]
    [InlineData("serve", "--port", "5000", "--gateway-port", "5001", "--clustering", "zookeeper", "--clustering zookeeper is not localhost")]
    public void Mistakes_are_named_before_anything_starts(params string[] argsAndMessage)
    {
        string queries = ClusterTestData.PathOf("random_queries");
        var args = argsAndMessage[..^1].Select(a => a == "QUERIES" ? queries : a).ToArray();
        var (code, error) = Run(args);
        Assert.Equal(1, code);
        Assert.StartsWith($"engine: error: {argsAndMessage[^1]}", error);
    }

    private static (int Code, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error);
        return (code, error.ToString());
    }
}
