namespace Ec2Isolation.Cdk.Tests;

/// <summary>The record table and the queues.</summary>
[Collection(SynthesizedStacks.Collection)]
public sealed class StorageTests(SynthesizedStacks stacks)
{
    [Fact]
    public void Table_IsKeyedByRecordKeyOnDemandWithPointInTimeRecoveryAndRetained()
    {
        stacks.Defaults.Template.HasResource("AWS::DynamoDB::Table", new Props
        {
            ["Properties"] = new Props
            {
                ["KeySchema"] = new[] { new Props { ["AttributeName"] = "RecordKey", ["KeyType"] = "HASH" } },
                ["AttributeDefinitions"] = new[] { new Props { ["AttributeName"] = "RecordKey", ["AttributeType"] = "S" } },
                ["BillingMode"] = "PAY_PER_REQUEST",
                ["PointInTimeRecoverySpecification"] = new Props { ["PointInTimeRecoveryEnabled"] = true },
                ["SSESpecification"] = new Props { ["SSEEnabled"] = true },
            },
            ["DeletionPolicy"] = "Retain",
            ["UpdateReplacePolicy"] = "Retain",
        });
    }

    [Fact]
    public void Queues_AreStandardAndEncrypted()
    {
        var template = stacks.Defaults.Template;
        template.ResourceCountIs("AWS::SQS::Queue", 9);
        template.AllResourcesProperties("AWS::SQS::Queue", new Props
        {
            ["SqsManagedSseEnabled"] = true,
            ["FifoQueue"] = AMatch.Absent(),
        });
    }

    [Fact]
    public void EveryQueue_RefusesRequestsWithoutTls()
    {
        var queues = stacks.Defaults.Resources("AWS::SQS::Queue").Keys;
        var enforced = stacks.Defaults.Resources("AWS::SQS::QueuePolicy").Values
            .Where(policy => policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray().Any(statement =>
                (string?)statement!["Effect"] == "Deny"
                && (string?)statement["Action"] == "sqs:*"
                && (string?)statement["Principal"]!["AWS"] == "*"
                && (string?)statement["Condition"]!["Bool"]!["aws:SecureTransport"] == "false"))
            .Select(policy => (string)policy["Properties"]!["Queues"]![0]!["Ref"]!);
        Assert.Equal(queues.Order(), enforced.Order());
    }
}
