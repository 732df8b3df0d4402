"""Loading: batches, the set-based merge, soft deletes and their guard, the journal and the run records."""
