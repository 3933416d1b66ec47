"""The published baseline, this machine's ratio to each setup, and a plain verdict with its rule shown."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from .. import frameworks
from ..backend_choice import backend_of
from ..config import is_published
from ..durations import format_duration
from ..resources import resource
from ..store.report import RunReport
from . import distribution

DEFAULT_BUDGET_H = 48.0
BUDGET_RANGE_H = (0.5, 10_000.0)  # the budgets the window and `dlbench card` take
FEASIBLE_RATIO = 2.0  # at most this many times the slowest published setup counts as plainly feasible

VERDICT_RULE = (
    "Not feasible as configured: the run hit a resource error (out of memory, driver, disk). "
    "Feasible: the full-protocol time is at most {ratio:g}x the slowest published setup and within the time budget "
    "({budget:g} h per model and dataset). Feasible but slow: within the budget, more than {ratio:g}x the slowest setup. "
    "Not feasible in the time budget: longer than the budget. Estimates are judged as estimates, by their point value."
)

RESOURCE_KINDS = {"gpu_oom", "host_oom", "gpu_driver", "no_gpu_visible", "disk_full"}


@lru_cache(maxsize=1)
def load_baselines() -> dict[str, Any]:
    return json.loads(resource("baselines.json").read_text(encoding="utf-8"))


def setup_label(setup: str) -> str:
    s = load_baselines()["setups"][setup]
    gpu = s["gpu"].replace("NVIDIA GeForce ", "")
    cpu = s["cpu"].replace("Intel Core ", "").split(" @")[0]
    return f"{setup.replace('setup-', 'Setup ')} ({gpu}, {cpu})"


def short_setup_label(setup: str) -> str:
    """For a chart's axis: 'RTX 2060 (setup 1)'."""
    gpu = load_baselines()["setups"][setup]["gpu"].replace("NVIDIA GeForce ", "")
    return f"{gpu} ({setup.replace('setup-', 'setup ')})"


def baseline_for(model: str, dataset: str) -> list[dict[str, Any]]:
    """Each published setup's execution and inference time for this model and dataset."""
    b = load_baselines()
    rows: dict[str, dict[str, Any]] = {}
    for r in b["publications"]["later"]["results"]:
        if r["model"] != model:
            continue
        row = rows.setdefault(r["setup"], {"setup": r["setup"], "label": setup_label(r["setup"])})
        if r["dataset"] == dataset and "execution_time_s" in r:
            row["execution_time_s"] = r["execution_time_s"]
        if "inference_time_s" in r:
            row["inference_time_s"] = r["inference_time_s"]  # published on Fashion-MNIST only
    return [rows[k] for k in sorted(rows)]


@dataclass(frozen=True)
class Verdict:
    level: str  # feasible | slow | too_slow | not_feasible | incomplete | not_comparable
    text: str
    rule: str

    @property
    def rank(self) -> int:
        return {"feasible": 0, "not_comparable": 1, "slow": 2, "incomplete": 3, "too_slow": 4, "not_feasible": 5}[self.level]


def comparable(report: RunReport) -> bool:
    return is_published(report.protocol)


def compare(report: RunReport) -> dict[str, Any]:
    """Ratios of this run to each published setup (>1 = slower than that setup), labelled measured/estimated."""
    h = report.headline
    rows = []
    for b in baseline_for(report.model, report.dataset):
        ex = b.get("execution_time_s")
        inf = b.get("inference_time_s")
        rows.append({**b,
                     "execution_ratio": h["execution_time_s"] / ex if ex and h["execution_time_s"] and comparable(report) else None,
                     "inference_ratio": h["inference_time_s"] / inf if inf and h["inference_time_s"] and comparable(report) else None})
    return {"kind": h["kind"], "comparable": comparable(report), "execution_time_s": h["execution_time_s"],
            "execution_time_ci95_s": h["execution_time_ci95_s"], "inference_time_s": h["inference_time_s"], "setups": rows}


def precision_label(report: RunReport) -> str:
    """'' for float32 (as published); else the words every comparison of this run with the baseline carries."""
    p = report.precision
    return "" if p == "float32" else f" at {p} precision (the published figures are float32)"


