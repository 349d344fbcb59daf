namespace Ec2Isolation.Aws.Query;

/// <summary>How a paged list action of a Query service carries its position: the request parameter and the result element.</summary>
public sealed record QueryPaging(string RequestParameter, string ResultElement)
{
    /// <summary>IAM: <c>Marker</c> both ways.</summary>
    public static QueryPaging Marker { get; } = new("Marker", "Marker");

    /// <summary>Auto Scaling: <c>NextToken</c> both ways.</summary>
    public static QueryPaging NextToken { get; } = new("NextToken", "NextToken");

    /// <summary>ELBv2: <c>Marker</c> in the request, <c>NextMarker</c> in the result.</summary>
    public static QueryPaging NextMarker { get; } = new("Marker", "NextMarker");
}
