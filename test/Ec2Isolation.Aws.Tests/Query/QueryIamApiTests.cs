using Ec2Isolation.Aws.Query;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Query;

[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class QueryIamApiTests(MotoServer moto) : QueryMotoTests(moto)
{
    private const string Role = "web-role";
    private const string Policy = """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}""";

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
    public async Task PutRolePolicy_NewPolicy_ReadsBackTheDocument()
    {
        await CreateRoleAsync();

        await Api.PutRolePolicyAsync(Role, "isolation", Policy, CancellationToken.None);

        var stored = await SetUpAsync(QueryService.Iam, "GetRolePolicy", [new("RoleName", Role), new("PolicyName", "isolation")]);
        // IAM answers the document URL-encoded (RFC 3986); moto does too.
        Assert.Equal(Policy, Uri.UnescapeDataString(stored.RequiredValue("PolicyDocument")));
    }

    [Fact]
    public async Task DeleteRolePolicy_Twice_SecondIsNoOp()
    {
        await CreateRoleAsync();
        await Api.PutRolePolicyAsync(Role, "isolation", Policy, CancellationToken.None);

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
