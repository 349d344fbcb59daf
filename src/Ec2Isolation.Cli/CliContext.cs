using Ec2Isolation.Aws;
using Ec2Isolation.Core.Configuration;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Cli;

/// <summary>
/// What one command runs with: the settings, the AWS connection, the logger factory and the member account it acts in
/// (--account; null: the caller's own). Owns what the service
/// factory builds for the command, and disposes it, then the logger factory (which flushes the logs), when the command ends.
/// </summary>
internal sealed class CliContext(IsolationSettings settings, AwsConnection connection, ILoggerFactory loggerFactory, string? accountId = null) : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    public IsolationSettings Settings { get; } = settings;

    public AwsConnection Connection { get; } = connection;

    public ILoggerFactory LoggerFactory { get; } = loggerFactory;

    public string? AccountId { get; } = accountId;

    /// <summary>Disposes the resource when the command ends.</summary>
    public void Own(IAsyncDisposable resource) => _owned.Add(resource);

    public async ValueTask DisposeAsync()
    {
        foreach (var resource in Enumerable.Reverse(_owned))
        {
            await resource.DisposeAsync();
        }

        LoggerFactory.Dispose();
    }
}
