// The CDK library talks to one jsii node process per test process over one channel, which is not thread-safe:
// test classes of this assembly run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
