using Amazon.CDK.AWS.Lambda;
using Ec2Isolation.Cdk;
using Ec2Isolation.Core;
using App = Amazon.CDK.App;

// The function's code, published by eng/publish-lambda.sh (run from cdk/ by `cdk synth|deploy`, see cdk.json).
const string FunctionAsset = "../artifacts/lambda/linux-x64";

JsiiNode.SilenceVersionWarnings();
var app = new App();
try
{
    var settings = DeploymentSettings.FromContext(app.Node);
    if (settings.MemberMode)
    {
        // The member template has no function: nothing to publish.
        Ec2IsolationApp.AddMemberStack(app, settings);
    }
    else if (!File.Exists(Path.Combine(FunctionAsset, "bootstrap")))
    {
        Console.Error.WriteLine($"error: {Path.GetFullPath(FunctionAsset)}/bootstrap is missing: run eng/publish-lambda.sh first.");
        return 1;
    }
    else
    {
        Ec2IsolationApp.AddStacks(
            app,
            settings,
            () => Code.FromAsset(FunctionAsset),
            Environment.GetEnvironmentVariable("CDK_DEFAULT_ACCOUNT"),
            Environment.GetEnvironmentVariable("CDK_DEFAULT_REGION"));
    }
}
catch (InvalidRequestException e)
{
    // A context value the app or the function would refuse: said once, without a stack trace.
    Console.Error.WriteLine("error: " + e.Message);
    return 2;
}

app.Synth();
return 0;
