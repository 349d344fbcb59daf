using System.CommandLine;
using Ec2Isolation.Cli;

var application = new CliApplication(CompositionRoot.CreateServices, Environment.GetEnvironmentVariable);
return await application.InvokeAsync(args, new InvocationConfiguration { ProcessTerminationTimeout = CliApplication.InterruptGracePeriod });
