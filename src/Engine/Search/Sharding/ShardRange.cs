namespace Engine.Search.Sharding;

/// <summary>One shard's rows: positions [<see cref="Start"/>, <see cref="Start"/> + <see cref="Count"/>) of the whole index.</summary>
/// <param name="Shard">The shard's number, 0 … shards − 1.</param>
/// <param name="Start">The first row.</param>
/// <param name="Count">Rows in the shard.</param>
public readonly record struct ShardRange(int Shard, long Start, long Count);
