"""Runner: starts and supervises one worker child per benchmark. Imports neither Qt nor TensorFlow."""
