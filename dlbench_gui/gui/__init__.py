"""GUI: windows, panels, live plots, and the QThread that drives the runner. Never imports TensorFlow."""
