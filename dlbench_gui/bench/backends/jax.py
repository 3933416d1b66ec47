"""The JAX backend: Keras 3 on JAX, for the GPUs TensorFlow 2.21 cannot drive (Blackwell, CUDA 13) and machines with no
TensorFlow. Devices, the GPU memory limit (XLA's client memory settings), peak memory, the input pipeline (NumPy
batches through keras.utils.PyDataset: no tf.data), several devices and machines (keras.distribution) and JAX's
version facts. The one module of the worker that imports JAX."""

from __future__ import annotations

import os
import platform
import sys
from typing import Any

import numpy as np

from ...core.config import BenchmarkConfig
from ...core.wire.request import WorkerRequest
from .arrays import ArrayBatches
from .keras_runtime import KerasRuntime

PIPELINE = ("NumPy arrays in batches through keras.utils.PyDataset (index gather, reshuffled each epoch, partial last "
            "batch kept): no tf.data")


def gpu_total_bytes() -> int | None:
    """GPU 0's memory, read from NVML before JAX starts (XLA's limit is a fraction of it); None without NVML."""
    try:
        import pynvml

        pynvml.nvmlInit()
        try:
            return int(pynvml.nvmlDeviceGetMemoryInfo(pynvml.nvmlDeviceGetHandleByIndex(0)).total)
        finally:
            pynvml.nvmlShutdown()
    except Exception:
        return None


def memory_limit_settings(limit_gb: float | None, total_bytes: int | None) -> dict[str, Any]:
    """XLA's client memory settings for a GPU memory limit: no preallocation, and at most this fraction of the card.
    The report's `gpu_memory_limit` says what was set (applied False where there is no GPU to limit)."""
    if limit_gb is None:
        return {"gpu_memory_limit_gb": None, "applied": None}
    if not total_bytes:
        return {"gpu_memory_limit_gb": limit_gb, "applied": False}
    fraction = min(1.0, limit_gb * 2**30 / total_bytes)
    env = {"XLA_PYTHON_CLIENT_PREALLOCATE": "false", "XLA_PYTHON_CLIENT_MEM_FRACTION": f"{fraction:.4f}"}
    return {"gpu_memory_limit_gb": limit_gb, "applied": True, "how": env}


