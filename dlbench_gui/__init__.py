"""dlbench: is this machine good enough for deep-learning work? Runs a published protocol and says."""

__version__ = "0.1.0"
