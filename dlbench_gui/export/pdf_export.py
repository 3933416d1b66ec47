"""PDF export with Qt's own PDF writer: cover with the verdict, hardware and software; results against the
baseline with a chart; training curves; telemetry; configuration; method notes."""

from __future__ import annotations

import math
import os
from html import escape
from pathlib import Path

from ..core import frameworks
from ..core.backend_choice import backend_of
from ..core.durations import format_bytes, format_duration
from ..core.measure import comparison
from ..core.measure.kernels import RULE as KERNELS_RULE
from ..core.measure.estimate import METHOD as ESTIMATE_METHOD
from ..core.store.report import RunReport
from ..core.store.storage import atomic_write_bytes
from ..core.view import present
from ..core.view.card import Card, card
from ..core.view.present import NA
from .html_report import card_html, detail_html, html_table, title_of, verdict_text


def _ensure_app():
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    if app is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication([])
    return app


def _hardware_rows(r: RunReport) -> list[tuple[str, str]]:
    s = r.software
    return present.hardware_rows(r.hardware) + [
        ("Backend / Keras", f"{frameworks.label(backend_of(s))} {s.get('backend_version') or s.get(backend_of(s)) or NA}"
                            f" / {s.get('keras') or NA}" + (f" — {s['backend_choice']['why']}"
                                                             if isinstance(s.get("backend_choice"), dict) else "")),
        ("Backend devices", ", ".join(d["name"] for d in s.get("backend_devices") or s.get("tf_devices") or [])
         or "not recorded"),
        ("dlbench", r.app_version or NA),
    ]


def telemetry_html(r: RunReport, i: int, images: dict[str, object]) -> str:
    """The run's CPU and RAM over time (a chart put in `images`) and their means and peaks; '' without samples."""
    from . import charts

    tel = [s for s in r.telemetry_samples if s.t is not None and math.isfinite(s.t)]
    if not tel:
        return ""
    t = [s.t for s in tel]
    images[f"tel{i}"] = charts.line_chart(
        [("CPU %", t, [number(s.cpu_percent) for s in tel]),
         ("RAM %", t, [number(s.ram_percent) for s in tel])],
        "System during the run", "time (s)", "%", y_range=(0.0, 100.0))
    summ = r.telemetry.get("summary") or {}
    rows = []
    for key, label, fmt in (("cpu_percent", "CPU", lambda v: f"{v:.0f}%" if v is not None else "—"),
                            ("ram_used_bytes", "RAM used", format_bytes),
                            ("child_rss_bytes", "Child RSS", format_bytes)):
        if summ.get(key):
            rows.append((label, fmt(summ[key].get("mean")), fmt(summ[key].get("max"))))
    return ("<h3>Telemetry</h3>" + html_table(rows, ("", "mean", "max"))
            + f"<p><img src='img://tel{i}' width='640'></p>")


