using System.CommandLine;
using Ec2Isolation.Cli;

var application = new CliApplication(CompositionRoot.CreateServicesAsync, Environment.GetEnvironmentVariable);
return await application.InvokeAsync(args, new InvocationConfiguration { ProcessTerminationTimeout = CliApplication.InterruptGracePeriod });
