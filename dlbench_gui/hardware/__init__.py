"""Hardware: detection and live telemetry, through psutil and nvidia-ml-py. Imports neither Qt nor TensorFlow."""

