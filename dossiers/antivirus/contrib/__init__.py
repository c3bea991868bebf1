"""Scanner implementations, one folder each."""
