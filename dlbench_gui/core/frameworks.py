"""The backend registry: every ML framework dlbench can run the protocol on, one entry each. Outside
`bench/backends/` (the runtime modules themselves) this is the one module that names a framework: the CLI's and the
window's choices, the labels, how to tell that a framework is installed, its runtime module, its extras, its
strategy names, which Keras package a cluster uses, what `auto` needs of the machine, and how older reports (which
named no backend) are read.

Adding a framework is one entry here and one runtime module (`bench/backends/`, behind `bench/backends/base.Runtime`).
Pure data and small functions: no imports of ours, so every room of `core` may read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Framework:
    name: str  # as the CLI, the request and the report spell it (`software.backend`)
    label: str  # in words: "TensorFlow"
    module: str  # the import that says it is installed
    runtime: str  # "module:Class" of its runtime (bench/backends), imported only in the worker child
    extra: str | None  # the pip extra that installs it (pyproject.toml), None: a base dependency
    strategies: dict[str, str] = field(default_factory=dict)  # "devices" / "cluster": the multi-device strategy's name
    cluster_keras_package: str = "keras"  # the Keras package a multi-machine run builds its model with
    distributions: tuple[str, ...] = ()  # the installed distributions whose versions About lists
    software_keys: tuple[str, ...] = ()  # the keys of a report's `software` that hold its versions (CSV columns)
    # The newest NVIDIA compute capability its CUDA build can drive (None: any): what `auto` needs of the machine
    max_compute_capability: tuple[int, int] | None = None
    gpu_build: str = ""  # the build that limit belongs to, in words
    # The kinds of GPU it can drive (core/backend_choice.gpu_kind): a machine whose GPU is of another kind is judged on
    # its CPU by this framework, so `auto` looks further
    drives: tuple[str, ...] = ("nvidia-linux",)
    blurb: str = ""  # the window's one line about it
    engine: str = ""  # what runs the models, in words: "Keras 3's JAX backend", "native PyTorch"
    hidden: bool = False  # a test runtime: the worker runs it, no user is offered it
    keras: bool = True  # runs the models under Keras (its reports name the Keras package; "none" otherwise)
    # Several devices as one process each (torchrun's way) rather than one process driving them all: the quick profile,
    # which decides per process when it has measured enough, runs on one device only
    process_per_device: bool = False
    compiler: str = ""  # its compiler, offered as a labelled variant (--compile); "": it runs compiled graphs already
    # How it drives each kind of accelerator it can (a `drives` kind → the route in words, and what tells that the
    # installed build has it: "+rocm" a local version tag holding "rocm", "-+cpu" any build but a "+cpu" one,
    # "dist:jax-cuda" an installed distribution whose name starts so; none: being installed is enough)
    routes: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def backend_label(self) -> str:
        return f"{self.label} backend"


KERAS_DP = "keras.distribution.DataParallel"

FRAMEWORKS: tuple[Framework, ...] = (
    Framework("tensorflow", "TensorFlow", "tensorflow", "dlbench_gui.bench.backends.tensorflow:TensorFlowBackend",
              extra=None, strategies={"devices": "MirroredStrategy", "cluster": "MultiWorkerMirroredStrategy"},
              # Keras 3.15.1's fit fails under MultiWorkerMirroredStrategy (keras-team/keras#20585); tf_keras runs it
              cluster_keras_package="tf_keras", distributions=("tensorflow",), software_keys=("tensorflow",),
              # TensorFlow 2.21's CUDA build stops at sm_89 plus compute_90 PTX: Blackwell's 10.x and 12.x fail
              # (tensorflow/tensorflow#111958, #97387, #99592)
              max_compute_capability=(9, 0), gpu_build="TensorFlow 2.21's CUDA build",
              blurb="TensorFlow under Keras 3, as published", engine="TensorFlow under Keras 3",
              routes={"nvidia-linux": ("CUDA (its Linux build finds CUDA's libraries)", ())}),
    Framework("jax", "JAX", "jax", "dlbench_gui.bench.backends.jax:JaxBackend", extra=None,
              strategies={"devices": KERAS_DP, "cluster": KERAS_DP}, distributions=("jax", "jaxlib"),
              software_keys=("jax",), blurb="JAX under Keras 3 (for GPUs TensorFlow 2.21 cannot drive)",
              engine="Keras 3's JAX backend",
              routes={"nvidia-linux": ("CUDA, through the jax-cuda plugin", ("dist:jax-cuda",))}),
    # The reference runtime of the seam: NumPy only, a small network standing in for the model. It proves in the
    # tests that a runtime which is not Keras fits the worker; it measures nothing about a machine, and is not offered.
    # Native PyTorch: the models written in PyTorch (bench/backends/torch_models.py), eager. It drives what TensorFlow
    # and JAX cannot: Apple silicon (MPS; tensorflow-metal and jax-metal no longer load with current releases), an
    # NVIDIA GPU on Windows (neither has a Windows CUDA build), AMD (ROCm) and Intel (XPU) GPUs.
    Framework("torch", "PyTorch", "torch", "dlbench_gui.bench.backends.torch_runtime:TorchRuntime", extra=None,
              strategies={"devices": "DistributedDataParallel", "cluster": "DistributedDataParallel"},
              distributions=("torch",), software_keys=("torch",), keras=False, process_per_device=True,
              compiler="torch.compile",
              drives=("nvidia-linux", "nvidia-windows", "apple", "amd", "intel"),
              blurb="native PyTorch, eager (for Apple silicon, AMD and Intel GPUs, NVIDIA on Windows)",
              engine="native PyTorch",
              routes={"nvidia-linux": ("torch.cuda, a CUDA build", ("-+cpu", "-+rocm", "-+xpu")),
                      "nvidia-windows": ("torch.cuda, a CUDA build", ("+cu",)),
                      "amd": ("torch.cuda on HIP, a ROCm build", ("+rocm",)),
                      "intel": ("torch.xpu, an XPU build", ("+xpu",)),
                      "apple": ("torch.mps (Metal), in every macOS arm64 build", ())}),
    Framework("numpy_reference", "NumPy reference", "numpy", "dlbench_gui.bench.backends.numpy_runtime:NumpyRuntime",
              extra=None, blurb="a test runtime, not a benchmark", hidden=True, drives=(), keras=False,
              engine="the NumPy reference runtime (a stand-in network: no benchmark)"),
)
BY_NAME: dict[str, Framework] = {f.name: f for f in FRAMEWORKS}
PUBLISHED = FRAMEWORKS[0]  # the published protocol's framework; also what a report that names none ran
PUBLISHED_BACKEND = PUBLISHED.name
AUTO = "auto"
# What a user may ask for: auto, or a framework by name (the test runtime is not offered)
CHOICES: tuple[str, ...] = (AUTO, *(f.name for f in FRAMEWORKS if not f.hidden))
OFFERED: tuple[Framework, ...] = tuple(f for f in FRAMEWORKS if not f.hidden)
# What a configuration accepts: the offered choices and, by name only, a hidden runtime (the tests' reference runtime:
# never in a list, never picked by auto, and its reports say what it is)
ACCEPTED: tuple[str, ...] = (AUTO, *(f.name for f in FRAMEWORKS))


def get(name: str | None) -> Framework:
    """The entry of `name`; an unknown or missing name reads as the published framework (older reports)."""
    return BY_NAME.get(name or "", PUBLISHED)


def label(name: str | None) -> str:
    return get(name).label


def runs(name: Any) -> bool:
    """Is `name` a framework a worker can run (never `auto`)?"""
    return isinstance(name, str) and name in BY_NAME


def backend_of(software: dict[str, Any] | None) -> str:
    """The framework a report's run used (reports from before the JAX backend ran TensorFlow)."""
    name = (software or {}).get("backend")
    return name if runs(name) else PUBLISHED.name