def compiled_words(report: RunReport) -> str:
    """', compiled with torch.compile' for a run of a framework's compiled variant (--compile), else ''."""
    f = frameworks.get(backend_of(report.software))
    return f", compiled with {f.compiler}" if (report.config or {}).get("compile") and f.compiler else ""


def backend_words(report: RunReport) -> str:
    """'' for the published framework; else the label every comparison of this run with the baseline carries (with
    its compiled variant: --compile)."""
    f = frameworks.get(backend_of(report.software))
    compiled = compiled_words(report)
    if f is frameworks.PUBLISHED and not compiled:
        return ""
    return f" on {f.engine}{compiled} (the published figures are {frameworks.PUBLISHED.label} runs)"


def verdict(report: RunReport, budget_h: float = DEFAULT_BUDGET_H) -> Verdict:
    """The verdict on timing and errors, with the largest batch that fits (when one was found) added to it, and the
    precision when it is not the published float32."""
    v = _timing_verdict(report, budget_h)
    label = precision_label(report) + backend_words(report) + distribution.label(report)
    if label and v.level in ("feasible", "slow", "too_slow", "not_comparable"):
        v = replace(v, text=v.text + ";" + label)
    largest = (report.memory or {}).get("max_batch_size")
    bs = report.config.get("batch_size")
    if not largest or not bs:
        return v
    if bs > largest and report.status != "completed" and v.rank < 5:
        return Verdict("not_feasible", f"Not feasible as configured — batch {bs} is larger than the largest batch "
                                       f"that fits in memory ({largest})", v.rule)
    if bs > largest:  # it ran, so it fits: the earlier search was conservative (noise, or other load then)
        return replace(v, text=f"{v.text}; batch {bs} fitted although an earlier search found {largest} the largest")
    if v.level in ("feasible", "slow", "too_slow", "not_comparable"):
        return replace(v, text=f"{v.text}; largest batch that fits: {largest} ({largest / bs:.2g}x the batch of {bs})")
    return v


def _timing_verdict(report: RunReport, budget_h: float) -> Verdict:
    rule = VERDICT_RULE.format(ratio=FEASIBLE_RATIO, budget=budget_h)
    if report.error and report.error.get("kind") in RESOURCE_KINDS:
        bs = report.config.get("batch_size")
        return Verdict("not_feasible", f"Not feasible as configured — {report.error.get('title', report.error['kind']).lower()} "
                                       f"at batch {bs}", rule)
    if report.status != "completed":
        why = (report.error or {}).get("title", report.status)
        return Verdict("incomplete", f"No verdict — the run did not complete ({why.lower()})", rule)
    h = report.headline
    t = h["execution_time_s"]
    what = "estimated" if h["kind"] == "estimated" else "measured"
    if not comparable(report):
        if t is None:
            return Verdict("not_comparable", "No verdict — nothing was timed", rule)
        return Verdict("not_comparable", f"Custom protocol ({what} {format_duration(t)}) — not comparable with the "
                                         "published baseline; no resource errors", rule)
    rows = [b for b in baseline_for(report.model, report.dataset) if b.get("execution_time_s")]
    slowest = max(rows, key=lambda b: b["execution_time_s"])
    ratio = t / slowest["execution_time_s"]
    gpu = load_baselines()["setups"][slowest["setup"]]["gpu"].replace("NVIDIA GeForce ", "")
    about = f"about {format_duration(t)}"
    if t > budget_h * 3600:
        return Verdict("too_slow", f"Not feasible in the time budget — full protocol {about} ({what}), "
                                   f"{ratio:.1f}x the slowest baseline; budget {budget_h:g} h", rule)
    if ratio <= FEASIBLE_RATIO:
        return Verdict("feasible", f"Feasible — no resource errors; full protocol {about} ({what}), "
                                   f"{ratio:.1f}x the {gpu} setup", rule)
    return Verdict("slow", f"Feasible but slow — full protocol {about} ({what}), {ratio:.0f}x the slowest baseline", rule)
