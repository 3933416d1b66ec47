"""The runtimes a worker runs on (bench/backends/base.Runtime), one module per framework, found through the registry
(core/frameworks.py): everything that differs between frameworks (devices, memory limits and peaks, the input
pipeline, multi-device set-up, the model's build, training, checkpoints and prediction, version facts) lives behind the
seam, and the worker's tasks know none of them by name."""


import importlib
import sys

from ...core import frameworks


def backend_for(name: str):
    """The runtime of a registry entry (core/frameworks.py), imported lazily: choosing one loads only its framework."""
    if not frameworks.runs(name):
        raise ValueError(f"unknown backend {name!r}")
    module, cls = frameworks.get(name).runtime.split(":")
    return getattr(importlib.import_module(module), cls)()


def sees_gpu() -> bool:
    """Does any framework this process loaded see a GPU? An out-of-memory error naming no device is then the GPU's.
    Asks only the runtimes whose framework is already imported: a failure report must not start another."""
    for f in frameworks.FRAMEWORKS:
        if f.module in sys.modules and not f.hidden:
            try:
                if backend_for(f.name).sees_gpu():
                    return True
            except Exception:
                continue
    return False
