using System.Text.Json.Serialization;

namespace Ec2Isolation.Lambda.Runtime;

/// <summary>The body of <c>/invocation/{id}/error</c> and <c>/init/error</c>.</summary>
internal sealed record ErrorPayload(string ErrorMessage, string ErrorType, IReadOnlyList<string> StackTrace);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ErrorPayload))]
internal sealed partial class RuntimeJsonContext : JsonSerializerContext;
