using Amazon.CDK.Assertions;

namespace Ec2Isolation.Cdk.Tests;

/// <summary>The role swapped onto an isolated instance: only EC2 may assume it, and it denies everything.</summary>
[Collection(SynthesizedStacks.Collection)]
public sealed class IsolationRoleTests(SynthesizedStacks stacks)
{
    [Fact]
    public void IsolationRole_TrustsOnlyEc2AndDeniesEverything()
    {
        stacks.Defaults.Template.HasResourceProperties("AWS::IAM::Role", new Props
        {
            ["AssumeRolePolicyDocument"] = AMatch.ObjectEquals(CdkJson.Object("""
                {"Version":"2012-10-17",
                 "Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"}}]}
                """)),
            ["Policies"] = AMatch.ArrayEquals([CdkJson.Object("""
                {"PolicyName":"deny-all",
                 "PolicyDocument":{"Version":"2012-10-17","Statement":[{"Action":"*","Effect":"Deny","Resource":"*"}]}}
                """)]),
            ["ManagedPolicyArns"] = AMatch.Absent(),
        });
    }

    [Fact]
    public void InstanceProfile_HoldsTheIsolationRole()
    {
        stacks.Defaults.Template.HasResourceProperties("AWS::IAM::InstanceProfile", new Props
        {
            ["Roles"] = new[] { new Props { ["Ref"] = IsolationRole(stacks.Defaults.Template) } },
            ["Path"] = Ec2IsolationStack.RolePath,
        });
    }

    /// <summary>The logical id of the role EC2 assumes.</summary>
    internal static string IsolationRole(Template template) => Assert.Single(template.FindResources("AWS::IAM::Role", new Props
    {
        ["Properties"] = AMatch.ObjectLike(new Props
        {
            ["AssumeRolePolicyDocument"] = AMatch.ObjectLike(new Props
            {
                ["Statement"] = AMatch.ArrayWith([AMatch.ObjectLike(new Props { ["Principal"] = new Props { ["Service"] = "ec2.amazonaws.com" } })]),
            }),
        }),
    })).Key;
}
