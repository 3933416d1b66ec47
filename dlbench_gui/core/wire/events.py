"""The wire between the worker child and its parent, as typed events: one JSON object per line on the child's
stdout, parsed once by the runner into the frozen dataclasses below, which is all that the runner, the CLI and
the GUI ever see. Fields this version does not name travel in `extra`, so the wire can grow without breaking."""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

STOP_COMMAND = "stop"
NEXT_COMMAND = "next"  # to a child kept for the next dataset of a quick run (runner/share.py): go on with it

# Phases, in the words a person reads in the GUI and the CLI.
PHASE_WORDS = {
    "starting": "starting",
    "distributing": "setting up the devices (tf.distribute)",
    "connecting": "waiting for the cluster's workers",
    "preparing_data": "preparing data",
    "building": "building the model",
    "compiling": "compiling",
    "training": "training",
    "validating": "validating",
    "saving": "saving the checkpoint",
    "loading": "loading for inference",
    "predicting": "predicting",
    "probing": "probing memory",
    "dense_matmul": "dense matrix products (NumPy, CPU)",
    "sparse_matmul": "sparse matrix products (SciPy, CPU)",
}


class WireError(ValueError):
    """A line from the child is not a well-formed event."""


@dataclass(frozen=True)
class Event:
    TYPE: ClassVar[str] = ""
    # field name -> the types its value may have (None allowed where listed); checked when a line is parsed
    CHECKS: ClassVar[dict[str, tuple[type, ...]]] = {}

    t: float = field(default_factory=time.time, kw_only=True)
    task: str | None = field(default=None, kw_only=True)  # train | infer | probe | describe (set by the runner)
    extra: dict[str, Any] = field(default_factory=dict, kw_only=True)

    def with_task(self, task: str) -> "Event":
        return dataclasses.replace(self, task=task)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": self.TYPE}
        for f in dataclasses.fields(self):
            if f.name != "extra":
                d[f.name] = getattr(self, f.name)
        d.update(self.extra)
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), default=_jsonable) + "\n"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Event":
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        known = {k: v for k, v in d.items() if k in names}
        for name, types in cls.CHECKS.items():
            if name in known and not isinstance(known[name], types):
                raise WireError(f"{cls.TYPE}.{name} is {type(known[name]).__name__}")
        try:
            return cls(**known, extra={k: v for k, v in d.items() if k not in names and k != "type"})
        except TypeError as exc:  # a field this event must have is missing
            raise WireError(f"{cls.TYPE}: {exc}") from None


OPT_INT = (int, type(None))
OPT_STR = (str, type(None))


@dataclass(frozen=True)
class Hello(Event):
    TYPE = "hello"
    CHECKS = {"software": (dict,), "gpu_memory_limit": (dict, type(None)), "pid": OPT_INT}
    software: dict[str, Any]
    gpu_memory_limit: dict[str, Any] | None = None
    pid: int | None = None


@dataclass(frozen=True)
class Phase(Event):
    TYPE = "phase"
    CHECKS = {"phase": (str,), "epoch": OPT_INT, "epochs": OPT_INT}
    phase: str
    epoch: int | None = None
    epochs: int | None = None

    def words(self, profile: str) -> str:
        """In words; a protocol run names its epoch (a quick run's epochs are not the protocol's); the inference
        child's data is said to be the test images, so that it is not read as the next run's data (#26)."""
        if self.phase == "preparing_data" and self.task == "infer":
            return "preparing the test images for inference"
        text = PHASE_WORDS.get(self.phase, self.phase)
        if self.phase == "training" and profile != "quick" and self.epoch:
            text += f" epoch {self.epoch}/{self.epochs}"
        return text


@dataclass(frozen=True)
class Step(Event):
    """Steps batched (at most one line every ~100 ms): each [epoch, batch, seconds, loss, accuracy]."""
    TYPE = "step"
    CHECKS = {"steps": (list,), "steps_per_epoch": OPT_INT}
    steps: list[list[Any]]
    steps_per_epoch: int | None = None


@dataclass(frozen=True)
class EpochEnd(Event):
    """One finished epoch: its times and metrics (train_s, val_s, checkpoint_s, loss, val_accuracy, …)."""
    TYPE = "epoch"
    CHECKS = {"epoch": (int,), "epochs": OPT_INT, "train_s": (int, float), "val_s": (int, float)}
    epoch: int
    train_s: float
    val_s: float
    epochs: int | None = None

    @property
    def record(self) -> dict[str, Any]:
        """As a report's `timing.epochs` keeps it."""
        return {"epoch": self.epoch, "train_s": self.train_s, "val_s": self.val_s, **self.extra}

    def metric(self, name: str) -> float | None:
        value = self.extra.get(name)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Log(Event):
    TYPE = "log"
    CHECKS = {"message": (str,), "level": (str,), "kind": OPT_STR, "data": (dict, type(None))}
    message: str
    level: str = "info"
    kind: str | None = None
    data: dict[str, Any] | None = None


@dataclass(frozen=True)
class Result(Event):
    """The task's result; what it holds depends on the task (timing, inference, probe, models) and is in extra."""
    TYPE = "result"

    def get(self, key: str, default: Any = None) -> Any:
        return self.extra.get(key, default)


@dataclass(frozen=True)
class Error(Event):
    TYPE = "error"
    CHECKS = {"kind": (str,), "message": (str,), "exception": OPT_STR, "traceback": OPT_STR}
    kind: str = "crash"
    message: str = ""
    exception: str | None = None
    traceback: str | None = None


@dataclass(frozen=True)
class Cancelled(Event):
    TYPE = "cancelled"
    message: str = "stopped on request"


@dataclass(frozen=True)
class Heartbeat(Event):
    """'Still working': sent in phases that have no progress events of their own."""
    TYPE = "heartbeat"
    phase: str | None = None


@dataclass(frozen=True)
class RunStarted(Event):
    """Made by the runner, not the child: one benchmark (model x dataset) begins. `index`: its planned run's place in
    the session (core/plan.py), 0-based."""
    TYPE = "run_started"
    run_id: str
    config: dict[str, Any]
    log_path: str | None = None
    report_path: str | None = None
    index: int = 0
    CHECKS = {"index": (int,)}


@dataclass(frozen=True)
class RunFinished(Event):
    TYPE = "run_finished"
    run_id: str
    status: str
    report_path: str | None = None


EVENT_CLASSES: dict[str, type[Event]] = {c.TYPE: c for c in (
    Hello, Phase, Step, EpochEnd, Log, Result, Error, Cancelled, Heartbeat, RunStarted, RunFinished)}
FINAL_EVENTS = (Result, Error, Cancelled)


def from_dict(d: Any) -> Event:
    if not isinstance(d, dict) or d.get("type") not in EVENT_CLASSES:
        raise WireError(f"not an event: {str(d)[:200]!r}")
    return EVENT_CLASSES[d["type"]].from_dict(d)


def from_json(line: str) -> Event:
    try:
        d = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise WireError(f"not JSON: {line[:200]!r}") from exc
    return from_dict(d)


def _jsonable(value: Any) -> Any:
    # numpy scalars and arrays reach us from Keras logs; they must travel as plain numbers.
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
