using Ec2Isolation.Cli.Output;

namespace Ec2Isolation.Cli.Tests;

public sealed class TextTableTests
{
    [Fact]
    public void Write_CellsOfDifferentWidths_PadsEachColumnToItsWidestCell()
    {
        using var writer = new StringWriter();

        TextTable.Write(writer, [["a", "bb", "c"], ["aaa", "b", "cccc"]]);

        Assert.Equal("a    bb  c\naaa  b   cccc\n", writer.ToString().ReplaceLineEndings("\n"));
    }
}
