using Amazon.Runtime.Signing;

namespace Ec2Isolation.TestSupport;

/// <summary>
/// Creates IAM instance profiles in the emulator (EC2 refuses to associate a profile IAM does not know). There is
/// no IAM SDK package here: a SigV4-signed Query call does it.
/// </summary>
public static class IamTestProfiles
{
    public static async Task<string> CreateAsync(MotoServer moto, string profileName)
    {
        ArgumentNullException.ThrowIfNull(moto);
        var clients = moto.Clients();
        using var http = new HttpClient(new SigV4SigningHandler(clients.Credentials, clients.Region, "iam", new HttpClientHandler()));
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Action"] = "CreateInstanceProfile",
            ["Version"] = "2010-05-08",
            ["InstanceProfileName"] = profileName,
        });
        using var response = await http.PostAsync(new Uri(moto.EndpointUrl), form);
        response.EnsureSuccessStatusCode();
        return $"arn:aws:iam::{MotoServer.AccountId}:instance-profile/{profileName}";
    }
}
