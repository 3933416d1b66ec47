"""Figures and facts in the words a person reads: one short phrase each, shared by the CLI, the window, the PDF and
the CSV (so a run, a machine load or a ratio reads the same everywhere)."""

from __future__ import annotations

from typing import Any

from .. import frameworks
from ..config import DATASET_NAMES, MODEL_NAMES
from ..durations import format_duration
from ..measure import distribution, interference

TIMINGS_UNAFFECTED = ("a training step costs the same with either: the same layers, the same arithmetic; "
                      "only what the model learns differs")


def pair_words(model: str, dataset: str) -> str:
    """'Model A on MNIST': a model and dataset in words (an unknown name as it is)."""
    return f"{MODEL_NAMES.get(model, model).split(' — ')[0]} on {DATASET_NAMES.get(dataset, dataset)}"


def load_words(finding: Any) -> str:
    """A short "machine load" for tables (Results, Compare, CSV): 'quiet (1%)', 'UNRELIABLE: 49% busy', or ''
    when it was not measured."""
    if not isinstance(finding, dict) or finding.get("verdict") not in ("quiet", "interfered"):
        return ""
    taken = 100 * interference.share(finding)
    return f"UNRELIABLE: {taken:.0f}% busy" if finding["verdict"] == "interfered" else f"quiet ({taken:.0f}%)"


def data_words(info: Any) -> str:
    """Where the images came from and why, in one line: the data log event's `data` (source, origin, attempts)."""
    if not isinstance(info, dict):
        return "Data: not known"
    attempts = [str(a) for a in info.get("attempts") or [] if a]
    if info.get("source") == "synthetic":
        why = ("; ".join(attempts) + ". ") if attempts else "chosen in the setup. "
        return (f"Data: SYNTHETIC stand-in (random images with the real shapes): {why}"
                "Timings are valid; accuracy is meaningless.")
    return f"Data: {info.get('origin') or info.get('source') or 'not known'}"


def cluster_words(members: list) -> str:
    """One line for a cluster's reports: how many of its workers are here, and each one's status."""
    d = distribution.of(members[0])
    workers = d.get("workers") or len(members)
    parts = [f"worker {distribution.of(r).get('task_index', '?')}: {r.status}" for r in members]
    missing = workers - len(members)
    return (f"cluster run of {workers} workers ({', '.join(d.get('cluster') or [])}); "
            + "; ".join(parts) + (f"; {missing} worker report(s) not imported" if missing > 0 else ""))


def ratio_words(value: float | None, first: float | None) -> str:
    if not value or not first:
        return "—"
    ratio = value / first
    if abs(ratio - 1) < 0.005:
        return "1.00x (the reference)" if value is first else "1.00x (the same)"
    return f"{ratio:.2f}x ({'slower' if ratio > 1 else 'faster'})"


def weights_words(w: dict) -> str:
    """Which weights a run used, and why random ones do not change its timings."""
    if w["used"] == "imagenet":
        return "weights: ImageNet, as published"
    why = "as asked" if w["reason"] == "as asked" else w["reason"]
    return f"weights: random ({why}); timings are unaffected: {TIMINGS_UNAFFECTED}"


def count_words(n: Any, noun: str) -> str:
    """'1 step', '12 steps' (a count with its noun, singular for one)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def devices_seen_words(seen: dict) -> str:
    """What one framework sees, in words: its devices, or that it is not installed or did not start."""
    if not seen.get("installed"):
        return "not installed"
    if seen.get("error"):
        return f"did not start: {seen['error']}"
    return ", ".join(f"{str(d.get('name')).replace('/physical_device:', '')} ({d.get('type')})"
                     for d in seen.get("devices") or [] if isinstance(d, dict)) or "no device"


def framework_device_words(seen: dict | None) -> list[tuple[str, str]]:
    """[(framework label, with its version where it started; what it sees, in words)] for `dlbench hw --frameworks`
    and the window's Log."""
    return [((f"{frameworks.label(name)} {s.get('version') or ''}".rstrip() if s.get("installed") and not s.get("error")
              else frameworks.label(name)), devices_seen_words(s))
            for name, s in (seen or {}).items() if isinstance(s, dict)]


def prediction_words(seconds: float, basis: str, n: int, span: tuple[float, float] | None = None,
                     borrowed: str | None = None) -> tuple[str, str]:
    """('Predicted: about 1 min 10 s for 2 runs (55 s – 1 min 45 s; rough: …)', its tooltip): a quick run stops once
    its figures are steady, so its length has a range, said beside the figure. `borrowed`: a framework with no run
    on this machine yet, whose figure is another's costs: said plainly before any figure (#33, A5)."""
    if not n:
        return "Select at least one model and one dataset.", ""
    low, high = span or (seconds, seconds)
    between = f"{format_duration(low)} – {format_duration(high)}" if high - low >= 1 else ""
    runs = f"{n} run{'s' if n > 1 else ''}"
    if borrowed:
        return (f"Predicted: no figure for {borrowed} yet (no {borrowed} run on this machine); "
                f"{frameworks.PUBLISHED.label}'s costs would say about {format_duration(seconds)} for {runs}"
                + (f" ({between})" if between else ""),
                f"Its first run here makes the figure. {borrowed} may take several times {frameworks.PUBLISHED.label}'s "
                "time (on this project's 2-core CPU a JAX step took 5–11x a TensorFlow step, a PyTorch step 1.1–1.4x); "
                "the progress says \"longer than predicted\" as soon as its start shows it.")
    return (f"Predicted: about {format_duration(seconds)} for {runs} ({between + '; ' if between else ''}{basis})",
            "A quick run stops as soon as its step time is known to ±2%, so it may end sooner or later than this: the "
            "range is its shortest and longest." if between else "")
