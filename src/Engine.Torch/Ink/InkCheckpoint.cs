using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Engine.Volumes;
using TorchSharp;
using static TorchSharp.torch;

namespace Engine.Torch.Ink;

/// <summary>
/// A model directory: <c>config.json</c> (the model's config, how its input is cut, its metrics and the training
/// options, human-readable) and <c>weights.bin</c> (the weights and batch-norm statistics in TorchSharp's format).
/// </summary>
/// <param name="Model">The net's widths and depths.</param>
/// <param name="Input">How tiles are cut for it.</param>
/// <param name="Metrics">What training measured (validation F0.5, its percentile, loss, …).</param>
public sealed record InkCheckpoint(InkModelConfig Model, InkInput Input, IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>The config file's name in a model directory.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>The weights file's name in a model directory.</summary>
    public const string WeightsFile = "weights.bin";

    private const int Format = 1;

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
    /// <exception cref="IOException">The directory or a file cannot be written.</exception>
    public static void Save(string directory, InkModel model, InkInput input, IReadOnlyDictionary<string, double> metrics, object? training = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(metrics);
        input.Validate(model.Config);
        Directory.CreateDirectory(directory);
        var config = new JsonObject
        {
            ["format"] = Format,
            ["model"] = JsonSerializer.SerializeToNode(model.Config, Json),
            ["input"] = JsonSerializer.SerializeToNode(input, Json),
            ["metrics"] = JsonSerializer.SerializeToNode(metrics.ToDictionary(), Json),
        };
        if (training is not null)
            config["training"] = JsonSerializer.SerializeToNode(training, training.GetType(), Json);
        model.save(Path.Combine(directory, WeightsFile));
        File.WriteAllText(Path.Combine(directory, ConfigFile), config.ToJsonString(Json) + "\n");
    }

    /// <summary>Reads a model directory's config.json (not the weights).</summary>
    /// <param name="directory">The model directory.</param>
    /// <returns>The checkpoint's config, input, metrics and training options.</returns>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">The directory has no config.json.</exception>
    /// <exception cref="InvalidDataException">config.json is not JSON, lacks a field or holds an invalid value; the message names the file and the field.</exception>
    public static InkCheckpoint Read(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"The model directory {directory} does not exist.");
        string path = Path.Combine(directory, ConfigFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{directory} is not a model directory: it has no {ConfigFile}.", path);
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
        if (format != Format)
            throw new InvalidDataException($"{path} has format {format}; this version of Engine reads format {Format}.");
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
        return new InkCheckpoint(model, input, metrics) { Training = root["training"] as JsonObject };
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
        var model = new InkModel(checkpoint.Model);
        try
        {
            model.load(path);
        }
        catch (Exception e) when (e is not (IOException or OutOfMemoryException))
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
