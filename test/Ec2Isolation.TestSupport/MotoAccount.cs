using System.Xml.Linq;
using Amazon.DynamoDBv2;
using Amazon.EC2;
using Amazon.EC2.Model;
using Ec2Isolation.Aws;
using Ec2Isolation.Aws.DynamoDb;
using Ec2Isolation.Aws.Query;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Microsoft.Extensions.DependencyInjection;

namespace Ec2Isolation.TestSupport;

/// <summary>
/// A small realistic account in the emulator for end-to-end runs: the record table, the deny-all isolation profile,
/// an application role and profile, a VPC with instances, and optionally an Auto Scaling group behind a target group.
/// Everything is made with the real SDK clients and the signed Query client. A member account (central mode) has
/// the same, but no table: its records go to the central account's.
/// </summary>
public sealed class MotoAccount(AwsClientFactory clients, Ec2TestAccount network) : IDisposable
{
    /// <summary>The role a central deployment assumes in member accounts.</summary>
    public const string MemberRole = "ec2-isolation-member";

    public const string TableName = "ec2-isolation-records";
    public const string IsolationProfile = "ec2-isolation-deny-all";
    public const string AppProfile = "web-app";
    public const string AppRole = "web-app-role";

    public AwsClientFactory Clients { get; } = clients;

    public Ec2TestAccount Network { get; } = network;

    public IAmazonEC2 Ec2 => Network.Ec2;

    public IsolationSettings Settings { get; } = new() { TableName = TableName, IsolationInstanceProfile = IsolationProfile };

    public static async Task<MotoAccount> CreateAsync(MotoServer moto, bool dualStack = false)
    {
        ArgumentNullException.ThrowIfNull(moto);
        await moto.ResetAsync();
        var clients = moto.Clients();
        var account = await CreateInAsync(clients, dualStack);
        using var dynamo = clients.CreateDynamoDb();
        await CreateRecordTableAsync(dynamo, TableName);
        return account;
    }

    /// <summary>
    /// A member account of the emulator, its state its own, set up over <see cref="MemberRole"/> assumed from the default
    /// account (moto does not evaluate trust policies: any role in any account can be assumed). Reset the emulator first.
    /// </summary>
    public static Task<MotoAccount> CreateMemberAsync(MotoServer moto, string accountId)
    {
        ArgumentNullException.ThrowIfNull(moto);
        return CreateInAsync(MemberClients(moto, accountId));
    }

    /// <summary>Clients acting in <paramref name="accountId"/> as the central deployment does: its member role, assumed with STS.</summary>
    public static AwsClientFactory MemberClients(MotoServer moto, string accountId)
    {
        ArgumentNullException.ThrowIfNull(moto);
        return moto.Clients().ForMember(new AccountSettings(MemberRole, new HashSet<string> { accountId }, ExternalId: null), accountId);
    }

    private static async Task<MotoAccount> CreateInAsync(AwsClientFactory clients, bool dualStack = false)
    {
        var account = new MotoAccount(clients, await Ec2TestAccount.CreateAsync(clients.CreateEc2(), dualStack));
        await account.CreateProfileAsync(IsolationProfile, "ec2-isolation-deny-all-role");
        await account.CreateProfileAsync(AppProfile, AppRole);
        return account;
    }

    /// <summary>The record table as the stack defines it: keyed by account, region and instance id.</summary>
    public static Task CreateRecordTableAsync(IAmazonDynamoDB dynamo, string tableName) =>
        CreateTableAsync(dynamo, tableName, DynamoRecordStore.KeyAttribute);

