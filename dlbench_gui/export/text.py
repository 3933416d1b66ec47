"""A report in words, as HTML: the GUI's detail pane and the PDF share it."""

from __future__ import annotations

from html import escape
from typing import Any

from ..core import comparison
from ..core.config import DATASET_NAMES, MODEL_NAMES
from ..core.durations import format_bytes, format_duration
from ..core.report import RunReport

VERDICT_COLOURS = {"feasible": "#1a7f37", "slow": "#9a6700", "too_slow": "#cf222e", "not_feasible": "#cf222e",
                   "incomplete": "#57606a", "not_comparable": "#57606a"}


def title_of(r: RunReport) -> str:
    return f"{MODEL_NAMES.get(r.model, r.model)} on {DATASET_NAMES.get(r.dataset, r.dataset)}"


def html_table(rows: list[tuple[str, Any]], header: tuple[str, ...] | None = None) -> str:
    """Every cell is text and is escaped: a report from elsewhere may name its CPU '<img src=...>'."""
    out = ["<table cellspacing='0' cellpadding='3' border='1' style='border-collapse:collapse; border-color:#ccc'>"]
    if header:
        out.append("<tr>" + "".join(f"<th align='left' bgcolor='#f0f0f0'>{escape(h)}</th>" for h in header) + "</tr>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>")
    out.append("</table>")
    return "".join(out)


def verdict_html(r: RunReport, budget_h: float) -> str:
    v = comparison.verdict(r, budget_h)
    return f"<p style='font-size:13pt; color:{VERDICT_COLOURS[v.level]}'><b>{escape(v.text)}</b></p>"


def timing_rows(r: RunReport) -> list[tuple[str, str, str]]:
    t = r.timing
    rows: list[tuple[str, str, str]] = []

    def add(name: str, value: float | None, note: str = "measured") -> None:
        if value is not None:
            rows.append((name, format_duration(value), note))

    e = r.estimate
    if e:
        lo, hi = e["execution_time_ci95_s"]
        add("Execution time, " + ("published protocol" if e.get("protocol_is_published") else "this protocol"),
            e["execution_time_s"],
            f"estimated; 95% interval {format_duration(lo)} – {format_duration(hi)}"
            + (f"; it covers {e['interval_covers']}" if e.get("interval_covers") else ""))
        add("Inference time (load + predict)", e.get("inference_time_s"), "estimated")
    add("Training + validation" + (" (measured part)" if e else ""), t.get("execution_time_s"))
    add("  of which training", t.get("train_time_s"))
    add("  of which validation", t.get("val_time_s"))
    add("  of which checkpoint saves", t.get("checkpoint_s"))
    add("Data preparation", t.get("data_prep_s"), "measured; not part of the execution time")
    add("Model build", t.get("build_s"))
    add("First step (graph tracing)", t.get("first_step_s"))
    s = t.get("steady_step") or {}
    add("Steady step (median)", t.get("steady_step_s"),
        f"measured over {s.get('n', 0)} steps, cv {100 * (s.get('cv') or 0):.1f}%")
    w = t.get("warmup") or {}
    if w.get("later_epochs_mean_s") is not None:
        add("First epoch", w.get("first_epoch_s"))
        add("Later epochs (mean)", w.get("later_epochs_mean_s"))
    inf = t.get("inference") or {}
    if inf:
        add("Inference: load model", inf.get("load_s"))
        add("Inference: predict", inf.get("predict_s"), f"measured on {inf.get('images') or 0:,} images")
        add("Inference: total", inf.get("total_s"), "measured" + (" (sample)" if e else ""))
    return rows


def baseline_rows(r: RunReport) -> list[tuple[str, str, str, str, str]]:
    c = comparison.compare(r)
    rows = []
    for s in c["setups"]:
        ratio = f"{s['execution_ratio']:.2f}x" if s.get("execution_ratio") else "—"
        iratio = f"{s['inference_ratio']:.2f}x" if s.get("inference_ratio") else "—"
        rows.append((s["label"], format_duration(s.get("execution_time_s")), ratio,
                     format_duration(s.get("inference_time_s")), iratio))
    return rows


