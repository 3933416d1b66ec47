"""The benchmark configuration: one frozen, validated description of what a run does."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import re
from dataclasses import dataclass
from typing import Any

from . import frameworks

MODELS = ("model_a", "model_b")
DATASETS = ("mnist", "fashion_mnist")
PROFILES = ("quick", "full", "custom")
DATA_CHOICES = ("auto", "keras", "synthetic")  # or a directory path
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")  # Keras mixed-precision policies; float32 as published
WEIGHTS = ("auto", "random", "imagenet")  # auto: ImageNet where Keras' cache has them or can download them
BACKENDS = frameworks.ACCEPTED  # auto, or a framework of the registry (core/frameworks.py); auto: core/backend_choice.py
SCALINGS = ("strong", "weak")  # strong: the published global batch split across replicas; weak: the batch per replica
MAX_DEVICES = 64

# The seed's "simple kernels" test (published later by the same authors; core/measure/kernels.py): its network,
# convolve2d, runs as a model of its own, beside the dense and sparse matrix products, in one run of its own.
KERNELS_MODEL = "convolve2d"
KERNELS_DATASET = "fashion_mnist"
KERNELS_PRECISION = "mixed_float16"  # the published run set Keras' mixed_float16 policy first
KERNELS_PROTOCOL = {"epochs": 10, "batch_size": 64, "train_samples": 60_000, "val_samples": 10_000}

MODEL_NAMES = {
    "model_a": "Model A — modified VGG19",
    "model_b": "Model B — Xception + ResNet152V2",
    KERNELS_MODEL: "Simple kernels — dense and sparse products, convolve2d",
}
DATASET_NAMES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}


# The largest seed: NumPy's legacy seeding (which Keras' set_random_seed calls) takes 0 to 2**32 - 1, and nothing else.
MAX_SEED = 2**32 - 1
# The largest batch (training or inference) a configuration takes: far beyond any memory this protocol meets.
MAX_BATCH_SIZE = 65_536
# Independent runs of one setup a session may ask for: each is minutes of work, so more than this is a typing slip.
MAX_REPEAT = 100

# The published protocol (seed-protocol.md): what "full" means and what "quick" estimates by default.
PROTOCOL_EPOCHS = 100
PROTOCOL_BATCH_SIZE = 64
PROTOCOL_TRAIN_SAMPLES = 60_000
PROTOCOL_VAL_SAMPLES = 10_000
# Keras' own default for Model.predict, which the published inference used.
INFERENCE_BATCH_SIZE = 32
# The quick profile's default time budget for a model's steady steps (a later dataset in the same process needs
# fewer): at 45 s Model B's steady mean is known to about ±2.8% (cv 6%), beside the ±6.9% between-run term of the
# interval (docs/benchmarks.md, "A faster answer").
DEFAULT_QUICK_BUDGET_S = 45.0
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
    quick_budget_s: float = DEFAULT_QUICK_BUDGET_S
    inference_batch_size: int = INFERENCE_BATCH_SIZE
    host_memory_limit_gb: float | None = None
    gpu_memory_limit_gb: float | None = None
    watchdog_s: float = DEFAULT_WATCHDOG_S
    require_gpu: bool = False  # fail (no_gpu_visible) instead of warning when an NVIDIA GPU is present but unused
    backend: str = "auto"  # the framework as asked: auto or a registry name (core/backend_choice.py)
    compile: bool = False  # the framework's compiler, a labelled variant (registry `compiler`); False: eager
    # Data-parallel training through tf.distribute (docs/distribution.md). devices: replicas on this machine (GPUs,
    # or logical CPU devices when cpu_devices splits the CPU); 0 means "all"; 1 is the published single device.
    devices: int = 1
    cpu_devices: int = 0  # split the CPU into this many logical devices (0: leave it whole)
    scaling: str = "strong"
    cluster: tuple[str, ...] = ()  # HOST:PORT of every worker, the same list on each; empty: this machine alone
    task_index: int = 0  # this machine's place in `cluster` (0 is the chief)
    cluster_timeout_s: float = 120.0  # how long to wait for every worker to join before calling one unreachable

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if self.model not in MODELS and self.model != KERNELS_MODEL:
            raise ConfigError(f"unknown model {self.model!r}; choose one of {', '.join(MODELS)}")
        if self.dataset not in DATASETS:
            raise ConfigError(f"unknown dataset {self.dataset!r}; choose one of {', '.join(DATASETS)}")
        if self.profile not in PROFILES:
            raise ConfigError(f"unknown profile {self.profile!r}; choose one of {', '.join(PROFILES)}")
        if self.weights not in WEIGHTS:
            raise ConfigError(f"unknown weights {self.weights!r}; choose one of {', '.join(WEIGHTS)}")
        if self.backend not in BACKENDS:
            raise ConfigError(f"unknown backend {self.backend!r}; choose one of {', '.join(frameworks.CHOICES)}")
        if not isinstance(self.compile, bool):
            raise ConfigError(f"compile must be true or false, got {self.compile!r}")
        if self.precision not in PRECISIONS:
            raise ConfigError(f"unknown precision {self.precision!r}; choose one of {', '.join(PRECISIONS)}")
        for name, low, high in (
            ("epochs", 1, 10_000),
            ("batch_size", 1, MAX_BATCH_SIZE),
            ("train_samples", 1, PROTOCOL_TRAIN_SAMPLES),
            ("val_samples", 1, PROTOCOL_VAL_SAMPLES),
            ("inference_batch_size", 1, MAX_BATCH_SIZE),
            ("seed", 0, MAX_SEED),
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
        self._validate_distribution()
        if self.is_kernels and (self.dataset != KERNELS_DATASET or self.distributed):
            raise ConfigError("the simple kernels run on Fashion-MNIST on one device, as published")
        if self.data not in DATA_CHOICES and not os.path.isdir(self.data):
            raise ConfigError(
                f"data must be auto, keras, synthetic or an existing folder; {self.data!r} is none of these"
            )
        if self.profile == "full" and not self.is_published_protocol:
            raise ConfigError("the full profile is the published protocol; use --profile custom to change it"
                              + (" (the simple kernels: 10 epochs x 60,000 images, batch 64)" if self.is_kernels else ""))

    def _validate_distribution(self) -> None:
        for name, low in (("devices", 0), ("cpu_devices", 0), ("task_index", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_DEVICES:
                raise ConfigError(f"{name.replace('_', ' ')} must be a whole number from {low} to {MAX_DEVICES}, "
                                  f"got {value!r}")
        if self.scaling not in SCALINGS:
            raise ConfigError(f"unknown scaling {self.scaling!r}; choose one of {', '.join(SCALINGS)}")
        if self.cpu_devices and self.devices > self.cpu_devices:
            raise ConfigError(f"{self.devices} devices asked for, but the CPU is split into only {self.cpu_devices}")
        if self.profile == "full" and self.scaling == "weak" and (self.devices != 1 or self.cluster):
            raise ConfigError("the full profile is the published protocol, a global batch of 64; weak scaling "
                              "(64 per replica) changes it: use --profile custom, or strong scaling")
        if not (isinstance(self.cluster_timeout_s, (int, float)) and 5 <= self.cluster_timeout_s <= 3600):
            raise ConfigError(f"cluster timeout must be 5–3600 s, got {self.cluster_timeout_s!r}")
        if not isinstance(self.cluster, tuple):
            raise ConfigError("cluster must be a list of HOST:PORT")
        if not self.cluster:
            if self.task_index:
                raise ConfigError("--task-index needs --cluster")
            return
        for address in self.cluster:
            parse_address(address)
        if len(set(self.cluster)) != len(self.cluster):
            raise ConfigError("the cluster lists the same HOST:PORT twice")
        if len(self.cluster) < 2:
            raise ConfigError("a cluster needs at least two workers (HOST:PORT,HOST:PORT)")
        if self.task_index >= len(self.cluster):
            raise ConfigError(f"task index {self.task_index} is outside the cluster of {len(self.cluster)} workers "
                              f"(0–{len(self.cluster) - 1})")
        if self.profile == "quick":
            raise ConfigError("a cluster run needs --profile custom or full: the quick profile decides per machine "
                              "when to stop measuring, and the other workers would wait for it")
        if self.cpu_devices:
            raise ConfigError("a cluster uses one CPU device per worker (TensorFlow's MultiWorkerMirroredStrategy); "
                              "drop --cpu-devices or run one machine with --devices")

    @property
    def workers(self) -> int:
        return max(1, len(self.cluster))

    @property
    def distributed(self) -> bool:
        """Does this run use a tf.distribute strategy (several devices or several machines)?"""
        return bool(self.cluster) or self.devices != 1

    def keras_package_for(self, backend: str) -> str:
        """Keras 3 everywhere but TensorFlow's multi-machine path: Keras 3.15.1's fit fails under
        MultiWorkerMirroredStrategy (keras-team/keras#20585); tf_keras (Keras 2) runs the same models there. On JAX,
        Keras 3 itself is the multi-machine path (keras.distribution)."""
        return frameworks.keras_package_for(backend, bool(self.cluster))

    def local_devices(self, gpus: int) -> int:
        """Replicas on this machine, given how many GPUs it has: the logical CPU devices asked for, or N of the
        GPUs (all of them for 0), or the one CPU when there is no GPU."""
        if self.cpu_devices:
            return self.devices or self.cpu_devices
        if self.devices == 0:
            return max(1, gpus)
        return self.devices

    def global_batch_size(self, replicas: int) -> int:
        """Images per step across all replicas: the published batch split (strong) or one batch each (weak)."""
        return self.batch_size * (replicas if self.scaling == "weak" else 1)

    def for_machine(self, gpus: int) -> "BenchmarkConfig":
        """The configuration a run follows on a machine with `gpus` NVIDIA GPUs, made once before the session
        starts: weak scaling gives every replica the batch, so the run's batch (images per step) becomes batch x
        replicas, and its steps per epoch, its estimate and its comparability all follow from what it really does.
        Any other configuration is already the one it follows."""
        if self.scaling != "weak" or not self.distributed:
            return self
        return dataclasses.replace(self, batch_size=self.global_batch_size(self.workers * self.local_devices(gpus)))

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.train_samples // self.batch_size)

    @property
    def val_steps(self) -> int:
        return -(-self.val_samples // self.batch_size)

    @property
    def is_kernels(self) -> bool:
        """Is this the simple-kernels run (the matrix products, then convolve2d), not one of the two models?"""
        return self.model == KERNELS_MODEL

    @property
    def is_published_protocol(self) -> bool:
        """The protocol published for this run's model: the models' 100 epochs, or the simple kernels' 10."""
        if self.is_kernels:
            return all(getattr(self, k) == v for k, v in KERNELS_PROTOCOL.items())
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
        values = {k: v for k, v in data.items() if k in known}
        if isinstance(values.get("cluster"), list):  # JSON has no tuples
            values["cluster"] = tuple(values["cluster"])
        return cls(**values)


def kernels_config(measured: bool = False, **overrides: Any) -> BenchmarkConfig:
    """The simple-kernels run as published (10 epochs, batch 64, mixed_float16): convolve2d estimated from a quick
    pass, or `measured` in full; `overrides` (precision, data, budget, a reduced protocol) as a person asks."""
    values = {**KERNELS_PROTOCOL, "precision": KERNELS_PRECISION,
              "profile": "full" if measured else "quick", **overrides}
    if values["profile"] == "full" and any(values[k] != v for k, v in KERNELS_PROTOCOL.items()):
        values["profile"] = "custom"  # a reduced protocol, measured
    return BenchmarkConfig(model=KERNELS_MODEL, dataset=KERNELS_DATASET, **values)


def shareable(a: BenchmarkConfig, b: BenchmarkConfig) -> bool:
    """May b run in a's processes (runner/share.py)? Quick profile, one device, and everything but the dataset the
    same (the same dataset again would be a repeat, which must be independent)."""
    return (a.profile == b.profile == "quick" and not a.distributed and a.dataset != b.dataset
            and dataclasses.replace(b, dataset=a.dataset) == a)


def share_groups(configs: list[BenchmarkConfig]) -> list[tuple[int, list[str], int]]:
    """For each run of a session: (its group, the group's datasets in run order, its position in the group). A group
    is consecutive shareable runs; a configuration that appears more than once (--repeat) is always alone."""
    places: list[tuple[int, list[str], int]] = [(i, [c.dataset], 0) for i, c in enumerate(configs)]
    repeated = {c for c in configs if configs.count(c) > 1}
    group: list[int] = []
    for i, c in enumerate(configs):
        if group and c not in repeated and all(shareable(configs[j], c) for j in group):
            group.append(i)
        else:
            group = [i] if c not in repeated else []
        for k, j in enumerate(group):
            places[j] = (group[0], [configs[x].dataset for x in group], k)
    return places


def parse_address(address: Any) -> tuple[str, int]:
    """HOST:PORT (an IPv6 host in brackets) to (host, port), or a ConfigError saying what is wrong."""
    text = str(address).strip()
    host, sep, port = text.rpartition(":")
    bracketed = host.startswith("[") and host.endswith("]")
    host = host[1:-1] if bracketed else host
    # ASCII digits only: str.isdigit() and int() take other scripts' digits (and int() fails past 4,300 of them)
    if not sep or not host or not re.fullmatch(r"[0-9]{1,5}", port) or not 1 <= int(port) <= 65535:
        raise ConfigError(f"{text[:80]!r} is not HOST:PORT (a port 1–65535), as in 192.168.1.20:12345")
    if ":" in host and not bracketed:  # an IPv6 address: which colon ends it cannot be told
        raise ConfigError(f"{text[:80]!r}: an IPv6 address goes in brackets, as in [{host}]:{port}")
    return host, int(port)


def parse_cluster(text: str) -> tuple[str, ...]:
    """--cluster HOST:PORT,HOST:PORT,... to a tuple, each address checked."""
    addresses = tuple(a.strip() for a in text.split(",") if a.strip())
    if text.strip() and not addresses:  # only commas: not a cluster, and never an ordinary run in its place
        raise ConfigError("--cluster lists no HOST:PORT (it holds only commas)")
    for a in addresses:
        parse_address(a)
    return addresses


def expand_selection(models: str | list[str], datasets: str | list[str]) -> list[tuple[str, str]]:
    """'all' or one name, or lists, to the model x dataset pairs in protocol order."""
    ms = list(MODELS) if models in ("all", ["all"]) else ([models] if isinstance(models, str) else list(models))
    ds = list(DATASETS) if datasets in ("all", ["all"]) else ([datasets] if isinstance(datasets, str) else list(datasets))
    return [(m, d) for m in ms for d in ds]
