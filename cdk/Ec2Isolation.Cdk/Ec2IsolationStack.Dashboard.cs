using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.SQS;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Metrics;

namespace Ec2Isolation.Cdk;

/// <summary>
/// The dashboard and the containment alarm, from the metrics the function writes into its log (docs/metrics.md): they
/// live with the function, so a central deployment's dashboard shows every member account's isolations, and member
/// stacks have none. CloudWatch computes percentiles of embedded-metric-format values as of any metric
/// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Alarms.html).
/// </summary>
public sealed partial class Ec2IsolationStack
{
    /// <summary>The period of the dashboard's graphs and of the containment alarm.</summary>
    private static readonly Duration MetricPeriod = Duration.Minutes(5);

    /// <summary>Every queue of the stack (the failure queue and the rules' dead-letter queues), for the dashboard's depths.</summary>
    private readonly List<Queue> _queues = [];

    /// <summary>
    /// An alarm when the slowest isolations (p99 over 5 minutes) contained their network later than
    /// <see cref="DeploymentSettings.ContainmentAlarmSeconds"/> after their event, and the dashboard.
    /// </summary>
    private void AddDashboard(Function function, DeploymentSettings settings)
    {
        var toContainment = IsolationMetric(function, IsolationMetricNames.TimeToContainment, "p99");
        var slowContainment = new Alarm(this, "TimeToContainmentAlarm", new AlarmProps
        {
            AlarmDescription = $"Isolations contained their network more than {settings.ContainmentAlarmSeconds} s after their event (p99 over 5 minutes): "
                + "throttling or the function's concurrency is holding them back (docs/metrics.md)",
            Metric = toContainment,
            Threshold = settings.ContainmentAlarmSeconds * 1000,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            EvaluationPeriods = 1,
            // No isolation, no data: not an alarm.
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });
        Notify(slowContainment);

        var dashboard = new Dashboard(this, "Dashboard", new DashboardProps { DefaultInterval = Duration.Hours(3) });
        dashboard.AddWidgets(
            Graph("Isolation runs by outcome", [.. OutcomeNames.Select(outcome => IsolationMetric(function, IsolationMetricNames.Isolations, Stats.SUM, outcome))]),
            Graph(
                "Time from the event to the network contained, and to the isolation complete (ms)",
                [
                    IsolationMetric(function, IsolationMetricNames.TimeToContainment, "p50"),
                    toContainment,
                    IsolationMetric(function, IsolationMetricNames.TimeToIsolation, "p99"),
                ],
                new HorizontalAnnotation { Value = settings.ContainmentAlarmSeconds * 1000, Label = "alarm" }));
        dashboard.AddWidgets(
            Graph(
                "Failed and incomplete isolations, function errors",
                [
                    IsolationMetric(function, IsolationMetricNames.Isolations, Stats.SUM, IsolationMetricNames.Failed),
                    IsolationMetric(function, IsolationMetricNames.Isolations, Stats.SUM, IsolationMetricNames.Incomplete),
                    function.MetricErrors(new MetricOptions { Period = MetricPeriod }),
                ]),
            Graph(
                "Throttled AWS calls (retried), throttled invocations",
                [
                    IsolationMetric(function, IsolationMetricNames.ThrottledCalls, Stats.SUM),
                    function.MetricThrottles(new MetricOptions { Period = MetricPeriod }),
                ]));
        dashboard.AddWidgets(
            Graph("Queue depths: failed invocations and undelivered events", [.. _queues.Select(queue => queue.MetricApproximateNumberOfMessagesVisible(new MetricOptions
            {
                Period = MetricPeriod,
                Statistic = Stats.MAXIMUM,
                Label = queue.Node.Id,
            }))]));
        Output("DashboardName", dashboard.DashboardName, "The CloudWatch dashboard of isolations: outcomes, time to containment, failures, throttling, queues");
    }

    /// <summary>The outcomes an isolation run is counted under (docs/metrics.md).</summary>
    private static IEnumerable<string> OutcomeNames => [.. Outcomes.All, IsolationMetricNames.Incomplete, IsolationMetricNames.Failed];

    /// <summary>One of the function's own metrics, by its name alone or also by <paramref name="outcome"/>.</summary>
    private static Metric IsolationMetric(Function function, string name, string statistic, string? outcome = null)
    {
        var dimensions = new Dictionary<string, string> { [DeploymentMetrics.FunctionNameDimension] = function.FunctionName };
        if (outcome is not null)
        {
            dimensions[IsolationMetricNames.OutcomeDimension] = outcome;
        }

        return new Metric(new MetricProps
        {
            Namespace = DeploymentMetrics.Namespace,
            MetricName = name,
            DimensionsMap = dimensions,
            Statistic = statistic,
            Period = MetricPeriod,
            // A label makes CDK write an alarm's metric as metric math: only the outcome series carry one.
            Label = outcome,
        });
    }

    private static GraphWidget Graph(string title, IMetric[] metrics, HorizontalAnnotation? annotation = null) => new(new GraphWidgetProps
    {
        Title = title,
        Left = metrics,
        LeftAnnotations = annotation is null ? null : [annotation],
        Width = 12,
    });
}
