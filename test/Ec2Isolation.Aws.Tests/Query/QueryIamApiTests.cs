using Ec2Isolation.Aws.Query;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Query;

[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class QueryIamApiTests(MotoServer moto) : QueryMotoTests(moto)
{
    private const string Role = "web-role";
    private const string Policy = """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}""";
    private const string Allow = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""";
    private const string PolicyArn = "arn:aws:iam::123456789012:policy/ec2-isolation/revoke-web";

    private QueryIamApi Api => new(Query(QueryService.Iam));

    [Fact]
    public async Task GetInstanceProfileRoles_ByNameOrArn_ReturnsTheRole()
    {
        await CreateRoleAsync();
        var created = await SetUpAsync(QueryService.Iam, "CreateInstanceProfile", [new("InstanceProfileName", "web-profile"), new("Path", "/team/")]);
        var arn = created.Child("InstanceProfile")!.RequiredValue("Arn");
        await SetUpAsync(QueryService.Iam, "AddRoleToInstanceProfile", [new("InstanceProfileName", "web-profile"), new("RoleName", Role)]);

        Assert.Equal([Role], await Api.GetInstanceProfileRolesAsync("web-profile", CancellationToken.None));
        Assert.Equal("arn:aws:iam::123456789012:instance-profile/team/web-profile", arn);
        Assert.Equal([Role], await Api.GetInstanceProfileRolesAsync(arn, CancellationToken.None));
    }

    [Fact]
    public async Task GetInstanceProfileRoles_UnknownProfile_ThrowsNoSuchEntity()
    {
        var error = await Assert.ThrowsAsync<AwsQueryException>(() => Api.GetInstanceProfileRolesAsync("missing", CancellationToken.None));

        Assert.Equal("NoSuchEntity", error.Code);
    }

    [Fact]
    public async Task CreatePolicy_Twice_SecondChangesNothingAndTheDocumentReadsBackDecoded()
    {
        Assert.True(await Api.CreatePolicyAsync("/ec2-isolation/", "revoke-web", Policy, CancellationToken.None));
        Assert.False(await Api.CreatePolicyAsync("/ec2-isolation/", "revoke-web", Allow, CancellationToken.None));

        // IAM answers the document URL-encoded (RFC 3986); moto does too.
        Assert.Equal(Policy, await Api.GetDefaultPolicyDocumentAsync(PolicyArn, CancellationToken.None));
    }

    [Fact]
    public async Task CreatePolicyVersion_FiveVersionsAlready_PolicyVersionsFullUntilOneIsDeleted()
    {
        await Api.CreatePolicyAsync("/ec2-isolation/", "revoke-web", Policy, CancellationToken.None);
        for (var i = 0; i < 4; i++)
        {
            await Api.CreatePolicyVersionAsync(PolicyArn, Allow, CancellationToken.None);
        }

        await Assert.ThrowsAsync<Core.Ports.PolicyVersionsFullException>(() => Api.CreatePolicyVersionAsync(PolicyArn, Policy, CancellationToken.None));
        var versions = await Api.ListPolicyVersionsAsync(PolicyArn, CancellationToken.None);
        Assert.Equal(5, versions.Count);
        Assert.Equal("v5", Assert.Single(versions, v => v.IsDefault).VersionId);
        await Api.DeletePolicyVersionAsync(PolicyArn, "v1", CancellationToken.None);
        await Api.DeletePolicyVersionAsync(PolicyArn, "v1", CancellationToken.None);
        await Api.CreatePolicyVersionAsync(PolicyArn, Policy, CancellationToken.None);

        Assert.Equal(Policy, await Api.GetDefaultPolicyDocumentAsync(PolicyArn, CancellationToken.None));
    }

    [Fact]
    public async Task PermissionsBoundary_PutReadAndDeletedTwice_ReadsBackEachTime()
    {
        await CreateRoleAsync();
        await Api.CreatePolicyAsync("/ec2-isolation/", "revoke-web", Allow, CancellationToken.None);
        Assert.Null(await Api.GetRolePermissionsBoundaryAsync(Role, CancellationToken.None));

        await Api.PutRolePermissionsBoundaryAsync(Role, PolicyArn, CancellationToken.None);
        Assert.Equal(PolicyArn, await Api.GetRolePermissionsBoundaryAsync(Role, CancellationToken.None));

        await Api.DeleteRolePermissionsBoundaryAsync(Role, CancellationToken.None);
        await Api.DeleteRolePermissionsBoundaryAsync(Role, CancellationToken.None);
        Assert.Null(await Api.GetRolePermissionsBoundaryAsync(Role, CancellationToken.None));
    }

    [Fact]
    public async Task DeleteRolePolicy_Twice_SecondIsNoOp()
    {
        await CreateRoleAsync();
        await SetUpAsync(QueryService.Iam, "PutRolePolicy", [new("RoleName", Role), new("PolicyName", "isolation"), new("PolicyDocument", Policy)]);

        await Api.DeleteRolePolicyAsync(Role, "isolation", CancellationToken.None);
        await Api.DeleteRolePolicyAsync(Role, "isolation", CancellationToken.None);

        var error = await Assert.ThrowsAsync<AwsQueryException>(
            () => SetUpAsync(QueryService.Iam, "GetRolePolicy", [new("RoleName", Role), new("PolicyName", "isolation")]));
        Assert.Equal("NoSuchEntity", error.Code);
    }

    private async Task CreateRoleAsync() => await SetUpAsync(
        QueryService.Iam,
        "CreateRole",
        [
            new("RoleName", Role),
            new("AssumeRolePolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"""),
        ]);
}
