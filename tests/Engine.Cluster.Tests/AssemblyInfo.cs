// The tests start whole clusters; run one at a time so they do not starve each other of the machine's cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
