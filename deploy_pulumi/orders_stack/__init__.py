"""The orders service's stack as Pulumi ComponentResources; ``define_stack`` builds it all."""
