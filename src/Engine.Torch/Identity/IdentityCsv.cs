namespace Engine.Torch.Identity;

/// <summary>
/// Reads the Happywhale layout: a CSV with a header naming <c>image</c>, <c>individual_id</c> and optionally
/// <c>species</c> (any order, other columns ignored), one row per image of a folder. Every error is one line naming
/// the file and the line: a missing column, a row with too few fields, an empty image name, an image the folder
/// lacks, an image listed twice.
/// </summary>
public static class IdentityCsv
{
    /// <summary>The image column's name.</summary>
    public const string ImageColumn = "image";

    /// <summary>The individual column's name.</summary>
    public const string IndividualColumn = "individual_id";

    /// <summary>The species column's name.</summary>
    public const string SpeciesColumn = "species";

    /// <summary>Reads a CSV and checks that every image exists in <paramref name="images"/>.</summary>
    /// <param name="path">The CSV.</param>
    /// <param name="images">The image folder; null skips the existence check.</param>
    /// <param name="requireIndividual">True for a training or truth CSV (the <c>individual_id</c> column must be there).</param>
    /// <returns>The rows in file order.</returns>
    /// <exception cref="FileNotFoundException">The CSV does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">The image folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The CSV is malformed; the message names the file and the line.</exception>
    public static IReadOnlyList<IdentityRecord> Read(string path, string? images, bool requireIndividual)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"The CSV {path} does not exist.", path);
        if (images is not null && !Directory.Exists(images))
            throw new DirectoryNotFoundException($"The image folder {images} does not exist.");
        using var reader = new StreamReader(path);
        string? header = reader.ReadLine();
        if (header is null)
            throw new InvalidDataException($"{path} is empty: it needs a header naming the columns {ImageColumn},{IndividualColumn}[,{SpeciesColumn}].");
        var names = Split(header).Select(n => n.Trim().TrimStart('\uFEFF')).ToArray();
        int image = Array.IndexOf(names, ImageColumn), individual = Array.IndexOf(names, IndividualColumn), species = Array.IndexOf(names, SpeciesColumn);
        if (image < 0)
            throw new InvalidDataException($"{path}, line 1: the header lacks the column \"{ImageColumn}\" (it has: {string.Join(", ", names)}).");
        if (requireIndividual && individual < 0)
            throw new InvalidDataException($"{path}, line 1: the header lacks the column \"{IndividualColumn}\" (it has: {string.Join(", ", names)}).");
        int needed = Math.Max(image, Math.Max(individual, species)) + 1;
        var rows = new List<IdentityRecord>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        string? line;
        int number = 1;
        while ((line = reader.ReadLine()) is not null)
        {
            number++;
            if (line.Length == 0)
                continue;
            var fields = Split(line);
            if (fields.Count < needed)
                throw new InvalidDataException($"{path}, line {number}: {fields.Count} fields where the header asks for at least {needed}.");
            string name = fields[image].Trim();
            if (name.Length == 0)
                throw new InvalidDataException($"{path}, line {number}: the image name is empty.");
            if (seen.TryGetValue(name, out int first))
                throw new InvalidDataException($"{path}, line {number}: the image \"{name}\" is listed again (first on line {first}).");
            seen[name] = number;
            string? id = individual < 0 ? null : fields[individual].Trim();
            if (requireIndividual && string.IsNullOrEmpty(id))
                throw new InvalidDataException($"{path}, line {number}: the individual_id of \"{name}\" is empty.");
            if (images is not null && !File.Exists(Path.Combine(images, name)))
                throw new InvalidDataException($"{path}, line {number}: the image \"{name}\" is not in {images}.");
            rows.Add(new IdentityRecord(name, string.IsNullOrEmpty(id) ? null : id, species < 0 ? null : fields[species].Trim()));
        }
        if (rows.Count == 0)
            throw new InvalidDataException($"{path} has a header but no rows.");
        return rows;
    }

    /// <summary>Writes a CSV with the columns image, individual_id[, species] (species when any record has one).</summary>
    public static void Write(string path, IEnumerable<IdentityRecord> records)
    {
        var list = records.ToList();
        bool species = list.Any(r => r.Species is not null);
        Engine.IO.AtomicFile.WriteAllLines(path, list.Select(r => species
            ? $"{Quote(r.Image)},{Quote(r.Individual ?? "")},{Quote(r.Species ?? "")}"
            : $"{Quote(r.Image)},{Quote(r.Individual ?? "")}").Prepend(species ? "image,individual_id,species" : "image,individual_id"));
    }

    internal static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";

    /// <summary>Splits one CSV line: commas, with RFC 4180 double quotes around fields that hold commas or quotes.</summary>
    internal static List<string> Split(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                    quoted = false;
                else
                    field.Append(c);
            }
            else if (c == '"')
                quoted = true;
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
                field.Append(c);
        }
        fields.Add(field.ToString());
        return fields;
    }
}
