"""Which framework runs the models, and why, in words: the choice made once per planned run.

`auto` takes the first framework of the registry (`core/frameworks.py`: the published one first) that is installed
and can drive this machine's accelerator: an NVIDIA GPU whose compute capability is above what the framework's CUDA
build targets (from NVML) rules it out. Where no installed framework can drive the GPU, the first installed one
trains on the CPU, and the reason says so."""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
from dataclasses import dataclass
from typing import AbstractSet, Any, Callable

from . import accelerators, frameworks
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
    """Can `module` be imported here? A spec with neither an origin nor a package path is a placeholder that an
    import hook put there to refuse it (a worker that must not load another framework), not an installed module."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return False
    return spec is not None and (spec.origin is not None or bool(spec.submodule_search_locations))


def capability(text: Any) -> tuple[int, int] | None:
    """'12.0' → (12, 0); anything else → None."""
    try:
        major, minor = str(text).split(".")[:2]
        return int(major), int(minor)
    except (ValueError, TypeError):
        return None


GPU_KIND_WORDS = {"nvidia-windows": "an NVIDIA GPU on Windows (no CUDA build for Windows)",
                  "apple": "Apple silicon's GPU (Metal)", "amd": "an AMD GPU (ROCm)", "intel": "an Intel GPU (XPU)"}


def gpu_kind(hardware: dict[str, Any] | None) -> str | None:
    """What kind of GPU this machine has, as the registry's `drives` names them; None: none that is known. With
    several vendors the first of NVIDIA, AMD, a discrete Intel GPU and Apple's decides (an integrated Intel GPU beside
    a discrete one, or alone, is not what a framework is chosen for)."""
    hw = hardware or {}
    system = (hw.get("os") or {}).get("system")
    kinds = {accelerator_kind(a, system) for a in accelerators.of(hw.get("gpu"))}
    arch = str((hw.get("cpu") or {}).get("architecture") or "").lower()
    if system == "Darwin" and arch in ("arm64", "aarch64"):
        kinds.add("apple")  # a report from before the accelerator list (#32)
    return next((k for k in ("nvidia-windows", "nvidia-linux", "amd", "intel", "apple") if k in kinds), None)


_SHORT_KIND = {"nvidia-linux": "NVIDIA on Linux", "nvidia-windows": "NVIDIA on Windows", "apple": "Apple silicon",
               "amd": "AMD", "intel": "Intel"}


def accelerator_kind(acc: dict[str, Any], system: str | None) -> str | None:
    kind = acc.get("kind")
    if kind == "nvidia":
        return "nvidia-windows" if system == "Windows" else "nvidia-linux"
    return kind if kind in ("amd", "intel", "apple") else None


@functools.lru_cache(maxsize=None)  # what is installed does not change while dlbench runs: read once
def dist_version(distribution: str) -> str | None:
    """An installed distribution's version, read from its metadata without importing it (None: not installed)."""
    try:
        return importlib.metadata.version(distribution)
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return None


@functools.lru_cache(maxsize=1)  # a walk over every installed package's metadata: once per process, not per GPU
def installed_distributions() -> frozenset[str]:
    return frozenset(str(d.metadata.get("Name") or "").lower().replace("_", "-")
                     for d in importlib.metadata.distributions())


def _build_has(marks: tuple[str, ...], version: str, dists: Callable[[], AbstractSet[str]]) -> bool:
    local = version.partition("+")[2].lower()
    for mark in marks:
        if mark.startswith("dist:") and not any(d.startswith(mark[5:]) for d in dists()):
            return False
        if mark.startswith("-+") and mark[2:] in local:
            return False
        if mark.startswith("+") and mark[1:] not in local:
            return False
    return True


def routes(acc: dict[str, Any], system: str | None, version: Callable[[str], str | None] = dist_version,
           dists: Callable[[], AbstractSet[str]] = installed_distributions) -> list[dict[str, str | None]]:
    """Which offered framework can drive `acc` here, how, and whether the installed build has that route. Read from
    the packages' metadata, without importing any framework: `dlbench hw --frameworks` asks each one for real."""
    kind = accelerator_kind(acc, system) or ("intel" if acc.get("kind") == "intel-integrated" else None)
    out = []
    for f in frameworks.OFFERED:
        route = f.routes.get(kind or "")
        have = version(f.distributions[0]) if f.distributions else None
        if route is None:
            status = f"cannot drive it (dlbench runs {f.label} on " + ", ".join(_SHORT_KIND[k] for k in f.drives) + ")"
        elif have is None:
            status = "not installed"
        elif _build_has(route[1], have, dists):
            status = f"installed ({f.distributions[0]} {have})"
        else:
            status = f"installed, but this build ({f.distributions[0]} {have}) has no such route"
        out.append({"framework": f.label, "route": route[0] if route else None, "status": status})
    return out


def cannot_drive(f: Framework, hardware: dict[str, Any] | None) -> str | None:
    """Why `f` cannot drive this machine's accelerator (None: it can, or there is none)."""
    kind = gpu_kind(hardware)
    if kind is not None and kind not in f.drives:
        return f"{f.label} cannot drive {GPU_KIND_WORDS.get(kind, kind)}"
    if f.max_compute_capability is None:
        return None
    cards = ((hardware or {}).get("gpu") or {}).get("nvidia") or []
    for c in cards:
        if (capability(c.get("compute_capability")) or (0, 0)) > f.max_compute_capability:
            top = ".".join(map(str, f.max_compute_capability))
            return (f"{c.get('name') or 'this NVIDIA GPU'} has compute capability {c.get('compute_capability')}, "
                    f"which {f.gpu_build or f.label} cannot drive (it stops at {top})")
    return None


def skipped_words(skipped: tuple[Framework, ...], problems: dict[str, str | None]) -> str:
    """Why the frameworks before the chosen one were passed over: the first's reason, or one sentence for all of them
    where they share it ("TensorFlow and JAX cannot drive Apple silicon's GPU (Metal)")."""
    reasons = [problems.get(f.name) or f"{f.label} is not installed here" for f in skipped]
    rests = {r[len(f.label):] for f, r in zip(skipped, reasons)}
    if len(skipped) > 1 and len(rests) == 1 and all(problems.get(f.name) for f in skipped):
        return " and ".join(f.label for f in skipped) + rests.pop()
    return reasons[0]


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
    if able and able[0] is frameworks.PUBLISHED:  # the registry's first entry, offered
        return as_published(requested)
    if able:
        chosen = able[0]
        before = frameworks.OFFERED[:frameworks.OFFERED.index(chosen)]
        why = skipped_words(before, problems)
        return BackendChoice(chosen.name, f"{why}, so the models run on {chosen.engine}", requested)
    missing = [f.label for f in frameworks.OFFERED if f not in here]
    f = here[0]
    others = (f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed" if missing else
              "no installed framework can drive it")
    return BackendChoice(f.name, f"{problems[f.name]}, and {others}: {f.label} will train on the CPU", requested)


# Read by every room that shows a report's backend; defined with the registry, re-exported here for them.
backend_of = frameworks.backend_of
backend_label = frameworks.backend_label
gpus_used = frameworks.gpus_used
