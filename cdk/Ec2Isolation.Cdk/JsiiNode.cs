namespace Ec2Isolation.Cdk;

/// <summary>The node process behind the CDK library (jsii).</summary>
public static class JsiiNode
{
    /// <summary>
    /// jsii prints a large banner on every start under a Node version it calls deprecated or end-of-life (Node 20 here);
    /// it says nothing about the app. Call before the first CDK object: the node process inherits the variables.
    /// </summary>
    public static void SilenceVersionWarnings()
    {
        Silence("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1");
        Silence("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20");
    }

    private static void Silence(string variable, string value)
    {
        if (Environment.GetEnvironmentVariable(variable) is null)
        {
            Environment.SetEnvironmentVariable(variable, value);
        }
    }
}
