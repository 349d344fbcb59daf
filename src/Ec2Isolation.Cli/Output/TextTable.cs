namespace Ec2Isolation.Cli.Output;

/// <summary>Rows of cells, each column padded to its widest cell, two spaces apart.</summary>
internal static class TextTable
{
    public static void Write(TextWriter writer, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var widths = new int[rows.Max(row => row.Count)];
        foreach (var row in rows)
        {
            for (var column = 0; column < row.Count; column++)
            {
                widths[column] = Math.Max(widths[column], row[column].Length);
            }
        }

        foreach (var row in rows)
        {
            writer.WriteLine(string.Join("  ", row.Select((cell, column) => cell.PadRight(widths[column]))).TrimEnd());
        }
    }
}
