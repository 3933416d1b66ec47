"""The runtime seam: the one interface through which the worker's tasks (train, quick, infer, probe, describe) use an ML
framework. A runtime is one module of `bench/backends/` and one entry of the registry (`core/frameworks.py`).

Keras 3 (`keras_runtime.KerasRuntime`, on TensorFlow and on JAX) is one implementation: `fit` and Keras' callbacks
stay behind it. `numpy_runtime.NumpyRuntime` is another, written in NumPy alone, which the tests drive through the
real worker to show that a runtime which is not Keras fits.

The tasks time every step through `StepHooks` (bench/worker/timing.TimingLogic). A runtime calls them in Keras'
order: `on_epoch_begin`, `on_train_batch_end` after every training step (the step's computation must have ended by
then, so that the interval between two calls is the step's real time; True back means: stop training after this
step's epoch ends), then `on_test_begin`, `on_test_batch_end` per validation batch, `on_test_end`, `on_epoch_end`.
A hook may raise `StopRequested` (the parent asked to stop): the runtime lets it through."""

from __future__ import annotations

from typing import Any, Protocol

from ...core.config import BenchmarkConfig
from ...core.wire.request import WorkerRequest


def floats(logs: dict | None) -> dict[str, float]:
    """A framework's logs or metrics as plain floats (what cannot be one is left out)."""
    out = {}
    for k, v in (logs or {}).items():
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            pass
    return out


class StepHooks(Protocol):
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> bool: ...

    def on_test_begin(self, logs: dict | None = None) -> None: ...

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None: ...

    def on_test_end(self, logs: dict | None = None) -> None: ...

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...


class Runtime(Protocol):
    name: str  # the registry's name

    # The process
    def start(self, request: WorkerRequest) -> dict[str, Any]:
        """Import the framework, set up its devices (before anything initialises them), apply the GPU memory limit and
        the precision policy; returns the report's `gpu_memory_limit` facts."""

    def software_info(self, keras_package: str) -> dict[str, Any]:
        """Versions, the devices the framework sees (`backend_gpus`: the GPUs it will train on) and build facts."""

    def gpu_peak_bytes(self) -> int | None:
        """The largest GPU memory in use at any time in this process, where the framework reports it."""

    def sees_gpu(self) -> bool:
        """Does the framework (if it was loaded at all) see a GPU? An out-of-memory error naming no device is then
        the GPU's."""

    def seed(self, seed: int) -> None:
        """Seed every random source the run uses (weights, dropout, shuffling)."""

    # The data, and several devices or machines
    def batches(self, x, y, batch_size: int, shuffle: bool) -> Any:
        """Batches of (x, y) (y None: x alone, to predict) as the framework feeds them, reshuffled every epoch."""

    def strategy(self, config: BenchmarkConfig) -> tuple[Any, dict[str, Any]] | tuple[None, None]:
        """(the distribution strategy, its facts for the report's `distribution`), or (None, None) for one device."""

    def shard(self, config: BenchmarkConfig, batches: Any) -> Any:
        """A cluster worker's share of every global batch."""

    # The model
    def build(self, name: str, weights: str, strategy: Any = None) -> tuple[Any, dict[str, Any]]:
        """(the model, the report's `weights`: requested, used, reason), its variables under `strategy`."""

    def compile(self, model, strategy: Any = None) -> None:
        """The published optimiser, loss and metrics (Adam 1e-3, categorical cross-entropy; accuracy, precision,
        recall)."""

    def describe(self, model) -> dict[str, Any]:
        """name, params, trainable_params, layers, precision, jit_compile, and the FLOPs per image
        (forward_flops_per_image, train_flops_per_image, method)."""

    def fit(self, model, train, epochs: int, hooks: StepHooks, validation: Any = None) -> dict[str, float]:
        """Train for `epochs` over `train` (validating on `validation` after each), calling `hooks` after every step;
        returns the last epoch's metrics (running means over its steps)."""

    def evaluate(self, model, batches, hooks: StepHooks) -> dict[str, float]:
        """One pass over `batches` in inference mode: loss, accuracy, precision, recall."""

    def predict(self, model, batches):
        """The class probabilities of every image in `batches`, as one NumPy array."""

    def save(self, model, path: str) -> None:
        """The model, its weights and its optimiser's state, written to exactly `path`."""

    def load(self, path: str):
        """A model saved by `save`, in this fresh process (cold); raises if it is missing or corrupt."""

    def snapshot(self, model) -> Any:
        """The model's weights, to start again from (a shared child's next dataset)."""

    def restore(self, model, snapshot: Any) -> None:
        """The weights of `snapshot` and a fresh optimiser: as in a process of its own."""
