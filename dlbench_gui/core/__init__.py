"""Core: configuration, reports, events, statistics, comparison and storage. No Qt, no TensorFlow."""
