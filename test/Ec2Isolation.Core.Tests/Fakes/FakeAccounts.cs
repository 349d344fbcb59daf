using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Replacement;
using Ec2Isolation.Core.Scanning;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;

namespace Ec2Isolation.Core.Tests.Fakes;

/// <summary>Account routers over fake clouds: the home account is <see cref="FakeCloud.AccountId"/> in <see cref="Region"/>, as the sample events.</summary>
internal static class FakeAccounts
{
    public const string Region = "us-east-1";

    public static AccountServices Services(IIsolationService isolation, FakeCloud cloud) => new(isolation, cloud, Mock.Of<IReplacementService>(), Mock.Of<IReplacementScanner>(), cloud, cloud);

    /// <summary>The services of one fake cloud's account: the engine over it, the cloud its own dry-run probe.</summary>
    public static AccountServices Services(FakeCloud cloud, IsolationSettings settings, TimeProvider time) => Services(Service(cloud, settings, time), cloud);

    /// <summary>The engine over one fake cloud, the cloud its own dry-run probe and caller.</summary>
    public static IsolationService Service(FakeCloud cloud, IsolationSettings settings, TimeProvider time) =>
        new(new AwsApis(cloud, cloud, cloud, cloud, cloud, cloud, cloud), cloud, cloud, settings, Region, time, NullLogger<IsolationService>.Instance);

    /// <param name="members">Builds a member's services; none expected when null.</param>
    /// <param name="organization">The accounts AWS Organizations lists, for an organization-scoped <paramref name="settings"/>.</param>
    public static AccountRouter Router(
        AccountServices home,
        AccountSettings? settings = null,
        Func<string, AccountServices>? members = null,
        ILogger<AccountRouter>? logger = null,
        IOrganizationAccounts? organization = null) =>
        new(
            settings,
            Region,
            new KnownAccount(FakeCloud.AccountId),
            home,
            members ?? (accountId => throw new InvalidOperationException($"No member services expected, asked for {accountId}")),
            logger ?? NullLogger<AccountRouter>.Instance,
            organization);
}