def detail_html(r: RunReport, budget_h: float = comparison.DEFAULT_BUDGET_H) -> str:
    c, p = r.config, r.protocol
    what = "estimated: " if r.estimate else ""
    parts = [f"<h2>{escape(title_of(r))}</h2>", verdict_html(r, budget_h)]
    parts.append(f"<p>{escape(r.profile)} profile · {what}{p.get('epochs')} epochs × {p.get('train_samples') or 0:,} images · "
                 f"batch {p.get('batch_size')} · validation {p.get('val_samples') or 0:,} · data: <b>{escape(str(c.get('data_source')))}</b>"
                 f" · {escape(r.created_at[:19].replace('T', ' '))}</p>")
    if c.get("data_source") == "synthetic":
        parts.append("<p style='color:#9a6700'><b>Synthetic data</b>: random images with the real shapes. "
                     "Timings are valid; accuracy is meaningless.</p>")
    if r.error:
        e = r.error
        parts.append(f"<p style='color:#cf222e'><b>{escape(e.get('title', e['kind']))}</b> ({escape(e['kind'])}): "
                     f"{escape(str(e.get('message', '')))}</p>")
        if e["kind"] != "cancelled":
            parts.append(f"<p>{escape(e.get('explanation', ''))}<br><b>What to try:</b> {escape(e.get('suggestion', ''))}</p>")
    rows = timing_rows(r)
    if rows:
        parts.append("<h4>Timings</h4>" + html_table(rows, ("", "time", "how")))
    parts.append("<h4>Against the published baseline</h4>")
    if comparison.comparable(r):
        parts.append(html_table(baseline_rows(r), ("setup", "execution", "this / setup", "inference", "this / setup")))
        parts.append("<p style='color:#666'>Ratios above 1 mean this machine is slower. Published inference was "
                     "measured on Fashion-MNIST. " + ("These ratios compare an <b>estimate</b> with measured baselines."
                                                     if r.estimate else "") + "</p>")
    else:
        parts.append("<p>This run used a custom protocol, so it is not compared with the published figures.</p>")
    eff = r.efficiency
    if eff.get("achieved_flops_per_s"):
        peak = eff.get("peak_flops_per_s")
        parts.append("<h4>Compute</h4>" + html_table([
            ("FLOPs per training step", f"{(eff.get('train_flops_per_step') or 0) / 1e9:.1f} GFLOP"),
            ("FLOPs per inference image", f"{(eff.get('inference_flops_per_image') or 0) / 1e9:.2f} GFLOP"),
            ("Achieved (steady steps)", f"{eff['achieved_flops_per_s'] / 1e9:.1f} GFLOP/s"),
            ("Theoretical peak", f"{peak / 1e9:.0f} GFLOP/s — {escape(eff.get('peak_method') or '')}" if peak else "not available"),
            ("Utilisation", f"{100 * eff['utilisation']:.1f}%" if eff.get("utilisation") else "—"),
        ]))
    mem = r.memory
    if mem:
        rows = [("Peak RSS of the training/inference child", format_bytes(mem.get("peak_child_rss_bytes")))]
        if mem.get("gpu_peak_bytes"):
            rows.append(("Peak GPU memory (TensorFlow)", format_bytes(mem["gpu_peak_bytes"])))
        if mem.get("max_batch_size"):
            rows.append(("Largest batch that fits", str(mem["max_batch_size"])))
        parts.append("<h4>Memory</h4>" + html_table(rows))
    f = r.findings
    notes = []
    if (f.get("sustained") or {}).get("degraded"):
        notes.append(f"Performance degraded during the run: steps {100 * f['sustained']['step_drift']:.0f}% slower at the end.")
    if f.get("input_bound_hint"):
        notes.append(f["input_bound_hint"])
    if f.get("energy_j") is not None:
        notes.append(f"Energy: {f['energy_j'] / 3600:.1f} Wh ({f.get('energy_method')}).")
    if notes:
        parts.append("<h4>Findings</h4><ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>")
    return "".join(parts)
