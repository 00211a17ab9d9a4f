"""What to test: the assignment spec (models, YAML loading, hints, reference, manifests)."""
