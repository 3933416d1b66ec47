"""The interface every backend implements: what the worker's tasks may ask of the framework underneath Keras."""

from __future__ import annotations

from typing import Any, Protocol

from ...core.config import BenchmarkConfig
from ...core.wire.request import WorkerRequest


class Backend(Protocol):
    name: str

    def start(self, request: WorkerRequest) -> dict[str, Any]:
        """Choose Keras' backend and import the framework, set up its devices (before anything initialises them),
        apply the GPU memory limit and Keras' precision policy; returns the report's `gpu_memory_limit` facts."""

    def software_info(self, keras_package: str) -> dict[str, Any]:
        """Versions, the devices the framework sees (`tf_gpus`: the GPUs it will train on) and build facts."""

    def gpu_peak_bytes(self) -> int | None:
        """The largest GPU memory in use at any time in this process, where the framework reports it."""

    def sees_gpu(self) -> bool:
        """Does the framework (if it was loaded at all) see a GPU? An out-of-memory error naming no device is then
        the GPU's."""

    def pipeline(self, x, y, batch_size: int, shuffle: bool) -> Any:
        """Batches of (x, y) as the framework feeds them to `fit`, `evaluate` and `predict`."""

    def strategy(self, config: BenchmarkConfig) -> tuple[Any, dict[str, Any]] | tuple[None, None]:
        """(the distribution strategy, its facts for the report's `distribution`), or (None, None) for one device."""

    def shard(self, config: BenchmarkConfig, dataset: Any) -> Any:
        """A cluster worker's share of every global batch (one machine's replicas are split by Keras)."""
