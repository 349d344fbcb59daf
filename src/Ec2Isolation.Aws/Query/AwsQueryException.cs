using System.Net;

namespace Ec2Isolation.Aws.Query;

/// <summary>An error answer of a Query-protocol service: its error code (e.g. <c>NoSuchEntity</c>), message and HTTP status.</summary>
public sealed class AwsQueryException(string code, string message, HttpStatusCode status) : Exception($"{code}: {message}")
{
    public string Code { get; } = code;

    public string ErrorMessage { get; } = message;

    public HttpStatusCode Status { get; } = status;
}
