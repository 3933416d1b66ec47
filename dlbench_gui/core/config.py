"""The benchmark configuration: one frozen, validated description of what a run does."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
from dataclasses import dataclass
from typing import Any

MODELS = ("model_a", "model_b")
DATASETS = ("mnist", "fashion_mnist")
PROFILES = ("quick", "full", "custom")
DATA_CHOICES = ("auto", "keras", "synthetic")  # or a directory path
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")  # Keras mixed-precision policies; float32 as published
WEIGHTS = ("auto", "random", "imagenet")  # auto: ImageNet where Keras' cache has them or can download them

MODEL_NAMES = {
    "model_a": "Model A — modified VGG19",
    "model_b": "Model B — Xception + ResNet152V2",
}
DATASET_NAMES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}

# The published protocol (seed-protocol.md): what "full" means and what "quick" estimates by default.
PROTOCOL_EPOCHS = 100
PROTOCOL_BATCH_SIZE = 64
PROTOCOL_TRAIN_SAMPLES = 60_000
PROTOCOL_VAL_SAMPLES = 10_000
# Keras' own default for Model.predict, which the published inference used.
INFERENCE_BATCH_SIZE = 32
# A child silent this long is hung. Every phase sends progress or a heartbeat (at most a quarter of this apart),
# so this need not cover Model B's minute-long first step on a CPU.
DEFAULT_WATCHDOG_S = 120.0


PUBLISHED_PROTOCOL = {"epochs": PROTOCOL_EPOCHS, "batch_size": PROTOCOL_BATCH_SIZE,
                      "train_samples": PROTOCOL_TRAIN_SAMPLES, "val_samples": PROTOCOL_VAL_SAMPLES}


def is_published(protocol: Any) -> bool:
    """The one check that a protocol (a config, a report's `protocol`, any mapping with these four keys) is the
    published one, the only one the baseline may be compared with."""
    return all(protocol.get(k) == v for k, v in PUBLISHED_PROTOCOL.items())


class ConfigError(ValueError):
    """A configuration value a person gave is not usable; the message says which and why."""


@dataclass(frozen=True)
class BenchmarkConfig:
    model: str
    dataset: str
    profile: str = "quick"
    epochs: int = PROTOCOL_EPOCHS
    batch_size: int = PROTOCOL_BATCH_SIZE
    train_samples: int = PROTOCOL_TRAIN_SAMPLES
    val_samples: int = PROTOCOL_VAL_SAMPLES
    data: str = "auto"
    weights: str = "auto"
    precision: str = "float32"
    seed: int = 0
    quick_budget_s: float = 60.0
    inference_batch_size: int = INFERENCE_BATCH_SIZE
    host_memory_limit_gb: float | None = None
    gpu_memory_limit_gb: float | None = None
    watchdog_s: float = DEFAULT_WATCHDOG_S
    require_gpu: bool = False  # fail (no_gpu_visible) instead of warning when an NVIDIA GPU is present but unused

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if self.model not in MODELS:
            raise ConfigError(f"unknown model {self.model!r}; choose one of {', '.join(MODELS)}")
        if self.dataset not in DATASETS:
            raise ConfigError(f"unknown dataset {self.dataset!r}; choose one of {', '.join(DATASETS)}")
        if self.profile not in PROFILES:
            raise ConfigError(f"unknown profile {self.profile!r}; choose one of {', '.join(PROFILES)}")
        if self.weights not in WEIGHTS:
            raise ConfigError(f"unknown weights {self.weights!r}; choose one of {', '.join(WEIGHTS)}")
        if self.precision not in PRECISIONS:
            raise ConfigError(f"unknown precision {self.precision!r}; choose one of {', '.join(PRECISIONS)}")
        for name, low, high in (
            ("epochs", 1, 10_000),
            ("batch_size", 1, 65_536),
            ("train_samples", 1, PROTOCOL_TRAIN_SAMPLES),
            ("val_samples", 1, PROTOCOL_VAL_SAMPLES),
            ("inference_batch_size", 1, 65_536),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{name} must be a whole number, got {value!r}")
            if not low <= value <= high:
                raise ConfigError(f"{name} must be between {low:,} and {high:,}, got {value:,}")
        if self.batch_size > self.train_samples:
            raise ConfigError(
                f"batch size {self.batch_size} is larger than the {self.train_samples} training samples"
            )
        if not (isinstance(self.quick_budget_s, (int, float)) and 5 <= self.quick_budget_s <= 3600):
            raise ConfigError(f"quick time budget must be 5–3600 s, got {self.quick_budget_s!r}")
        if not isinstance(self.require_gpu, bool):
            raise ConfigError(f"require_gpu must be true or false, got {self.require_gpu!r}")
        if not (isinstance(self.watchdog_s, (int, float)) and self.watchdog_s >= 10):
            raise ConfigError(f"watchdog must be at least 10 s, got {self.watchdog_s!r}")
        for name in ("host_memory_limit_gb", "gpu_memory_limit_gb"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and 0.1 <= value <= 4096):
                raise ConfigError(f"{name.replace('_', ' ')} must be 0.1–4096 GB, got {value!r}")
        if self.host_memory_limit_gb is not None and importlib.util.find_spec("resource") is None:
            raise ConfigError("a host memory limit needs a POSIX system (Linux or macOS): this one has no "
                              "per-process resource limits")
        if self.data not in DATA_CHOICES and not os.path.isdir(self.data):
            raise ConfigError(
                f"data must be auto, keras, synthetic or an existing folder; {self.data!r} is none of these"
            )
        if self.profile == "full" and not self.is_published_protocol:
            raise ConfigError("the full profile is the published protocol; use --profile custom to change it")

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.train_samples // self.batch_size)

    @property
    def val_steps(self) -> int:
        return -(-self.val_samples // self.batch_size)

    @property
    def is_published_protocol(self) -> bool:
        return is_published(self.to_dict())

    @property
    def label(self) -> str:
        return f"{self.model}/{self.dataset}/{self.profile}"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "BenchmarkConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        missing = {"model", "dataset"} - set(data)
        if missing:
            raise ConfigError(f"configuration lacks {', '.join(sorted(missing))}")
        return cls(**{k: v for k, v in data.items() if k in known})


def expand_selection(models: str | list[str], datasets: str | list[str]) -> list[tuple[str, str]]:
    """'all' or one name, or lists, to the model x dataset pairs in protocol order."""
    ms = list(MODELS) if models in ("all", ["all"]) else ([models] if isinstance(models, str) else list(models))
    ds = list(DATASETS) if datasets in ("all", ["all"]) else ([datasets] if isinstance(datasets, str) else list(datasets))
    return [(m, d) for m in ms for d in ds]