    /// <summary>A table keyed by <paramref name="hashKey"/> (the record table before many accounts: InstanceId).</summary>
    public static async Task CreateTableAsync(IAmazonDynamoDB dynamo, string tableName, string hashKey)
    {
        ArgumentNullException.ThrowIfNull(dynamo);
        await dynamo.CreateTableAsync(new()
        {
            TableName = tableName,
            AttributeDefinitions = [new(hashKey, ScalarAttributeType.S)],
            KeySchema = [new(hashKey, Amazon.DynamoDBv2.KeyType.HASH)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        });
    }

    /// <summary>The service as the CLI and the Lambda build it, pointed at the emulator.</summary>
    public IIsolationService CreateService(Func<IsolationSettings, IsolationSettings>? configure = null) =>
        BuildProvider(configure).GetRequiredService<IIsolationService>();

    /// <param name="endpoint">Where every client sends its calls: the emulator, or a <see cref="FaultProxy"/> in front of it.</param>
    public ServiceProvider BuildProvider(Func<IsolationSettings, IsolationSettings>? configure = null, string? endpoint = null)
    {
        var clients = endpoint is null ? Clients : new AwsClientFactory(Clients.Connection with { EndpointUrl = endpoint }, Clients.Credentials);
        return new ServiceCollection()
            .AddLogging()
            .AddSingleton(clients)
            .AddEc2Isolation(configure?.Invoke(Settings) ?? Settings, clients.Connection)
            .BuildServiceProvider();
    }

    public Task<XElement> QueryAsync(QueryService service, string action, params KeyValuePair<string, string>[] parameters) =>
        AwsQueryClient.Create(Clients, service).SendAsync(action, parameters, CancellationToken.None);

    public async Task AssociateAppProfileAsync(string instanceId) =>
        await Ec2.AssociateIamInstanceProfileAsync(new() { InstanceId = instanceId, IamInstanceProfile = new() { Name = AppProfile } });

    /// <summary>An Auto Scaling group of one instance whose ENI carries <paramref name="groupId"/>, registered in a target group on port 8080.</summary>
    /// <returns>The instance id and the target group ARN.</returns>
    public async Task<(string InstanceId, string TargetGroupArn)> CreateAutoScalingMemberBehindTargetGroupAsync(string groupId)
    {
        var template = await Ec2.CreateLaunchTemplateAsync(new()
        {
            LaunchTemplateName = "web",
            LaunchTemplateData = new RequestLaunchTemplateData
            {
                ImageId = Ec2TestAccount.ImageId,
                InstanceType = InstanceType.T3Micro,
                NetworkInterfaces = [new() { DeviceIndex = 0, SubnetId = Network.SubnetId, Groups = [groupId] }],
            },
        });
        await QueryAsync(
            QueryService.AutoScaling,
            "CreateAutoScalingGroup",
            new("AutoScalingGroupName", "web"),
            new("LaunchTemplate.LaunchTemplateId", template.LaunchTemplate.LaunchTemplateId),
            new("LaunchTemplate.Version", "$Latest"),
            new("MinSize", "1"),
            new("MaxSize", "3"),
            new("DesiredCapacity", "1"),
            new("VPCZoneIdentifier", Network.SubnetId));
        var groups = await QueryAsync(QueryService.AutoScaling, "DescribeAutoScalingGroups", new KeyValuePair<string, string>("AutoScalingGroupNames.member.1", "web"));
        var instanceId = Assert.Single(Assert.Single(groups.Members("AutoScalingGroups")).Members("Instances")).RequiredValue("InstanceId");
        var targetGroup = await QueryAsync(
            QueryService.ElasticLoadBalancingV2,
            "CreateTargetGroup",
            new("Name", "web"),
            new("Protocol", "HTTP"),
            new("Port", "80"),
            new("VpcId", Network.VpcId),
            new("TargetType", "instance"));
        var targetGroupArn = Assert.Single(targetGroup.Members("TargetGroups")).RequiredValue("TargetGroupArn");
        await QueryAsync(
            QueryService.ElasticLoadBalancingV2,
            "RegisterTargets",
            new("TargetGroupArn", targetGroupArn),
            new("Targets.member.1.Id", instanceId),
            new("Targets.member.1.Port", "8080"));
        return (instanceId, targetGroupArn);
    }

    /// <summary>A Classic Load Balancer in the account's subnet (HTTP 80), with <paramref name="instanceIds"/> registered.</summary>
    public async Task CreateClassicLoadBalancerAsync(string name, params string[] instanceIds)
    {
        ArgumentNullException.ThrowIfNull(instanceIds);
        await QueryAsync(
            QueryService.ElasticLoadBalancing,
            "CreateLoadBalancer",
            new("LoadBalancerName", name),
            new("Listeners.member.1.Protocol", "HTTP"),
            new("Listeners.member.1.LoadBalancerPort", "80"),
            new("Listeners.member.1.InstancePort", "80"),
            new("Subnets.member.1", Network.SubnetId));
        if (instanceIds.Length > 0)
        {
            await QueryAsync(
                QueryService.ElasticLoadBalancing,
                "RegisterInstancesWithLoadBalancer",
                [new("LoadBalancerName", name), .. instanceIds.Select((id, i) => new KeyValuePair<string, string>($"Instances.member.{i + 1}.InstanceId", id))]);
        }
    }

    /// <summary>The instances DescribeInstanceHealth reports for a Classic Load Balancer, with their states.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ClassicInstanceHealthAsync(string name) =>
        (await QueryAsync(QueryService.ElasticLoadBalancing, "DescribeInstanceHealth", new KeyValuePair<string, string>("LoadBalancerName", name)))
            .Members("InstanceStates").ToDictionary(state => state.RequiredValue("InstanceId"), state => state.RequiredValue("State"));

    public void Dispose() => Ec2.Dispose();

    private async Task CreateProfileAsync(string profileName, string roleName)
    {
        const string ec2Trust = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}""";
        await QueryAsync(QueryService.Iam, "CreateRole", new("RoleName", roleName), new("AssumeRolePolicyDocument", ec2Trust));
        await QueryAsync(QueryService.Iam, "CreateInstanceProfile", new KeyValuePair<string, string>("InstanceProfileName", profileName));
        await QueryAsync(QueryService.Iam, "AddRoleToInstanceProfile", new("InstanceProfileName", profileName), new("RoleName", roleName));
    }
}
