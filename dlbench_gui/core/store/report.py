"""RunReport: everything one benchmark run found, saved as versioned JSON."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import math
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .contract import validation_errors
from .sections import Distribution, Estimate, TelemetrySample, Timing
from .storage import MAX_DEPTH, MAX_MAGNITUDE, atomic_write_json, may_be_too_large, too_deep

SCHEMA_VERSION = 1
STATUSES = ("completed", "failed", "cancelled", "running")
MAX_REPORT_BYTES = 64 * 2**20  # a report is well under 1 MB; a larger file is not one of ours

# What each section of a report holds, written into every report so a reader never has to guess.
PROVENANCE = {
    "timing": "measured on this machine",
    "estimate": "estimated: extrapolated from the measured timings by the method stated",
    "telemetry": "measured by the parent process while the run was in progress",
    "efficiency": "FLOPs counted from the model graph; peak from the hardware's published formula",
}


class ReportError(ValueError):
    """A file is not a usable dlbench report; the message names the problem."""


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def new_run_id(model: str, dataset: str) -> str:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{model}-{dataset}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class RunReport:
    run_id: str
    status: str
    config: dict[str, Any]
    hardware: dict[str, Any] = field(default_factory=dict)
    software: dict[str, Any] = field(default_factory=dict)
    timing: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    estimate: dict[str, Any] | None = None
    data: dict[str, Any] = field(default_factory=dict)
    efficiency: dict[str, Any] = field(default_factory=dict)
    telemetry: dict[str, Any] = field(default_factory=dict)
    findings: dict[str, Any] = field(default_factory=dict)
    memory: dict[str, Any] = field(default_factory=dict)
    energy: dict[str, Any] = field(default_factory=dict)  # core/energy.py: per epoch, total, protocol, source or why not
    distribution: dict[str, Any] = field(default_factory=dict)  # core/distribution.py: {} for one device, as published
    created_at: str = field(default_factory=now_iso)
    finished_at: str | None = None
    app_version: str = ""
    log_path: str | None = None
    provenance: dict[str, str] = field(default_factory=lambda: dict(PROVENANCE))
    extra: dict[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    # ---- convenience read-outs used by the CLI, GUI and exports
    @property
    def model(self) -> str:
        return self.config.get("model", "?")

    @property
    def dataset(self) -> str:
        return self.config.get("dataset", "?")

    @property
    def profile(self) -> str:
        return self.config.get("profile", "?")

    @property
    def precision(self) -> str:
        """Keras' precision policy the run used: float32 (as published) unless the config says another."""
        return (self.config or {}).get("precision") or "float32"

    @property
    def kernels(self) -> dict[str, Any] | None:
        """The simple kernels' section (core/measure/kernels.section), or None for a model's run."""
        k = self.extra.get("kernels")
        return k if isinstance(k, dict) else None

    @property
    def execution_time_s(self) -> float | None:
        return self.timing.get("execution_time_s")

    @property
    def inference_time_s(self) -> float | None:
        return (self.timing.get("inference") or {}).get("total_s")

    # ---- the sections code reads most, typed (core/store/sections.py)
    @property
    def timing_facts(self) -> Timing:
        return Timing.of(self.timing)

    @property
    def estimate_facts(self) -> Estimate | None:
        return Estimate.of(self.estimate)

    @property
    def distribution_facts(self) -> Distribution | None:
        return Distribution.of(self.distribution)

    @property
    def telemetry_samples(self) -> list[TelemetrySample]:
        samples = (self.telemetry or {}).get("samples") if isinstance(self.telemetry, dict) else None
        return [TelemetrySample.of(s) for s in samples or [] if isinstance(s, dict)]

    @property
    def what_ran(self) -> dict[str, Any]:
        """The configuration as it ran: a quick run's measured pass (`timing.measured`) over the config as asked;
        older reports, whose config already says what ran, as they are."""
        measured = self.timing.get("measured") if isinstance(self.timing.get("measured"), dict) else {}
        return {**self.config, **{k: v for k, v in measured.items() if k != "note"}}

    @property
    def protocol(self) -> dict[str, Any]:
        """The protocol the headline figure is for: the one estimated (quick profile) or the one run."""
        if self.estimate and self.estimate.get("protocol"):
            return dict(self.estimate["protocol"])
        return {k: self.config.get(k) for k in ("epochs", "batch_size", "train_samples", "val_samples")}

    @property
    def headline(self) -> dict[str, Any]:
        """The figure to compare with the baseline: measured for full/custom, estimated for quick; a run that did not
        complete has `partial` figures (the epochs that finished) or `none`."""
        if self.estimate:
            return {
                "execution_time_s": self.estimate.get("execution_time_s"),
                "execution_time_ci95_s": self.estimate.get("execution_time_ci95_s"),
                "inference_time_s": self.estimate.get("inference_time_s"),
                "kind": "estimated",
            }
        kind = "measured"
        if self.status != "completed":  # a cancelled or failed run measured nothing whole
            kind = "partial" if self.execution_time_s else "none"
        return {
            "execution_time_s": self.execution_time_s,
            "execution_time_ci95_s": None,
            "inference_time_s": self.inference_time_s,
            "kind": kind,
        }

    def with_changes(self, **changes: Any) -> "RunReport":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        extra = d.pop("extra")
        d = {"schema_version": d.pop("schema_version"), **d}
        if not d["distribution"]:  # one device, as published: the section is left out, as in reports before it
            del d["distribution"]
        d.update(extra)
        return d

    @classmethod
    def from_dict(cls, data: Any, source: str = "report") -> "RunReport":
        if not isinstance(data, dict):
            raise ReportError(f"{source}: expected a JSON object, found {type(data).__name__}")
        if "schema_version" not in data:
            raise ReportError(f"{source}: not a dlbench report (no schema_version)")
        version = data["schema_version"]
        if not isinstance(version, int):
            raise ReportError(f"{source}: schema_version must be a whole number, found {str(version)[:40]!r}")
        if version > SCHEMA_VERSION:
            raise ReportError(f"{source}: made by a newer dlbench (schema {version}; this one reads up to {SCHEMA_VERSION})")
        problems = validation_errors(data)
        if problems:
            raise ReportError(f"{source}: breaks the report contract: " + "; ".join(problems))
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs["extra"] = {k: v for k, v in data.items() if k not in known}
        return cls(**kwargs)

    def save(self, path: str | os.PathLike) -> Path:
        return atomic_write_json(path, self.to_dict())


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a report may hold")


