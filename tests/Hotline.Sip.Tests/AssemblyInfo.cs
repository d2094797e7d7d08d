// External peers (SIPp, baresip) and media timing: one test at a time keeps the 2-core machine honest.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