class WithoutTensorFlow:
    """An import hook: TensorFlow and tf_keras are never imported in a JAX worker, even where they are installed.
    Keras imports TensorFlow when it can, to seed tf.data (keras.utils.set_random_seed) and to recognise tf.data
    inputs, neither of which a JAX run uses; importing it would cost a JAX child a second framework's start-up and
    some hundreds of MB, and blur what a JAX result measures."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "tf_keras"):
            raise ModuleNotFoundError(f"No module named {name!r} (a JAX worker does not load TensorFlow)")
        return None


class JaxBackend(KerasRuntime):
    name = "jax"

    def __init__(self):
        super().__init__()
        self.jax = None

    def start(self, request: WorkerRequest) -> dict[str, Any]:
        config = request.config
        self.keras_package = request.keras_package
        os.environ["KERAS_BACKEND"] = "jax"  # before Keras is first imported
        sys.meta_path.insert(0, WithoutTensorFlow())
        limit = memory_limit_settings(config.gpu_memory_limit_gb,
                                      gpu_total_bytes() if config.gpu_memory_limit_gb is not None else None)
        os.environ.update(limit.get("how") or {})  # before JAX starts its GPU client
        if request.task == "train" and config.cpu_devices:  # the CPU as N devices: the multi-device path, tested
            flags = os.environ.get("XLA_FLAGS", "")
            os.environ["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={config.cpu_devices}".strip()
        import jax

        self.jax = jax
        import keras

        if config.cluster and request.task == "train":  # before anything starts JAX's devices (the hello lists them)
            from .cluster import rendezvous

            jax.config.update("jax_cpu_collectives_implementation", "gloo")  # CPU collectives between processes
            rendezvous(config)
            keras.distribution.initialize(config.cluster[0], len(config.cluster), config.task_index)

        if keras.backend.backend() != "jax":
            raise RuntimeError(f"Keras was imported with the {keras.backend.backend()} backend before JAX was chosen")
        keras.mixed_precision.set_global_policy(config.precision)
        return limit

    def software_info(self, keras_package: str) -> dict[str, Any]:
        import jaxlib
        import keras

        jax = self.jax
        devices = [{"name": str(d), "type": d.platform.upper(), "kind": getattr(d, "device_kind", None)}
                   for d in jax.devices()]
        return {
            "python": platform.python_version(),
            "keras": keras.__version__,
            "jax": jax.__version__,
            "jaxlib": jaxlib.__version__,
            "numpy": np.__version__,
            "os": f"{platform.system()} {platform.release()}",
            "platform": platform.platform(),
            "backend": "jax",
            "backend_version": jax.__version__,
            "backend_devices": devices,
            "backend_gpus": [d for d in devices if d["type"] == "GPU"],
            "jax_default_backend": jax.default_backend(),
            "input_pipeline": PIPELINE,
        }

    def gpu_peak_bytes(self) -> int | None:
        peaks = []
        for d in self.jax.devices() if self.jax is not None else []:
            stats = d.memory_stats() if d.platform == "gpu" else None
            if stats and stats.get("peak_bytes_in_use") is not None:
                peaks.append(int(stats["peak_bytes_in_use"]))
        return max(peaks) if peaks else None

    def sees_gpu(self) -> bool:
        jax = sys.modules.get("jax")
        try:
            return bool(jax is not None and any(d.platform == "gpu" for d in jax.devices()))
        except Exception:
            return False

    def batches(self, x, y, batch_size: int, shuffle: bool):
        import keras

        cls = type("ArrayBatches", (ArrayBatches, keras.utils.PyDataset), {})
        return cls(x, y, batch_size, shuffle)

    def strategy(self, config: BenchmarkConfig):
        """keras.distribution.DataParallel over N devices of this machine, or (a cluster) over every process's
        devices after keras.distribution.initialize; each worker then feeds its own share of every batch."""
        import keras

        jax = self.jax
        devices = jax.devices()  # a cluster's: every process's (keras.distribution.initialize ran in start)
        wanted = len(devices) if config.cluster else config.local_devices(
            len([d for d in devices if d.platform == "gpu"]))
        if len(devices) < wanted:
            raise RuntimeError(f"{wanted} devices asked for, but JAX sees {len(devices)}"
                               + ("" if config.cpu_devices else "; --cpu-devices N splits the CPU instead"))
        names = [f"{d.platform}:{d.id}" for d in devices[:wanted]]
        dp = keras.distribution.DataParallel(devices=names, auto_shard_dataset=not config.cluster)
        keras.distribution.set_distribution(dp)
        facts = {"strategy": "keras.distribution.DataParallel", "replicas": wanted, "workers": config.workers,
                 "devices": names, "global_batch_size": config.batch_size,
                 "per_replica_batch_size": config.batch_size / wanted, "scaling": config.scaling,
                 "keras_package": "keras",
                 **({"cluster": list(config.cluster), "task_index": config.task_index,
                     "chief": config.task_index == 0, "cluster_run": self.shared_run_id()} if config.cluster else {})}
        return dp, facts

    def shared_run_id(self) -> int:
        """The chief's number, known to every worker: the tag that groups a cluster's reports."""
        from jax.experimental import multihost_utils

        own = np.int32(int.from_bytes(os.urandom(3), "big"))  # int32: JAX keeps 64-bit integers off by default
        return int(multihost_utils.broadcast_one_to_all(own))

    def shard(self, config: BenchmarkConfig, dataset):
        """A cluster worker's share of every global batch: every N-th image, at the global batch / N."""
        if not config.cluster or not isinstance(dataset, ArrayBatches):
            return dataset
        return dataset.every_nth(config.workers, config.task_index)