_TOO_LARGE = ("holds a number too large for a report (10^20 or more: no duration, size or rate a run measures comes "
              "near it)")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # an overflowing literal such as 1e999
        raise ValueError("holds a number too large for a float (a literal such as 1e999 reads as infinity), which no "
                         "report may hold")
    if abs(value) >= MAX_MAGNITUDE:
        raise ValueError(_TOO_LARGE)
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 20:  # 10^20 or more
        raise ValueError(_TOO_LARGE)
    return int(text)


def parse_report_json(text: str, name: str) -> Any:
    """JSON as a report file holds it: no NaN or Infinity, no number of MAX_MAGNITUDE or more (an overflowing literal
    such as 1e999 parses as infinity; 1e200-second figures overflow the arithmetic on them), no nesting beyond
    MAX_DEPTH (deeper values broke the copies and writers after the contract had let them through).
    The numbers are checked one by one only where the text could hold such a number (on every number, the history
    took half as long again to load)."""
    strict = {"parse_float": _finite_float, "parse_int": _bounded_int} if may_be_too_large(text) else {}
    try:
        data = json.loads(text, parse_constant=_no_constant, **strict)
        if too_deep(text, data):
            raise RecursionError
        return data
    except json.JSONDecodeError as exc:
        raise ReportError(f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    except ValueError as exc:
        raise ReportError(f"{name}: {exc}") from exc
    except RecursionError:
        raise ReportError(f"{name}: nested too deeply to be a report (more than {MAX_DEPTH} levels)") from None


def read_report_json(path: str | os.PathLike) -> Any:
    """The parsed JSON of a report file (an object, or the list a multi-run export writes), size-limited."""
    p = Path(path)
    try:
        if p.is_dir():
            raise ReportError(f"{p.name}: is a folder, not a report file")
        if p.exists() and not p.is_file():  # a pipe or a device would block or never end
            raise ReportError(f"{p.name}: not a regular file")
        if p.stat().st_size > MAX_REPORT_BYTES:
            raise ReportError(f"{p.name}: {p.stat().st_size / 2**20:.0f} MB is far too large to be a dlbench report")
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ReportError(f"{p.name}: not a text file") from exc
    except OSError as exc:
        raise ReportError(f"{p.name}: cannot be read ({exc.strerror or exc})") from exc
    return parse_report_json(text, p.name)


def load_reports(path: str | os.PathLike) -> tuple[list[tuple[str, RunReport]], list[str]]:
    """Every report in a file: one object, or the JSON list a multi-run export writes. Returns the reports, each
    with its source ('file' or 'file[i]'), and the problems, one line each naming its source."""
    name = Path(path).name
    try:
        data = read_report_json(path)
    except ReportError as exc:
        return [], [str(exc)]
    if isinstance(data, list) and not data:
        return [], [f"{name}: an empty list, no report in it"]
    reports, problems = [], []
    for i, item in enumerate(data if isinstance(data, list) else [data]):
        source = f"{name}[{i}]" if isinstance(data, list) else name
        try:
            reports.append((source, RunReport.from_dict(item, source=source)))
        except ReportError as exc:
            problems.append(str(exc))
    return reports, problems


def load_report(path: str | os.PathLike) -> RunReport:
    p = Path(path)
    data = read_report_json(p)
    if isinstance(data, list):
        raise ReportError(f"{p.name}: holds a list; a report is one JSON object")
    return RunReport.from_dict(data, source=p.name)