def variant(name: str, compiled: bool) -> str:
    """What is pooled together (the between-run spread, a prediction's like runs, the one-device reference): a
    framework's runs, and its compiled variant's (--compile) apart from them."""
    return f"{name}+compiled" if compiled else name


def variant_of(software: dict[str, Any] | None, config: dict[str, Any] | None) -> str:
    """A report's `variant` (its software says the framework, its config whether it was compiled)."""
    return variant(backend_of(software), bool((config or {}).get("compile")))


def backend_label(software: dict[str, Any] | None) -> str:
    """'' for the published framework, ' (JAX backend)' otherwise: the label a result is compared under."""
    f = get(backend_of(software))
    return "" if f is PUBLISHED else f" ({f.backend_label})"


def gpus_used(software: dict[str, Any] | None) -> list | None:
    """The GPUs the run's framework trained on, from the child's hello (None: not said). `tf_gpus`: the name reports
    had before there was a second backend."""
    s = software or {}
    return s.get("backend_gpus", s.get("tf_gpus"))


def keras_package_for(backend: str, cluster: bool) -> str:
    """The Keras package a run builds its model with: Keras 3, but a multi-machine run's may differ."""
    f = get(backend)
    if not f.keras:
        return "none"
    return f.cluster_keras_package if cluster else "keras"


def strategy_name(backend: str, cluster: bool) -> str:
    """The multi-device strategy a framework uses (its own words), for the report of a run that ended before it was
    set up."""
    return get(backend).strategies.get("cluster" if cluster else "devices", "")


def software_versions(software: dict[str, Any]) -> dict[str, Any]:
    """The framework versions a report's `software` holds, one key per framework (CSV columns)."""
    return {k: software.get(k) for f in OFFERED for k in f.software_keys}


def software_columns() -> tuple[str, ...]:
    return tuple(k for f in OFFERED for k in f.software_keys)
