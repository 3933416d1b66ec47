"""What a data-parallel run's report says about its distribution: labels, the scaling efficiency against the same
machine's one-device run, and the groups a cluster's reports form (docs/distribution.md)."""

from __future__ import annotations

from typing import Any

from ..config import PROTOCOL_BATCH_SIZE
from .estimate import machine_key
from ..frameworks import PUBLISHED_BACKEND, variant_of

EFFICIENCY_METHOD = ("steady-step throughput (images/s over all replicas) of this run / (replicas x the steady-step "
                     "throughput of the latest completed one-device run of the same model, dataset and precision on "
                     "this machine); 1.0 is perfect linear scaling")


def of(report: Any) -> dict[str, Any]:
    """A report's `distribution` ({} for the published single-device runs, and for reports older than it)."""
    d = getattr(report, "distribution", None)
    return d if isinstance(d, dict) else {}


def replicas(report: Any) -> int:
    r = of(report).get("replicas")
    return r if isinstance(r, int) and r > 0 else 1


def throughput(report: Any) -> float | None:
    t = (report.timing or {}).get("steady_images_per_s")
    return float(t) if isinstance(t, (int, float)) and t > 0 else None


def scaling_efficiency(distribution: dict[str, Any], images_per_s: float | None, history: list, model: str,
                       dataset: str, precision: str, hardware: dict[str, Any],
                       backend: str = PUBLISHED_BACKEND) -> dict[str, Any] | None:
    """N-device throughput / (N x one-device throughput), against the latest completed one-device report of the same
    model, dataset and precision on this machine; None when there is no such report (or nothing to divide)."""
    n = distribution.get("replicas") or 1
    if n <= 1 or not images_per_s:
        return None
    key = machine_key(hardware)
    single = [r for r in history
              if r.status == "completed" and replicas(r) == 1 and not of(r).get("workers", 1) > 1
              and r.config.get("model") == model and r.config.get("dataset") == dataset
              and (r.config.get("precision") or "float32") == precision and variant_of(r.software, r.config) == backend
              and machine_key(r.hardware or {}) == key and throughput(r)]
    if not single:
        return None
    base = max(single, key=lambda r: r.created_at or "")
    one = throughput(base)
    return {"value": images_per_s / (n * one), "images_per_s": images_per_s, "one_device_images_per_s": one,
            "replicas": n, "one_device_run": base.run_id, "method": EFFICIENCY_METHOD}


def label(report: Any) -> str:
    """'' for one device; else the words a comparison of the run carries ('on 2 replicas, strong scaling ...')."""
    d = of(report)
    if replicas(report) <= 1 and d.get("workers", 1) <= 1:
        return ""
    machines = f" on {d['workers']} machines" if d.get("workers", 1) > 1 else ""
    batch = d.get("global_batch_size")
    if batch == PROTOCOL_BATCH_SIZE:
        how = f"the published global batch of {batch} split across them"
    else:
        how = (f"a global batch of {batch}, not the published {PROTOCOL_BATCH_SIZE}: not comparable with the "
               "baseline")
    return f" on {replicas(report)} replicas{machines} ({d.get('scaling', 'strong')} scaling: {how})"


def short_label(report: Any) -> str:
    """'2 replicas' / '4 replicas, 2 machines' / '' for one device: a column of the Results table."""
    d = of(report)
    n = replicas(report)
    if n <= 1 and d.get("workers", 1) <= 1:
        return ""
    machines = f", {d['workers']} machines" if d.get("workers", 1) > 1 else ""
    worker = f", worker {d['task_index']}" if "task_index" in d else ""
    return f"{n} replicas{machines}{worker}"


def cluster_groups(reports: list) -> dict[Any, list]:
    """The reports of each multi-machine run, chief first: grouped by the number all workers agreed on at start."""
    groups: dict[Any, list] = {}
    for r in reports:
        tag = of(r).get("cluster_run")
        if tag is not None:
            groups.setdefault(tag, []).append(r)
    for members in groups.values():
        members.sort(key=lambda r: of(r).get("task_index", 0))
    return groups


