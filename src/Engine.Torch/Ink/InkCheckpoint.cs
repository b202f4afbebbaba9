using System.IO.Hashing;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Engine.Torch.Ink;

/// <summary>
/// A model directory: <c>config.json</c> (the model's config, how its input is cut, its metrics and the training
/// options, human-readable) and <c>weights.bin</c> (the weights and batch-norm statistics in TorchSharp's format).
/// </summary>
/// <remarks>
/// Format 2 records weights.bin's length and XXH3-64 checksum in config.json (<c>"weights": {"bytes", "xxh3"}</c>),
/// checked before a byte reaches TorchSharp: a truncated, altered or swapped weights.bin is an error naming the file,
/// never a model with wrong weights or a failure inside libtorch. Format 1 checkpoints (no checksum) still load, with
/// the other checks; save them again to add it. Both files are written under temporary names and renamed, the
/// weights first (<see cref="AtomicFileSet"/>): a failed save leaves an older checkpoint as it was.
/// </remarks>
/// <param name="Model">The net's widths and depths.</param>
/// <param name="Input">How tiles are cut for it.</param>
/// <param name="Metrics">What training measured (validation F0.5, its percentile, loss, …).</param>
public sealed record InkCheckpoint(InkModelConfig Model, InkInput Input, IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>The config file's name in a model directory.</summary>
    public const string ConfigFile = ModelConfigFile.Name;

    /// <summary>The weights file's name in a model directory.</summary>
    public const string WeightsFile = "weights.bin";

    /// <summary>The metric holding the quantile q that validation chose (pixels above the map's q-quantile are ink); <see cref="InkInference"/> thresholds there by default.</summary>
    public const string ValidQuantileMetric = "validQuantile";

    private const int Format = 2;

    /// <summary>The first format, without the weights' length and checksum; still read.</summary>
    private const int FormatWithoutChecksum = 1;

    /// <summary>
    /// Bounds on config.json's sizes, far above any model trained here (widths up to 64, 16–65 input channels, tiles of
    /// 64–512) and below what would make the model alone too large for memory: a config that asks for more is altered.
    /// </summary>
    private const int MaxChannels = 4096, MaxBlocks = 64, MaxTile = 8192;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(), new SliceRangeConverter() },
    };

    /// <summary>The training options the checkpoint was trained with, as JSON; null when none were saved.</summary>
    public JsonObject? Training { get; init; }

    /// <summary>Writes a model directory (created if needed; existing files replaced).</summary>
    /// <param name="directory">The model directory.</param>
    /// <param name="model">The model; its weights are saved wherever they live (CPU or CUDA).</param>
    /// <param name="input">How its tiles are cut.</param>
    /// <param name="metrics">Numbers worth keeping with the model (non-finite values are written as "NaN"/"Infinity").</param>
    /// <param name="training">The training options (any JSON-serializable object), kept for the record; null for none.</param>
    /// <exception cref="ArgumentException"><paramref name="input"/> does not fit <paramref name="model"/>.</exception>
    /// <exception cref="IOException">The directory or a file cannot be written; files already there are left as they were.</exception>
    public static void Save(string directory, InkModel model, InkInput input, IReadOnlyDictionary<string, double> metrics, object? training = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(metrics);
        input.Validate(model.Config);
        using var outputs = new AtomicFileSet();
        outputs.CreateFolder(directory);
        // Staged in this order, so renamed in it: the weights first, then the config that vouches for them.
        string weights = outputs.Stage(Path.Combine(directory, WeightsFile));
        string configFile = outputs.Stage(Path.Combine(directory, ConfigFile));
        model.save(weights);
        var (bytes, checksum) = Digest(weights);
        var config = new JsonObject
        {
            ["format"] = Format,
            ["model"] = JsonSerializer.SerializeToNode(model.Config, Json),
            ["input"] = JsonSerializer.SerializeToNode(input, Json),
            ["metrics"] = JsonSerializer.SerializeToNode(metrics.ToDictionary(), Json),
            ["weights"] = new JsonObject { ["bytes"] = bytes, ["xxh3"] = checksum },
        };
        if (training is not null)
            config["training"] = JsonSerializer.SerializeToNode(training, training.GetType(), Json);
        File.WriteAllText(configFile, config.ToJsonString(Json) + "\n");
        outputs.Commit();
    }

    /// <summary>A file's length and XXH3-64 checksum (16 hex digits), read in chunks.</summary>
    private static (long Bytes, string Checksum) Digest(string path)
    {
        var hash = new XxHash3();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        hash.Append(stream);
        return (stream.Length, hash.GetCurrentHashAsUInt64().ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Reads a model directory's config.json (not the weights).</summary>
    /// <param name="directory">The model directory.</param>
    /// <returns>The checkpoint's config, input, metrics and training options.</returns>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">The directory has no config.json.</exception>
    /// <exception cref="InvalidDataException">config.json is not JSON, lacks a field or holds an invalid value; the message names the file and the field.</exception>
    public static InkCheckpoint Read(string directory)
    {
        string path = ModelConfigFile.In(directory);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"{path} is not a model config: it holds no JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {e.Message}", e);
        }
        int format = Field<int>(root, "format", path);
        if (format is not (Format or FormatWithoutChecksum))
            throw new InvalidDataException($"{path} has format {format}; this version of Engine reads formats {FormatWithoutChecksum} and {Format}.");
        var modelNode = Section(root, "model", path);
        var inputNode = Section(root, "input", path);
        var model = new InkModelConfig
        {
            Groups = Field<int>(modelNode, "groups", path, "model."),
            ChannelsPerGroup = Field<int>(modelNode, "channelsPerGroup", path, "model."),
            Widths = Field<int[]>(modelNode, "widths", path, "model."),
            BlocksPerStage = Field<int>(modelNode, "blocksPerStage", path, "model."),
            NeckChannels = Field<int>(modelNode, "neckChannels", path, "model."),
            Blocks3d = Field<int>(modelNode, "blocks3d", path, "model."),
        };
        var input = new InkInput
        {
            Slices = Field<SliceRange>(inputNode, "slices", path, "input."),
            Tile = Field<int>(inputNode, "tile", path, "input."),
            Scale = Field<TileScale>(inputNode, "scale", path, "input."),
            Normalize = Field<bool>(inputNode, "normalize", path, "input."),
        };
        Bound(model.Groups * (long)model.ChannelsPerGroup, MaxChannels, "model.groups × model.channelsPerGroup", path);
        foreach (int width in model.Widths)
            Bound(width, MaxChannels, "model.widths", path);
        Bound(model.NeckChannels, MaxChannels, "model.neckChannels", path);
        Bound(model.BlocksPerStage, MaxBlocks, "model.blocksPerStage", path);
        Bound(model.Blocks3d, MaxBlocks, "model.blocks3d", path);
        Bound(input.Tile, MaxTile, "input.tile", path);
        WeightsDigest? weights = null;
        if (format == Format)
        {
            var weightsNode = Section(root, "weights", path);
            weights = new WeightsDigest(Field<long>(weightsNode, "bytes", path, "weights."), Field<string>(weightsNode, "xxh3", path, "weights."));
            if (weights.Bytes < 0 || weights.Xxh3.Length != 16 || !weights.Xxh3.All(char.IsAsciiHexDigitLower))
                throw new InvalidDataException($"{path}: the field \"weights\" ({weights.Bytes} bytes, xxh3 \"{weights.Xxh3}\") is not a length and 16 lower-case hex digits.");
        }
        try
        {
            model.Validate();
            input.Validate(model);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        var metrics = root["metrics"] is null ? new Dictionary<string, double>() : Field<Dictionary<string, double>>(root, "metrics", path);
        return new InkCheckpoint(model, input, metrics) { Training = root["training"] as JsonObject, Weights = weights };
    }

    /// <summary>weights.bin's length and XXH3-64 checksum as config.json records them (format 2); null for a format 1 checkpoint.</summary>
    public WeightsDigest? Weights { get; init; }

    /// <summary>The length and XXH3-64 checksum (16 lower-case hex digits) of a checkpoint's weights.bin.</summary>
    /// <param name="Bytes">The file's length.</param>
    /// <param name="Xxh3">Its checksum.</param>
    public sealed record WeightsDigest(long Bytes, string Xxh3);

    private static void Bound(long value, int max, string field, string path)
    {
        if (value > max)
            throw new InvalidDataException($"{path}: the field \"{field}\" is {value}; a model config here has at most {max}.");
    }

    /// <summary>Builds the model a directory holds, with its weights, in eval mode.</summary>
    /// <param name="directory">The model directory.</param>
    /// <param name="device">Where the weights go; null for the CPU.</param>
    /// <returns>The model, ready for inference.</returns>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">config.json or weights.bin is missing.</exception>
    /// <exception cref="InvalidDataException">config.json is invalid, or weights.bin is corrupt or does not fit the config.</exception>
    public static InkModel LoadModel(string directory, Device? device = null)
    {
        var checkpoint = Read(directory);
        string path = Path.Combine(directory, WeightsFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"The model directory {directory} has no {WeightsFile}.", path);
        if (checkpoint.Weights is { } expected)
        {
            long length = new FileInfo(path).Length;
            if (length != expected.Bytes)
                throw new InvalidDataException($"{path} is {length:N0} bytes but {ConfigFile} records {expected.Bytes:N0}: the file is truncated, altered or from another checkpoint.");
            var (_, actual) = Digest(path);
            if (actual != expected.Xxh3)
                throw new InvalidDataException($"{path} is corrupt: its checksum (XXH3-64) is {actual} but {ConfigFile} records {expected.Xxh3}.");
        }
        var model = new InkModel(checkpoint.Model);
        try
        {
            model.load(path);
        }
        // TorchSharp reports a file that does not fit the model as ArgumentException (a tensor's name, type or
        // shape) or EndOfStreamException (too short); both mean this checkpoint, not a disk failure.
        catch (Exception e) when (e is not OutOfMemoryException && (e is not IOException || e is EndOfStreamException))
        {
            model.Dispose();
            throw new InvalidDataException($"{path} cannot be loaded into the model {ConfigFile} describes (corrupt, or saved from another config): {e.Message}", e);
        }
        if (device is not null)
            model.to(device);
        model.eval();
        return model;
    }

    private static JsonObject Section(JsonObject root, string name, string path) =>
        root[name] as JsonObject ?? throw new InvalidDataException($"{path} lacks the \"{name}\" object.");

    private static T Field<T>(JsonObject node, string name, string path, string prefix = "")
    {
        if (node[name] is not { } value)
            throw new InvalidDataException($"{path} lacks the field \"{prefix}{name}\".");
        try
        {
            return value.Deserialize<T>(Json) ?? throw new InvalidDataException($"{path}: the field \"{prefix}{name}\" is null.");
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: the field \"{prefix}{name}\" holds {value.ToJsonString()}, not a valid {typeof(T).Name}: {e.Message}", e);
        }
    }

    /// <summary>Slices as the CLI writes them, "24..39", so config.json reads as a person would type it.</summary>
    private sealed class SliceRangeConverter : JsonConverter<SliceRange>
    {
        public override SliceRange Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            SliceRange.Parse(reader.GetString() ?? "");

        public override void Write(Utf8JsonWriter writer, SliceRange value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString());
    }
}
