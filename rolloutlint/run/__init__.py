"""Running the rules: engine, registry and rule selection, the fork scheduler, suppressions, baseline. The only layer that knows about processes, warm-up and lazy imports."""