def build_html(reports: list[RunReport], images: dict[str, object], shown: Card | None = None) -> str:
    from . import charts

    first = reports[0]
    css = ("<style>body{font-family:sans-serif; font-size:10pt} h1{font-size:20pt} h2{font-size:14pt; color:#333}"
           "h3{font-size:12pt} td,th{font-size:9pt}</style>")
    parts = [css, "<h1>dlbench report</h1>",
             f"<p style='color:#555'>Is this machine good enough for the published deep-learning protocol? "
             f"{len(reports)} run(s), {escape(first.created_at[:10])}.</p>",
             card_html(shown if shown is not None else card(reports))]
    summary = [(title_of(r), r.profile, r.status, format_duration(r.headline["execution_time_s"]) + f" ({r.headline['kind']})",
                format_duration(r.headline["inference_time_s"]), verdict_text(r)) for r in reports]
    parts.append("<h2>Results</h2>" + html_table(summary, ("run", "profile", "status", "execution", "inference", "verdict")))
    parts.append("<h2>Hardware and software</h2>" + html_table(_hardware_rows(first)))
    for i, r in enumerate(reports):
        parts.append("<hr>" + detail_html(r))
        h = r.headline
        if comparison.comparable(r) and h["execution_time_s"]:
            rows = [(f"This machine ({h['kind']})", h["execution_time_s"], True)]
            rows += [(b["label"], b["execution_time_s"], False)
                     for b in comparison.baseline_for(r.model, r.dataset) if b.get("execution_time_s")]
            ci = tuple(h["execution_time_ci95_s"]) if h.get("execution_time_ci95_s") else None
            images[f"baseline{i}"] = charts.bar_chart(rows, "Full-protocol execution time against the published setups", ci)
            parts.append(f"<p><img src='img://baseline{i}' width='640'></p>")
        curves = _training_series(r)
        if curves:
            images[f"curves{i}"] = charts.line_chart(curves[0], "Training loss", curves[2], "loss")
            images[f"acc{i}"] = charts.line_chart(curves[1], "Accuracy", curves[2], "accuracy")
            parts.append("<h3>Training curves</h3>"
                         f"<p><img src='img://curves{i}' width='640'></p><p><img src='img://acc{i}' width='640'></p>")
        parts.append(telemetry_html(r, i, images))
        parts.append("<h3>Configuration</h3>" + html_table(*config_rows(r)))
    parts.append("<hr><h2>Method notes</h2>")
    parts.append(
        "<p><b>Protocol.</b> Two Keras models (a modified VGG19 with a frozen base, and a concatenated Xception + "
        "ResNet152V2) trained on MNIST and Fashion-MNIST resized to 32×32×3, Adam 1e-3, batch 64, 100 epochs, "
        "validation on the 10,000 test images every epoch, best checkpoint by validation accuracy. Execution time is "
        "the wall time of training plus validation (checkpoint saves included); inference time is loading the saved "
        "model in a fresh process plus predicting the test set.</p>"
        "<p><b>Measured and estimated.</b> Figures under 'timing' were measured on this machine. A quick-profile "
        "run measures the first step, discards warm-up steps, measures steady steps until the mean is known to ±2% "
        "(95% confidence), times validation on a sample of batches, one checkpoint save and inference on a sample, "
        "and <i>estimates</i> the whole protocol: " + escape(ESTIMATE_METHOD) + "</p>"
        "<p><b>Baseline.</b> The four published setups (RTX 2060, 3070, 2070, 2070) measured the full protocol. "
        "Ratios above 1 mean this machine is slower.</p>"
        "<p><b>Data.</b> Runs marked 'synthetic' used random images with the real shapes: their timings are valid, "
        "their accuracy is not.</p>")
    if any(r.kernels for r in reports):
        parts.append("<p><b>Simple kernels.</b> The authors' later, quicker test: five dense matrix products (NumPy, "
                     "float64, the random generation inside the timed total), four sparse ones (SciPy CSR times a "
                     "dense matrix), and convolve2d, a small network (three Conv2D of 2048, 128 and 64 filters with "
                     "average pooling, then Dense 10) built, compiled and trained 10 epochs on Fashion-MNIST, batch 64, "
                     "under Keras' mixed_float16 as published; estimated from a quick pass as above, or measured. "
                     + escape(KERNELS_RULE) + "</p>")
    return "".join(parts)


def config_rows(r: RunReport) -> tuple[list[tuple[str, str, str]] | list[tuple[str, str]], tuple[str, ...]]:
    """The configuration: for a quick run, what ran (the measured pass) next to what it estimates (the protocol),
    so that "epochs 1, 2,560 samples" never stands under a header that says 100 x 60,000."""
    if r.estimate:
        proto = r.protocol
        rows = [(k, str(v), str(proto[k]) if k in proto else "") for k, v in r.what_ran.items() if k != "note"]
        return rows, ("setting", "what ran (measured)", "what it estimates")
    return [(k, str(v)) for k, v in r.config.items()], ("setting", "value")


def number(value) -> float | None:
    """A finite number, or None: telemetry samples are not checked field by field by the report contract."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _training_series(r: RunReport):
    epochs = r.timing.get("epochs") or []
    if len(epochs) >= 2:
        x = [e["epoch"] for e in epochs]
        loss = [("training", x, [e.get("loss") for e in epochs]), ("validation", x, [e.get("val_loss") for e in epochs])]
        acc = [("training", x, [e.get("accuracy") for e in epochs]), ("validation", x, [e.get("val_accuracy") for e in epochs])]
        return loss, acc, "epoch"
    steps = r.extra.get("step_log") or []
    if len(steps) >= 2:
        x = [s[0] for s in steps]
        return [("training", x, [s[1] for s in steps])], [("training", x, [s[2] for s in steps])], "step"
    return None


def write_pdf(reports: list[RunReport], output: str | os.PathLike, shown: Card | None = None) -> Path:
    _ensure_app()
    from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QSizeF, QUrl
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

    images: dict[str, object] = {}
    html = build_html(reports, images, shown)
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buf)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    writer.setResolution(150)
    writer.setTitle("dlbench report")
    writer.setCreator("dlbench")
    doc = QTextDocument()
    for name, img in images.items():
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"img://{name}"), img)
    doc.setHtml(html)
    doc.setPageSize(QSizeF(writer.width(), writer.height()))
    doc.print_(writer)
    del writer
    buf.close()
    return atomic_write_bytes(output, bytes(buf.data()))
