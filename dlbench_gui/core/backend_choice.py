"""Which ML framework runs the models under Keras 3: TensorFlow (as published) or JAX, and why, in words.

`auto` picks TensorFlow unless TensorFlow cannot drive this machine's NVIDIA GPU: a compute capability outside
TensorFlow 2.21's CUDA build (its targets stop at sm_89 plus compute_90 PTX, so Blackwell's 10.x and 12.x fail:
tensorflow/tensorflow#111958, #97387, #99592), or no TensorFlow installed. Then JAX, where it is installed."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any, Callable

from .config import ConfigError

BACKENDS = ("auto", "tensorflow", "jax")
BACKEND_NAMES = {"tensorflow": "TensorFlow", "jax": "JAX"}
# The newest compute capability TensorFlow 2.21's CUDA build runs (9.0 through its compute_90 PTX, JIT-compiled).
TF_MAX_COMPUTE_CAPABILITY = (9, 0)


class BackendUnavailable(ConfigError):
    """The framework asked for is not installed here."""


@dataclass(frozen=True)
class BackendChoice:
    name: str  # tensorflow | jax
    why: str  # in words, for the CLI, the window and the report
    requested: str = "auto"

    def to_dict(self) -> dict[str, str]:
        return {"requested": self.requested, "chosen": self.name, "why": self.why}


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def capability(text: Any) -> tuple[int, int] | None:
    """'12.0' → (12, 0); anything else → None."""
    try:
        major, minor = str(text).split(".")[:2]
        return int(major), int(minor)
    except (ValueError, TypeError):
        return None


def choose_backend(requested: str, hardware: dict[str, Any] | None,
                   is_installed: Callable[[str], bool] = installed) -> BackendChoice:
    """The framework for `requested` (auto, tensorflow or jax) on this machine, with the reason."""
    if requested in ("tensorflow", "jax"):
        if not is_installed(requested):
            raise BackendUnavailable(f"{BACKEND_NAMES[requested]} is not installed here: choose --backend auto, or "
                                     f"install it (make install installs both)")
        return BackendChoice(requested, f"{BACKEND_NAMES[requested]}, as asked", requested)
    has_tf, has_jax = is_installed("tensorflow"), is_installed("jax")
    if not has_tf and has_jax:
        return BackendChoice("jax", "TensorFlow is not installed here, so the models run on Keras 3's JAX backend",
                             requested)
    cards = ((hardware or {}).get("gpu") or {}).get("nvidia") or []
    too_new = [c for c in cards if (capability(c.get("compute_capability")) or (0, 0)) > TF_MAX_COMPUTE_CAPABILITY]
    if too_new and has_jax:
        c = too_new[0]
        return BackendChoice("jax", f"{c.get('name') or 'this NVIDIA GPU'} has compute capability "
                                    f"{c.get('compute_capability')}, which TensorFlow 2.21's CUDA build cannot drive "
                                    "(it stops at 9.0): the models run on Keras 3's JAX backend", requested)
    if too_new:
        return BackendChoice("tensorflow", f"{too_new[0].get('name')} needs JAX (TensorFlow 2.21 cannot drive it), "
                                           "but JAX is not installed: TensorFlow will train on the CPU", requested)
    return BackendChoice("tensorflow", "TensorFlow, as published", requested)


def backend_of(software: dict[str, Any] | None) -> str:
    """The framework a report's run used (reports from before the JAX backend ran TensorFlow)."""
    name = (software or {}).get("backend")
    return name if name in BACKEND_NAMES else "tensorflow"


def gpus_used(software: dict[str, Any] | None) -> list | None:
    """The GPUs the run's framework trained on, from the child's hello (None: not said)."""
    s = software or {}
    return s.get("backend_gpus", s.get("tf_gpus"))


def backend_label(software: dict[str, Any] | None) -> str:
    """'' for TensorFlow (as published), ' (JAX backend)' otherwise: the label a result is compared under."""
    name = backend_of(software)
    return "" if name == "tensorflow" else f" ({BACKEND_NAMES[name]} backend)"
