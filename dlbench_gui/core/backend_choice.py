"""Which framework runs the models, and why, in words: the choice made once per planned run.

`auto` takes the first framework of the registry (`core/frameworks.py`: the published one first) that is installed
and can drive this machine's accelerator: an NVIDIA GPU whose compute capability is above what the framework's CUDA
build targets (from NVML) rules it out. Where no installed framework can drive the GPU, the first installed one
trains on the CPU, and the reason says so."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any, Callable

from . import frameworks
from .config import ConfigError
from .frameworks import Framework


class BackendUnavailable(ConfigError):
    """The framework asked for is not installed here."""


@dataclass(frozen=True)
class BackendChoice:
    name: str  # a registry name (core/frameworks.py); never auto
    why: str  # in words, for the CLI, the window and the report
    requested: str = frameworks.AUTO

    def to_dict(self) -> dict[str, str]:
        return {"requested": self.requested, "chosen": self.name, "why": self.why}

    @property
    def label(self) -> str:
        return frameworks.label(self.name)


def as_published(requested: str = frameworks.AUTO) -> BackendChoice:
    """The published framework, for a report started before any choice was made."""
    return BackendChoice(frameworks.PUBLISHED.name, f"{frameworks.PUBLISHED.label}, as published", requested)


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


def cannot_drive(f: Framework, hardware: dict[str, Any] | None) -> str | None:
    """Why `f` cannot drive this machine's accelerator (None: it can, or there is none)."""
    if f.max_compute_capability is None:
        return None
    cards = ((hardware or {}).get("gpu") or {}).get("nvidia") or []
    for c in cards:
        if (capability(c.get("compute_capability")) or (0, 0)) > f.max_compute_capability:
            top = ".".join(map(str, f.max_compute_capability))
            return (f"{c.get('name') or 'this NVIDIA GPU'} has compute capability {c.get('compute_capability')}, "
                    f"which {f.gpu_build or f.label} cannot drive (it stops at {top})")
    return None


def choose_backend(requested: str, hardware: dict[str, Any] | None,
                   is_installed: Callable[[str], bool] = installed) -> BackendChoice:
    """The framework for `requested` (auto, or a registry name) on this machine, with the reason."""
    if requested != frameworks.AUTO:
        f = frameworks.get(requested)
        if not is_installed(f.module):
            raise BackendUnavailable(f"{f.label} is not installed here: choose --backend auto, or install it "
                                     f"(make install installs every framework)")
        return BackendChoice(f.name, f"{f.label}, as asked", requested)
    here = [f for f in frameworks.OFFERED if is_installed(f.module)]
    if not here:
        return as_published(requested)  # the child's import then fails with the framework's own words
    problems = {f.name: cannot_drive(f, hardware) for f in here}
    able = [f for f in here if problems[f.name] is None]
    first = frameworks.OFFERED[0]
    if able and able[0] is first:
        return as_published(requested) if first is frameworks.PUBLISHED else \
            BackendChoice(first.name, f"{first.label}, the first framework that can drive this machine", requested)
    if able:
        chosen = able[0]
        before = frameworks.OFFERED[:frameworks.OFFERED.index(chosen)]
        why = problems.get(before[0].name) or f"{before[0].label} is not installed here"
        return BackendChoice(chosen.name, f"{why}, so the models run on the {chosen.backend_label}", requested)
    missing = [f.label for f in frameworks.OFFERED if f not in here]
    f = here[0]
    return BackendChoice(f.name, f"{problems[f.name]}, and {' or '.join(missing) or 'no other framework'} is not "
                                 f"installed: {f.label} will train on the CPU", requested)


# Read by every room that shows a report's backend; defined with the registry, re-exported here for them.
backend_of = frameworks.backend_of
backend_label = frameworks.backend_label
gpus_used = frameworks.gpus_used
