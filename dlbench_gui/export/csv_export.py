"""CSV export: one row per model x dataset x run — the published table's columns, then ours."""

from __future__ import annotations

import csv
import io
import math
import os
import re
from pathlib import Path
from typing import Any

from ..core import accelerators, frameworks
from ..core.backend_choice import backend_of
from ..core.durations import format_bytes, format_duration
from ..core.measure import comparison, distribution, kernels
from ..core.store.report import RunReport
from ..core.store.storage import atomic_write_text
from ..core.view.card import Card, card
from ..core.view.words import load_words

CARD_COLUMNS = ("card_verdict", "card_badge", "card_sentence", "card_interval", "card_warning", "card_role")
COLUMNS = [
    # the published results table: the setup (machine) and the times
    "setup", "cpu", "gpu", "ram_mb", "storage", "model", "dataset", "execution_time_s", "inference_time_s",
    # ours: the answer in words, then the figures
    "verdict", "verdict_text", "reliability", "other_cpu_share", "execution_time", "execution_time_ci95",
    "inference_time", "hostname", "figures", "execution_time_ci95_low_s", "execution_time_ci95_high_s", "status", "error_kind", "error_message",
    "profile", "epochs", "batch_size", "train_samples", "val_samples", "data_source", "measured_execution_time_s",
    "train_time_s", "val_time_s", "data_prep_s", "build_s", "first_step_s", "steady_step_s", "checkpoint_s",
    "inference_load_s", "inference_predict_s", "inference_images", "peak_child_rss_bytes", "achieved_gflops_per_s",
    "precision", "weights_used", "energy_per_epoch_j", "energy_protocol_wh", "energy_source", "throttling",
    "replicas", "workers", "scaling", "scaling_efficiency", "cluster_task_index", "backend", "backend_version", *frameworks.software_columns(), "keras", "dlbench", "run_id", "created_at",
    # the simple kernels (a run of model convolve2d): the published parts, and the total against Setup 1
    "kernels_dense_matmul_s", "kernels_sparse_matmul_s", "kernels_convolve2d_s", "kernels_convolve2d_figures",
    "kernels_total_vs_setup_1",
    # the result card of the export (the card on screen when the window exports it): the same on every row, and what
    # the card makes of each run
    *CARD_COLUMNS,
]


def row_of(r: RunReport) -> dict[str, Any]:
    hw = r.hardware
    cpu = hw.get("cpu") or {}
    gpus = accelerators.of(hw.get("gpu"))
    disk = hw.get("disk") or {}
    h = r.headline
    ci = h.get("execution_time_ci95_s") or [None, None]
    t = r.timing
    inf = t.get("inference") or {}
    total_ram = (hw.get("memory") or {}).get("total_bytes")
    achieved = (r.efficiency or {}).get("achieved_flops_per_s")
    names = [cpu.get("brand") or "unknown CPU"] + [g.get("name") or "GPU" for g in gpus]
    v = comparison.verdict(r)
    found = (r.findings or {}).get("interference") or {}
    return {
        "setup": f"{hw.get('hostname') or 'this machine'}: {' + '.join(names)}",
        "cpu": cpu.get("brand"),
        "gpu": ", ".join(g.get("name") or "GPU" for g in gpus) or "none",
        "ram_mb": round(total_ram / 2**20) if total_ram else None,
        # in GiB, as the panel and the PDF say it of the same disk
        "storage": f"{format_bytes(disk['total_bytes'])} {disk.get('kind') or ''}".strip() if disk.get("total_bytes") else None,
        "model": r.model, "dataset": r.dataset,
        "execution_time_s": h["execution_time_s"], "inference_time_s": h["inference_time_s"],
        "verdict": v.level, "verdict_text": v.text,
        "reliability": load_words(found) or "not measured",
        "other_cpu_share": found.get("other_cpu_share") if isinstance(found, dict) else None,
        "execution_time": format_duration(h["execution_time_s"]) if h["execution_time_s"] is not None else None,
        "execution_time_ci95": f"{format_duration(ci[0])} – {format_duration(ci[1])}" if ci[0] is not None else None,
        "inference_time": format_duration(h["inference_time_s"]) if h["inference_time_s"] is not None else None,
        "hostname": hw.get("hostname"),
        "figures": h["kind"], "execution_time_ci95_low_s": ci[0], "execution_time_ci95_high_s": ci[1],
        "status": r.status, "error_kind": (r.error or {}).get("kind"), "error_message": (r.error or {}).get("message"),
        "profile": r.profile, **{k: r.protocol.get(k) for k in ("epochs", "batch_size", "train_samples", "val_samples")},
        "data_source": r.config.get("data_source"),
        "measured_execution_time_s": t.get("execution_time_s"),
        **{k: t.get(k) for k in ("train_time_s", "val_time_s", "data_prep_s", "build_s", "first_step_s", "steady_step_s", "checkpoint_s")},
        "inference_load_s": inf.get("load_s"), "inference_predict_s": inf.get("predict_s"), "inference_images": inf.get("images"),
        "peak_child_rss_bytes": r.memory.get("peak_child_rss_bytes"),
        "achieved_gflops_per_s": achieved / 1e9 if achieved else None,
        "precision": r.precision, "weights_used": r.config.get("weights_used"),
        "energy_per_epoch_j": (r.energy or {}).get("per_epoch_j"),
        "energy_protocol_wh": (r.energy or {}).get("protocol_wh_estimate"),
        "energy_source": (r.energy or {}).get("source") or (r.energy or {}).get("unavailable_reason"),
        "throttling": ((r.findings or {}).get("throttling") or {}).get("verdict")
        if isinstance((r.findings or {}).get("throttling"), dict) else None,
        "replicas": distribution.replicas(r), "workers": distribution.of(r).get("workers", 1),
        "scaling": distribution.of(r).get("scaling"),
        "scaling_efficiency": (distribution.of(r).get("scaling_efficiency") or {}).get("value"),
        "cluster_task_index": distribution.of(r).get("task_index"),
        "backend": backend_of(r.software), "backend_version": r.software.get("backend_version"),
        **frameworks.software_versions(r.software), "keras": r.software.get("keras"),
        "dlbench": r.app_version,
        "run_id": r.run_id, "created_at": r.created_at,
        **kernels_cells(r),
    }


