"""Bench: the models, the datasets and the worker child that trains. Imports TensorFlow; never Qt."""
