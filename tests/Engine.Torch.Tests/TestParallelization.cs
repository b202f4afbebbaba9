// libtorch's random generator (torch.manual_seed) is one per process: test classes seeding it and drawing from it at
// the same time (model initialisation in the trainer, the checkpoint and the end-to-end tests) made the runs that must
// be bitwise identical differ now and then. libtorch's operations use every core already, so running the classes one
// after another costs little.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