def kernels_cells(r: RunReport) -> dict[str, Any]:
    k = r.kernels
    if not k:  # a model's run: the columns stay empty
        return {c: None for c in COLUMNS if c.startswith("kernels_")}
    times = k.get("times_s") or {}
    return {**{f"kernels_{p}_s": times.get(p) for p in kernels.PARTS},
            "kernels_convolve2d_figures": (k.get("convolve2d") or {}).get("how"),
            "kernels_total_vs_setup_1": ((k.get("comparison") or {}).get("setup-1") or {}).get("total_ratio"),
            "verdict": "kernels", "verdict_text": kernels.verdict(k)}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


LINE_BREAK = re.compile(r"(\r\n|\r|\n)(?=[=+\-@\t\r])")


def cell(value: Any) -> Any:
    """A spreadsheet must never run a report's text as a formula: such text gets a leading apostrophe, and so does
    every line of it that starts like one (a spreadsheet may read a line break inside a cell as a new row)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else ""  # 0.1 ms: exact enough, not 61525.241524121884
    if isinstance(value, str):
        value = LINE_BREAK.sub(lambda m: m.group(1) + "'", value)
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return value


def card_cells(c: Card, r: RunReport) -> dict[str, Any]:
    """The card's figures, and the run's part in it: the card stands on it (alone, or as one repeat counted), does
    not count it (cancelled, failed or disturbed: the card lists it), or leaves it aside (older, or superseded)."""
    role = ("counted" if r.run_id in c.stands_on else "not counted" if r.run_id in c.not_counted else "not used")
    return {"card_verdict": c.level, "card_badge": c.badge, "card_sentence": c.sentence, "card_interval": c.interval,
            "card_warning": c.warning, "card_role": role}


def to_csv_text(reports: list[RunReport], shown: Card | None = None) -> str:
    """`shown`: the card the window shows (its export carries that very card); otherwise the exported runs' own."""
    the_card = shown if shown is not None else card(reports)
    buf = io.StringIO()
    # CRLF, as RFC 4180 says: a cell holding either line break is then quoted, so it stays one cell
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\r\n")
    w.writeheader()
    for r in reports:
        w.writerow({k: cell(v) for k, v in {**row_of(r), **card_cells(the_card, r)}.items()})
    return buf.getvalue()


def write_csv(reports: list[RunReport], output: str | os.PathLike, shown: Card | None = None) -> Path:
    return atomic_write_text(output, to_csv_text(reports, shown))


def read_csv(path: str | os.PathLike) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
