"""What a worker child is asked to do (one JSON line on its stdin) and what its Result carries back, as typed
dataclasses. The JSON is the same as before they were typed; unknown fields are kept aside, missing ones default."""

from __future__ import annotations

import dataclasses
import json
import sys
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .. import frameworks
from ..config import BenchmarkConfig
from .events import Result, WireError, _jsonable

TASKS = ("train", "infer", "probe", "describe")
DEFAULT_HEARTBEAT_S = 10.0


def worker_command() -> list[str]:
    """How this program starts a worker child: `python -m dlbench_gui --worker`, or the frozen executable's own."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--worker"]
    return [sys.executable, "-m", "dlbench_gui", "--worker"]


@dataclass(frozen=True)
class WorkerRequest:
    """One child's work. `datasets`: a shared child's datasets, measured in turn (runner/share.py); empty: the
    config's one. `steps`: a probe's training steps."""
    task: str
    config: BenchmarkConfig
    checkpoint_path: str | None = None
    heartbeat_s: float = DEFAULT_HEARTBEAT_S
    datasets: tuple[str, ...] = ()
    steps: int = 3
    backend: str = frameworks.PUBLISHED.name  # the framework chosen for this run (core/backend_choice.py); never auto

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise WireError(f"unknown task {self.task!r}")
        if not frameworks.runs(self.backend):
            raise WireError(f"unknown backend {self.backend!r}")

    @property
    def keras_package(self) -> str:
        return self.config.keras_package_for(self.backend)

    @property
    def dataset_names(self) -> list[str]:
        return list(self.datasets or (self.config.dataset,))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"task": self.task, "config": self.config.to_dict(), "heartbeat_s": self.heartbeat_s,
                             "checkpoint_path": self.checkpoint_path, "steps": self.steps, "backend": self.backend}
        if self.datasets:
            d["datasets"] = list(self.datasets)
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict()) + "\n"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "WorkerRequest":
        if not isinstance(d, dict) or "task" not in d or not isinstance(d.get("config"), dict):
            raise WireError("a request needs a task and a config")
        return cls(task=d["task"], config=BenchmarkConfig.from_dict(d["config"]),
                   checkpoint_path=d.get("checkpoint_path"),
                   heartbeat_s=float(d.get("heartbeat_s") or DEFAULT_HEARTBEAT_S),
                   datasets=tuple(d.get("datasets") or ()), steps=int(d.get("steps") or 3),
                   backend=str(d.get("backend") or frameworks.PUBLISHED.name))

    @classmethod
    def from_json(cls, line: str) -> "WorkerRequest":
        try:
            return cls.from_dict(json.loads(line))
        except json.JSONDecodeError as exc:
            raise WireError(f"the request is not JSON: {line[:200]!r}") from exc


@dataclass(frozen=True)
class Payload:
    """A Result's content, by task. Fields this version does not name stay in `extra`."""
    TASK: ClassVar[str] = ""
    dataset: str | None = None  # a shared child's answer names the dataset it is for
    gpu_peak_bytes: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        return {**{k: v for k, v in d.items() if v is not None}, **self.extra}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), default=_jsonable)

    def event(self) -> Result:
        return Result(task=self.TASK, extra=self.to_dict())

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Payload":
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        return cls(**{k: v for k, v in d.items() if k in names},
                   extra={k: v for k, v in d.items() if k not in names})

    @classmethod
    def from_json(cls, text: str) -> "Payload":
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True)
class TrainPayload(Payload):
    TASK = "train"
    timing: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    model: dict[str, Any] = field(default_factory=dict)
    data_prep_s: float | None = None
    build_s: float | None = None
    compile_s: float | None = None
    checkpoint_path: str | None = None
    distribution: dict[str, Any] | None = None
    step_times_s: list[float] | None = None
    step_log: list[list[Any]] | None = None
    val_batch_times_s: list[float] | None = None
    kernels: dict[str, Any] | None = None  # the simple kernels' matrix parts (bench/matrix_parts.py), before convolve2d


@dataclass(frozen=True)
class InferPayload(Payload):
    TASK = "infer"
    inference: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    data_prep_s: float | None = None


@dataclass(frozen=True)
class ProbePayload(Payload):
    TASK = "probe"
    probe: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelsPayload(Payload):
    TASK = "describe"
    models: dict[str, Any] = field(default_factory=dict)


PAYLOADS: dict[str, type[Payload]] = {c.TASK: c for c in (TrainPayload, InferPayload, ProbePayload, ModelsPayload)}


def payload_of(result: Result, task: str | None = None) -> Payload:
    """A Result event's content as the typed payload of its task (the runner sets the task on arrival)."""
    return PAYLOADS.get(task or result.task or "", Payload).from_dict(dict(result.extra))
