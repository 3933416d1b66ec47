"""Keras 3 as a runtime (bench/backends/base.Runtime): the published models (bench/models.py), `fit`, `evaluate`,
`predict`, `.keras` checkpoints and Keras' callbacks, all behind the seam. The framework underneath (TensorFlow or JAX)
subclasses it with what differs: devices, memory, the input pipeline, several devices, version facts."""

from __future__ import annotations

import contextlib
import math
from typing import Any

from .base import StepHooks, floats


def hooks_callback(keras, hooks: StepHooks):
    """A Keras callback that hands every event to `hooks` (and stops fit when a step's hook says so)."""

    class HooksCallback(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            hooks.on_epoch_begin(epoch, logs)

        def on_train_batch_end(self, batch, logs=None):
            if hooks.on_train_batch_end(batch, logs):
                self.model.stop_training = True

        def on_test_begin(self, logs=None):
            hooks.on_test_begin(logs)

        def on_test_batch_end(self, batch, logs=None):
            hooks.on_test_batch_end(batch, logs)

        def on_test_end(self, logs=None):
            hooks.on_test_end(logs)

        def on_epoch_end(self, epoch, logs=None):
            hooks.on_epoch_end(epoch, logs)

    return HooksCallback()


class KerasRuntime:
    """The model half of the seam, for every framework under Keras 3. `keras_package`: the Keras a run builds with
    (`tf_keras` for TensorFlow's multi-machine path), set by the subclass's `start`."""

    name = "keras"

    def __init__(self):
        self.keras_package = "keras"

    @property
    def keras(self):
        from ..models import keras_module

        return keras_module(self.keras_package)

    def seed(self, seed: int) -> None:
        self.keras.utils.set_random_seed(seed)

    def build(self, name: str, weights: str, strategy: Any = None) -> tuple[Any, dict[str, Any]]:
        from .. import models

        with strategy.scope() if strategy is not None else contextlib.nullcontext():  # variables on each replica
            return models.build_with_weights(name, weights, keras=self.keras)

    def compile(self, model, strategy: Any = None) -> None:
        from .. import models

        with strategy.scope() if strategy is not None else contextlib.nullcontext():
            models.compile_model(model, keras=self.keras)

    def describe(self, model) -> dict[str, Any]:
        from .. import flops

        return {"name": model.name, "params": int(model.count_params()),
                "trainable_params": int(sum(int(math.prod(w.shape)) for w in model.trainable_weights)),
                "layers": len(list(flops.leaf_layers(model))),
                "precision": str(self.keras.mixed_precision.global_policy().name),
                "jit_compile": bool(getattr(model, "jit_compile", False)), **flops.count(model)}

    def fit(self, model, train, epochs: int, hooks: StepHooks, validation: Any = None) -> dict[str, float]:
        # shuffle=False: Keras must not try to shuffle a dataset; the pipeline itself reshuffles every epoch
        history = model.fit(train, epochs=epochs, validation_data=validation, shuffle=False, verbose=0,
                            callbacks=[hooks_callback(self.keras, hooks)])
        return floats({k: v[-1] for k, v in history.history.items() if v})

    def evaluate(self, model, batches, hooks: StepHooks) -> dict[str, float]:
        return floats(model.evaluate(batches, verbose=0, callbacks=[hooks_callback(self.keras, hooks)],
                                     return_dict=True))

    def predict(self, model, batches):
        return model.predict(batches, verbose=0)

    def save(self, model, path: str) -> None:
        model.save(path)

    def load(self, path: str):
        from ..models import activity_l2_class

        activity_l2_class(self.keras_package)  # the custom regulariser the checkpoint names must be known first
        return self.keras.models.load_model(path)

    def snapshot(self, model) -> Any:
        return [w.copy() for w in model.get_weights()]

    def restore(self, model, snapshot: Any) -> None:
        """(The random seed is not set again: with `keras.utils.set_random_seed` here, Model B's first step on the
        second dataset took 36.6 s, part of its graph traced again, and 1.9 s without it; dropout and shuffling go on
        from the process's random state.)"""
        model.set_weights(snapshot)
        for v in model.optimizer.variables:
            if "learning_rate" not in v.name:  # the moments and the iteration count
                v.assign(self.keras.ops.zeros_like(v))
