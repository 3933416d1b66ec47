"""Other programs at work during a run: how much of the machine they took while dlbench was timing, and whether
that makes the result unreliable. The sampler (hardware/telemetry.py) measures; this module judges.

The measure is the CPU time of everything except the benchmark child and dlbench itself, over the wall time
times the logical cores: 0.5 means one busy core on a 2-core machine. On the GPU it is the SM utilisation NVML
attributes to other processes. See docs/benchmarks.md, "Interference", for the measurements behind the threshold."""

from __future__ import annotations

from typing import Any, Iterable

from . import stats

# Mean share of the machine taken by other programs during the timed phases above which a result is unreliable.
# Measured on the 2-core development machine with Model A (docs/benchmarks.md, "Interference"): quiet runs took
# 0.4-1.0%; a quarter-core load took 9.7-9.9% and slowed the steps 1.16-1.22x; one busy core took 49-50% and
# slowed them 1.83-1.88x. TensorFlow's threads wait for each other, so a share s costs about 2s of the speed: 5%
# already costs ~10%, four times the 2.5% between-run spread the interval allows for, and is five times the quiet
# figures.
THRESHOLD = 0.05
# How much slower a run gets per share other programs take: measured 1.6-2.3 (a quarter core 1.6-2.3, one busy
# core 1.7-1.8); 2.5, so that the widened interval reaches down to the quiet speed in every measured pair.
SLOWDOWN_PER_SHARE = 2.5
TIMED_PHASES = frozenset({"training", "validating", "saving", "loading", "predicting"})
RULE = (f"Unreliable when other programs took on average more than {100 * THRESHOLD:g}% of the machine's CPU "
        "(or of the GPU) while dlbench was timing")


def _mean(values: list[float]) -> float | None:
    return stats.mean(values) if values else None


def assess(samples: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """`findings.interference` from telemetry samples carrying `other_cpu_share` (and, per GPU,
    `other_util_percent`): the mean over the timed phases (all samples when none is tagged with one)."""
    samples = [s for s in samples if isinstance(s, dict)]
    timed = [s for s in samples if s.get("phase") in TIMED_PHASES] or samples
    cpu = [float(s["other_cpu_share"]) for s in timed if isinstance(s.get("other_cpu_share"), (int, float))]
    gpu = [float(g["other_util_percent"]) / 100 for s in timed for g in (s.get("gpus") or [])
           if isinstance(g, dict) and isinstance(g.get("other_util_percent"), (int, float))]
    other_cpu, other_gpu = _mean(cpu), _mean(gpu)
    known = [v for v in (other_cpu, other_gpu) if v is not None]
    if not known:
        verdict = "unknown"
    else:
        verdict = "interfered" if max(known) > THRESHOLD else "quiet"
    return {"other_cpu_share": other_cpu, "other_gpu_share": other_gpu, "verdict": verdict,
            "threshold": THRESHOLD, "samples": len(cpu), "rule": RULE}


def share(finding: Any) -> float:
    """The larger share other programs took (0 when unknown)."""
    if not isinstance(finding, dict):
        return 0.0
    values = [v for v in (finding.get("other_cpu_share"), finding.get("other_gpu_share")) if isinstance(v, (int, float))]
    return max(values) if values else 0.0


def interfered(report: Any) -> bool:
    finding = (getattr(report, "findings", None) or {}).get("interference")
    return isinstance(finding, dict) and finding.get("verdict") == "interfered"


def warning_text(finding: Any) -> str | None:
    """One line for the CLI, the GUI, the PDF and the CSV; None for a quiet or unknown run."""
    if not isinstance(finding, dict) or finding.get("verdict") != "interfered":
        return None
    parts = []
    if isinstance(finding.get("other_cpu_share"), (int, float)) and finding["other_cpu_share"] > THRESHOLD:
        parts.append(f"{100 * finding['other_cpu_share']:.0f}% of the CPU")
    if isinstance(finding.get("other_gpu_share"), (int, float)) and finding["other_gpu_share"] > THRESHOLD:
        parts.append(f"{100 * finding['other_gpu_share']:.0f}% of the GPU")
    took = " and ".join(parts) or "part of the machine"
    return (f"UNRELIABLE: other programs used {took} while this run was timed; the machine is probably faster "
            "than this result says. Close them and run again.")
