using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;

namespace Ec2Isolation.Aws.Notifications;

/// <summary>
/// A secret kept in an SSM SecureString parameter: read with decryption once per process and kept in memory (a failed
/// read is tried again on the next use). Never logged, never recorded: errors name the parameter, not its value.
/// </summary>
public sealed class SsmSecret(IAmazonSimpleSystemsManagement ssm, string parameterName) : Core.Approvals.ISecretSource
{
    private readonly Lock _lock = new();
    private Task<string>? _value;

    /// <summary>The parameter's name or ARN.</summary>
    public string ParameterName { get; } = parameterName;

    public Task<string> GetAsync(CancellationToken cancellationToken)
    {
        Task<string> value;
        lock (_lock)
        {
            if (_value is null || _value.IsFaulted || _value.IsCanceled)
            {
                // Shared by every caller: no caller's token may cancel it, each only stops waiting.
                _value = ReadAsync();
            }

            value = _value;
        }

        return value.WaitAsync(cancellationToken);
    }

    /// <summary>Drops the value read, so that the next use reads the parameter again (a token refused as revoked may have been rotated).</summary>
    public void Forget()
    {
        lock (_lock)
        {
            _value = null;
        }
    }

    private async Task<string> ReadAsync()
    {
        GetParameterResponse response;
        try
        {
            response = await ssm.GetParameterAsync(new() { Name = ParameterName, WithDecryption = true }, CancellationToken.None);
        }
        catch (ParameterNotFoundException)
        {
            throw new NotificationException($"SSM parameter {ParameterName} was not found (check its name, the region and the account).");
        }

        return response.Parameter switch
        {
            { Type: var type } when type != ParameterType.SecureString =>
                throw new NotificationException($"SSM parameter {ParameterName} is a {type}, not a SecureString: store the secret encrypted."),
            { Value: { Length: > 0 } value } => value,
            _ => throw new NotificationException($"SSM parameter {ParameterName} is empty."),
        };
    }
}
