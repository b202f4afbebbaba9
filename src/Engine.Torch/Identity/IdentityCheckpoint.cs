using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Engine.Torch.Identity;

/// <summary>
/// A model directory: <c>config.json</c> (the net's shape, its input, the new_individual thresholds chosen on the
/// validation split, metrics, training options) and <c>weights.bin</c> (the embedding net's weights and batch-norm
/// statistics; the ArcFace head is not kept: prediction searches the training images' embeddings).
/// </summary>
public sealed record IdentityCheckpoint(IdentityModelConfig Model, int Size, IdentityResize Resize, double Threshold,
    IReadOnlyDictionary<string, double> SpeciesThresholds, IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>The config file's name.</summary>
    public const string ConfigFile = ModelConfigFile.Name;

    /// <summary>The weights file's name.</summary>
    public const string WeightsFile = "weights.bin";

    private const int Format = 1;
    private const string Kind = "identity";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The training options, as saved; null when none were.</summary>
    public JsonObject? Training { get; init; }

    /// <summary>The saved training options as <see cref="IdentityTrainerOptions"/> (pseudo-label rounds retrain with them); null when none were saved.</summary>
    /// <exception cref="InvalidDataException">They are not an identity trainer's options.</exception>
    public IdentityTrainerOptions? TrainerOptions()
    {
        try
        {
            return Training?.Deserialize<IdentityTrainerOptions>(Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The saved training options are not an identity trainer's: {e.Message}", e);
        }
    }

    /// <summary>Writes the directory (weights first, each file under a temporary name then renamed).</summary>
    public void Save(string directory, IdentityNet net, object? training = null)
    {
        Directory.CreateDirectory(directory);
        var config = new JsonObject
        {
            ["format"] = Format,
            ["kind"] = Kind,
            ["model"] = JsonSerializer.SerializeToNode(Model, Json),
            ["size"] = Size,
            ["resize"] = Resize.ToString(),
            ["threshold"] = Threshold,
            ["speciesThresholds"] = JsonSerializer.SerializeToNode(SpeciesThresholds.ToDictionary(), Json),
            ["metrics"] = JsonSerializer.SerializeToNode(Metrics.ToDictionary(), Json),
        };
        if (training is not null)
            config["training"] = JsonSerializer.SerializeToNode(training, training.GetType(), Json);
        // Staged in this order, so renamed in it: the weights first, then the config that describes them.
        using var outputs = new Engine.IO.AtomicFileSet();
        outputs.CreateFolder(directory);
        string weights = outputs.Stage(Path.Combine(directory, WeightsFile));
        string configFile = outputs.Stage(Path.Combine(directory, ConfigFile));
        net.save(weights);
        File.WriteAllText(configFile, config.ToJsonString(Json) + "\n");
        outputs.Commit();
    }

    /// <summary>Reads config.json.</summary>
    /// <exception cref="DirectoryNotFoundException">No such directory.</exception>
    /// <exception cref="FileNotFoundException">No config.json.</exception>
    /// <exception cref="InvalidDataException">config.json is not an identity model's; the message names the file and the field.</exception>
    public static IdentityCheckpoint Read(string directory)
    {
        string path = ModelConfigFile.In(directory);
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path} holds no JSON object.");
            if (root["kind"]?.GetValue<string>() != Kind)
                throw new InvalidDataException($"{path} is not an identity model (its \"kind\" is not \"{Kind}\").");
            if (root["format"]?.GetValue<int>() != Format)
                throw new InvalidDataException($"{path} has format {root["format"]}; this version of Engine reads format {Format}.");
            T Field<T>(string name) => (root[name] ?? throw new InvalidDataException($"{path} lacks the field \"{name}\".")).Deserialize<T>(Json)
                ?? throw new InvalidDataException($"{path}: the field \"{name}\" is null.");
            var model = Field<IdentityModelConfig>("model");
            model.Validate();
            return new IdentityCheckpoint(model, Field<int>("size"), Enum.Parse<IdentityResize>(Field<string>("resize")), Field<double>("threshold"),
                Field<Dictionary<string, double>>("speciesThresholds"), Field<Dictionary<string, double>>("metrics"))
            { Training = root["training"] as JsonObject };
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path} is not a valid identity model config: {e.Message}", e);
        }
    }

    /// <summary>Builds the net a directory holds, with its weights, in eval mode.</summary>
    /// <exception cref="InvalidDataException">weights.bin is corrupt or does not fit the config.</exception>
    public static (IdentityNet Net, IdentityCheckpoint Checkpoint) Load(string directory)
    {
        var checkpoint = Read(directory);
        string path = Path.Combine(directory, WeightsFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"The model directory {directory} has no {WeightsFile}.", path);
        var net = new IdentityNet(checkpoint.Model);
        try
        {
            net.load(path);
        }
        catch (Exception e) when (e is not (IOException or OutOfMemoryException))
        {
            net.Dispose();
            throw new InvalidDataException($"{path} cannot be loaded into the net {ConfigFile} describes: {e.Message}", e);
        }
        net.eval();
        return (net, checkpoint);
    }
}
