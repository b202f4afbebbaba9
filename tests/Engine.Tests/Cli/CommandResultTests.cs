using System.Text.Json;
using Engine.Cli;
using Engine.Cli.Results;

namespace Engine.Tests.Cli;

public class CommandResultTests
{
    [Fact]
    public void One_record_writes_the_json_and_the_text()
    {
        var result = new QuantileResult([0.5, 0.9], [1.25, double.NaN], 3, "float32");

        var json = new StringWriter();
        result.Write(json, json: true);
        var root = JsonDocument.Parse(json.ToString()).RootElement;
        Assert.Equal(["q", "quantiles", "values", "dtype"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("NaN", root.GetProperty("quantiles")[1].GetString());

        var text = new StringWriter();
        result.Write(text, json: false);
        Assert.Equal($"q 0.5: 1.25{Environment.NewLine}q 0.9: NaN{Environment.NewLine}", text.ToString());
    }

    [Fact]
    public void Choice_takes_any_case_and_names_every_choice_when_none_fits()
    {
        Assert.Equal(2, Choice.Parse("--n", "TWO", ("one", 1), ("two", 2)));
        var e = Assert.Throws<ArgumentException>(() => Choice.Parse("--n", "three", ("one", 1), ("two", 2)));
        Assert.Equal("--n three is not one of one, two.", e.Message);
    }
}
