"""CSV export: one row per model x dataset x run — the published table's columns, then ours."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

from ..core.report import RunReport
from ..core.storage import atomic_write_text

COLUMNS = [
    # the published results table: the setup (machine) and the times
    "setup", "cpu", "gpu", "ram_mb", "storage", "model", "dataset", "execution_time_s", "inference_time_s",
    # ours
    "figures", "execution_time_ci95_low_s", "execution_time_ci95_high_s", "status", "error_kind", "error_message",
    "profile", "epochs", "batch_size", "train_samples", "val_samples", "data_source", "measured_execution_time_s",
    "train_time_s", "val_time_s", "data_prep_s", "build_s", "first_step_s", "steady_step_s", "checkpoint_s",
    "inference_load_s", "inference_predict_s", "inference_images", "peak_child_rss_bytes", "achieved_gflops_per_s",
    "tensorflow", "keras", "dlbench", "run_id", "created_at",
]


def row_of(r: RunReport) -> dict[str, Any]:
    hw = r.hardware
    cpu = hw.get("cpu") or {}
    gpus = (hw.get("gpu") or {}).get("nvidia") or []
    disk = hw.get("disk") or {}
    h = r.headline
    ci = h.get("execution_time_ci95_s") or [None, None]
    t = r.timing
    inf = t.get("inference") or {}
    total_ram = (hw.get("memory") or {}).get("total_bytes")
    achieved = (r.efficiency or {}).get("achieved_flops_per_s")
    return {
        "setup": hw.get("hostname") or "this machine",
        "cpu": cpu.get("brand"),
        "gpu": ", ".join(g.get("name") or "NVIDIA GPU" for g in gpus) or "none",
        "ram_mb": round(total_ram / 2**20) if total_ram else None,
        "storage": f"{round(disk['total_bytes'] / 1e9)} GB {disk.get('kind') or ''}".strip() if disk.get("total_bytes") else None,
        "model": r.model, "dataset": r.dataset,
        "execution_time_s": h["execution_time_s"], "inference_time_s": h["inference_time_s"],
        "figures": h["kind"], "execution_time_ci95_low_s": ci[0], "execution_time_ci95_high_s": ci[1],
        "status": r.status, "error_kind": (r.error or {}).get("kind"), "error_message": (r.error or {}).get("message"),
        "profile": r.profile, **{k: r.protocol.get(k) for k in ("epochs", "batch_size", "train_samples", "val_samples")},
        "data_source": r.config.get("data_source"),
        "measured_execution_time_s": t.get("execution_time_s"),
        **{k: t.get(k) for k in ("train_time_s", "val_time_s", "data_prep_s", "build_s", "first_step_s", "steady_step_s", "checkpoint_s")},
        "inference_load_s": inf.get("load_s"), "inference_predict_s": inf.get("predict_s"), "inference_images": inf.get("images"),
        "peak_child_rss_bytes": r.memory.get("peak_child_rss_bytes"),
        "achieved_gflops_per_s": achieved / 1e9 if achieved else None,
        "tensorflow": r.software.get("tensorflow"), "keras": r.software.get("keras"), "dlbench": r.app_version,
        "run_id": r.run_id, "created_at": r.created_at,
    }


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A spreadsheet must never run a report's text as a formula: such text gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv_text(reports: list[RunReport]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in reports:
        w.writerow({k: cell(v) for k, v in row_of(r).items()})
    return buf.getvalue()


def write_csv(reports: list[RunReport], output: str | os.PathLike) -> Path:
    return atomic_write_text(output, to_csv_text(reports))


def read_csv(path: str | os.PathLike) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
