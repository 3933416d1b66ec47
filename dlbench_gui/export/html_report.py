"""A report as HTML for reading: the GUI's detail pane and the PDF share it (the CLI prints the same figures as text)."""

from __future__ import annotations

from html import escape
from typing import Any

from ..core.measure import comparison, interference
from ..core.measure.kernels import RULE as KERNELS_RULE
from ..core.measure.kernels import verdict as kernels_verdict
from ..core.view import present
from ..core.view.card import Card
from ..core.config import DATASET_NAMES, MODEL_NAMES
from ..core.store.report import RunReport

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


def card_html(c: Card, details: bool = True) -> str:
    """The result card: its essentials (`card_head_html`), then what to do and what qualifies it (`card_more_html`);
    with `details`, the runs it stands on, the runs not counted and the rule (the GUI shows those one click away)."""
    return card_head_html(c) + card_more_html(c) + (card_details_html(c) if details else "")


def card_head_html(c: Card) -> str:
    """What a reader must see without scrolling (#33: at 1024x700 the interval and the warning fell below the fold):
    the badge, whether it is preliminary, the sentence, the interval and the warning."""
    colour = VERDICT_COLOURS[c.level]
    parts = [f"<table cellpadding='8' cellspacing='0'><tr><td bgcolor='{colour}'>"
             f"<span style='color:white; font-size:18pt'><b>&nbsp;{escape(c.badge.upper())}&nbsp;</b></span>"
             "</td></tr></table>",
             *([f"<p style='color:#9a6700'><b>{escape(c.preliminary)}</b></p>"] if c.preliminary else []),
             f"<p style='font-size:13pt'>{escape(c.sentence)}</p>"]
    if c.interval:
        parts.append(f"<p style='color:#444'>{escape(c.interval)}</p>")
    if c.warning:
        parts.append(f"<p style='color:#cf222e'><b>{escape(c.warning)}</b></p>")
    return "".join(parts)


def card_more_html(c: Card) -> str:
    """The rest of the card: what to do, its notes, the other precisions' lines and the simple kernels' verdict."""
    parts = [f"<p><b>What to do:</b> {escape(c.recommendation)}</p>"]
    for note in c.notes:
        parts.append(f"<p style='color:#57606a'>{escape(note)}</p>")
    if c.precisions:  # other precisions: labelled lines of their own, never the badge
        parts.append("<p><b>Other precisions</b> (the published figures are float32):</p><ul>"
                     + "".join(f"<li>{escape(line)}</li>" for line in c.precisions) + "</ul>")
    if c.kernels:  # the simple kernels' own verdict: another test, beside the models' badge; its parts with the details
        parts.append(f"<h4>Simple kernels</h4><p style='font-size:12pt'><b>{escape(c.kernels[0])}</b></p>")
    return "".join(parts)


def card_details_html(c: Card) -> str:
    parts = []
    if c.kernels[1:]:
        parts.append("<p style='color:#444'><b>Simple kernels, each part:</b></p><ul>"
                     + "".join(f"<li>{escape(line)}</li>" for line in c.kernels[1:]) + "</ul>")
    if c.basis:
        parts.append("<p style='color:#444'><b>Based on:</b></p><ul>" + "".join(f"<li>{escape(b)}</li>" for b in c.basis)
                     + "</ul>")
    if c.all_disturbed:  # the usual rule's words would contradict the card: say what it stands on
        parts.append("<p style='color:#cf222e'><b>No run on a quiet machine exists yet:</b> this verdict stands on "
                     "runs that other programs disturbed. Close them and run again for a verdict to trust.</p>")
    if c.set_aside:
        why = ("cancelled, failed or disturbed runs" if c.all_disturbed else
               "cancelled, failed or disturbed runs; a completed run on a quiet machine decides")
        parts.append(f"<p style='color:#444'><b>Not counted</b> ({why}):</p><ul>"
                     + "".join(f"<li>{escape(b)}</li>" for b in c.set_aside) + "</ul>")
    parts.append(f"<p style='color:#666; font-size:8pt'><b>Rule:</b> {escape(c.rule)}</p>")
    if c.kernels:
        parts.append(f"<p style='color:#666; font-size:8pt'><b>Simple kernels:</b> {escape(KERNELS_RULE)}</p>")
    return "".join(parts)


def verdict_text(r: RunReport, budget_h: float = comparison.DEFAULT_BUDGET_H) -> str:
    """A run's verdict in words: a model's against the baseline, or the simple kernels' own (the detail pane, the
    PDF's results table)."""
    return kernels_verdict(r.kernels) if r.kernels else comparison.verdict(r, budget_h).text


def verdict_html(r: RunReport, budget_h: float) -> str:
    if r.kernels:  # the simple kernels: their own verdict, not the models'
        return f"<p style='font-size:13pt'><b>{escape(verdict_text(r, budget_h))}</b></p>"
    v = comparison.verdict(r, budget_h)
    return f"<p style='font-size:13pt; color:{VERDICT_COLOURS[v.level]}'><b>{escape(v.text)}</b></p>"


def detail_html(r: RunReport, budget_h: float = comparison.DEFAULT_BUDGET_H) -> str:
    c, p = r.config, r.protocol
    what = "estimated: " if r.estimate else ""
    parts = [f"<h2>{escape(title_of(r))}</h2>", verdict_html(r, budget_h)]
    unreliable = interference.warning_text((r.findings or {}).get("interference"))
    if unreliable:  # right under the verdict, not only among the findings
        parts.append(f"<p style='color:#cf222e'><b>{escape(unreliable)}</b></p>")
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
    rows = present.timing_rows(r)
    if rows:
        parts.append("<h4>Timings</h4>" + html_table(rows, ("", "time", "how")))
    parts.append("<h4>Against the published baseline</h4>")
    kernels_rows = present.kernels_comparison_rows(r)
    if kernels_rows:
        parts.append(html_table(kernels_rows, ("setup", "dense_matmul", "sparse_matmul", "convolve2d", "total"))
                     + "<p style='color:#666'>Published times, this machine's ratio in brackets (above 1: slower). "
                       f"{escape(KERNELS_RULE)}</p>"
                     + "<h4>Simple kernels</h4>" + html_table(present.kernels_rows(r)))
    elif comparison.comparable(r):
        parts.append(html_table(present.baseline_rows(r), ("setup", "execution", "this / setup", "inference", "this / setup")))
        parts.append("<p style='color:#666'>Ratios above 1 mean this machine is slower. Published inference was "
                     "measured on Fashion-MNIST. " + ("These ratios compare an <b>estimate</b> with measured baselines."
                                                     if r.estimate else "") + "</p>")
    else:
        parts.append("<p>This run used a custom protocol, so it is not compared with the published figures.</p>")
    for title, rows in (("Distribution", present.distribution_rows(r)), ("Compute", present.compute_rows(r)),
                        ("Memory", present.memory_rows(r)),
                        ("Energy", present.energy_rows(r))):
        if rows:
            parts.append(f"<h4>{title}</h4>" + html_table(rows))
    notes = present.finding_notes(r)
    if notes:
        parts.append("<h4>Findings</h4><ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>")
    return "".join(parts)
