using System.Globalization;
using System.Xml.Linq;

namespace Ec2Isolation.Aws.Query;

/// <summary>Reading Query-protocol answers by local name, whatever the service's XML namespace.</summary>
internal static class QueryXml
{
    public static XElement? Child(this XElement element, string localName) =>
        element.Elements().FirstOrDefault(e => e.Name.LocalName == localName);

    public static string? ChildValue(this XElement element, string localName) => element.Child(localName)?.Value;

    public static string RequiredValue(this XElement element, string localName) =>
        element.ChildValue(localName)
        ?? throw new InvalidDataException($"<{localName}> is missing from <{element.Name.LocalName}>.");

    public static int? IntValue(this XElement element, string localName) =>
        element.ChildValue(localName) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : null;

    /// <summary>The items of a list: <c>&lt;listName&gt;&lt;member&gt;…&lt;/member&gt;…&lt;/listName&gt;</c>.</summary>
    public static IEnumerable<XElement> Members(this XElement element, string listName) =>
        element.Child(listName)?.Elements().Where(e => e.Name.LocalName == "member") ?? [];
}
