using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Ec2Isolation.Core.Accounts;

namespace Ec2Isolation.Cdk;

/// <summary>
/// The central function's permissions beyond its own account, of a size that does not grow with the organization:
/// IAM allows 10,240 characters of inline policy per role
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html), which one ARN per member account
/// passed at about 88 accounts.
/// </summary>
internal static class CentralPolicy
{
    /// <summary>
    /// The member role of this region in any account of the organization (<c>aws:ResourceOrgID</c>, the account that
    /// owns the role: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceorgid);
    /// which accounts of it the function acts in is EC2ISOLATION_ALLOWED_ACCOUNTS' choice, and each member role trusts
    /// only this function. With the organization's accounts allowed, the reads of AWS Organizations that list them.
    /// </summary>
    public static PolicyDocument Create(Stack stack, DeploymentSettings settings, string region)
    {
        List<PolicyStatement> statements =
        [
            new(new PolicyStatementProps
            {
                Sid = "AssumeMemberRoles",
                Actions = ["sts:AssumeRole"],
                Resources =
                [
                    stack.FormatArn(new ArnComponents
                    {
                        Service = "iam",
                        Region = "",
                        Account = "*",
                        Resource = "role",
                        ResourceName = OrganizationNames.MemberRoleWithPath(region),
                    }),
                ],
                Conditions = new Dictionary<string, object>
                {
                    ["StringEquals"] = new Dictionary<string, object> { ["aws:ResourceOrgID"] = settings.OrganizationId! },
                },
            }),
        ];
        if (AccountSettings.NamesOrganizationScope(settings.AllowedAccounts))
        {
            // The list actions of Organizations take no resource-level permission but "*"
            // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html).
            statements.Add(new(new PolicyStatementProps
            {
                Sid = "ListOrganizationAccounts",
                Actions = ["organizations:ListAccounts", "organizations:ListAccountsForParent", "organizations:ListOrganizationalUnitsForParent"],
                Resources = ["*"],
            }));
        }

        return new(new PolicyDocumentProps { Statements = [.. statements] });
    }
}
