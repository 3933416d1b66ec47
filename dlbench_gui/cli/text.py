"""What the command line prints: progress lines while a session runs, a finished run, the result card."""

from __future__ import annotations

import sys
import time
from typing import Any

from ..core import frameworks
from ..core.backend_choice import backend_of
from ..core.config import DATASET_NAMES, MODEL_NAMES
from ..core.durations import format_duration
from ..core.progress import RunSession
from ..core.store.contract import one_line
from ..core.store.report import RunReport
from ..core.view import present
from ..core.view.card import Card
from ..core.view.words import count_words, data_words
from ..core.wire import events as ev


class ProgressPrinter:
    """The session's changes as lines on stderr: runs, phases, a throttled step line with the ETA, epochs.
    Warnings are shown even with --quiet."""

    def __init__(self, session: RunSession, quiet: bool, repeat: int):
        self.session, self.quiet, self.repeat = session, quiet, repeat
        self._last_line = 0.0
        session.subscribe(self)

    def __call__(self, change: str, payload: Any) -> None:
        if change == "warning":
            self._print(f"dlbench: warning: {payload.message}")
        elif self.quiet:
            return
        elif change == "run_started":
            c, i = self.session.config, self.session.index
            rep = f" (run {i % self.repeat + 1}/{self.repeat})" if self.repeat > 1 else ""
            self._print(f"▶ {c.label}{rep}")
        elif change == "phase":
            if self.session.config.profile == "quick" and payload.phase == "training" and (payload.epoch or 1) > 1:
                return  # the quick profile's later passes are not the protocol's epochs
            self._print(f"  [{payload.task}] {self.session.phase}")
        elif change == "steps":
            self._steps(payload)
        elif change == "epoch":
            self._epoch(payload)
        elif change == "error":
            self._print(f"  [{payload.task}] error ({payload.kind}): {payload.message}")
        elif change == "data":
            self._print(f"  {data_words(payload.data)}")

    def _epoch(self, e: ev.EpochEnd) -> None:
        acc = e.metric("val_accuracy")
        acc_words = f", val_accuracy {acc:.4f}" if acc is not None else ""
        if self.session.config.profile != "quick":
            self._print(f"    epoch {e.epoch}/{e.epochs}: train {format_duration(e.train_s)}, "
                        f"val {format_duration(e.val_s)}{acc_words}")
        elif e.extra.get("measured_pass"):  # a quick run's passes are not the protocol's epochs: only the summary
            self._print(f"    measured: {count_words(e.extra.get('steps'), 'step')} in {format_duration(e.train_s)}, a validation "
                        f"sample in {format_duration(e.val_s)}{acc_words}")

    def _steps(self, step: ev.Step) -> None:
        now = time.monotonic()
        if now - self._last_line < 2.0:
            return
        self._last_line = now
        c, p = self.session.config, self.session.progress()
        line = f"    step {self.session.steps_done}"
        if c.profile != "quick":
            line += f"/{c.steps_per_epoch * c.epochs}"
        line += f"  {p.eta_words}"
        loss = step.steps[-1][3] if step.steps and len(step.steps[-1]) > 3 else None
        line += f"  loss {loss:.4f}" if isinstance(loss, (int, float)) else ""
        self._print(line)

    def _print(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)


def summary_text(r: RunReport) -> str:
    """A finished run in lines of text: the same rows as the detail pane and the PDF (core.present)."""
    c = r.what_ran
    lines = [f"{MODEL_NAMES.get(r.model, r.model)} on {DATASET_NAMES.get(r.dataset, r.dataset)} "
             f"[{r.profile}; {c.get('epochs')} epochs x {c.get('train_samples') or 0:,} images, batch {c.get('batch_size')}; "
             f"data: {c.get('data_source')}; {frameworks.label(backend_of(r.software))}"
             + ("" if (c.get("precision") or "float32") == "float32" else f"; {c['precision']}")
             + "]", f"  status: {r.status}"]
    if r.error:
        lines.append(f"  error: {r.error.get('title')} ({r.error['kind']}): {r.error.get('message')}")
        if r.error.get("suggestion") and r.error["kind"] != "cancelled":
            lines.append(f"  try: {r.error['suggestion']}")
    lines += [f"  {name}: {value} ({how})" for name, value, how in present.timing_rows(r)]
    lines += [f"  {name}: {value}" for name, value in
              present.distribution_rows(r) + present.compute_rows(r) + present.memory_rows(r) + present.energy_rows(r)
              + present.kernels_rows(r)]
    lines += [f"  note: {note}" for note in present.finding_notes(r)]
    if r.config.get("data_source") == "synthetic":
        lines.append("  note: SYNTHETIC data (random images with the real shapes): timings are valid, accuracy is not")
    return "\n".join(lines)


CLI_START = "Run `dlbench run`"  # the card's "Press Start", in the CLI's words (core/view/card.card's `start`)


def card_text(c: Card) -> str:
    """The result card as lines of text, in the screen's order: badge, sentence, interval, warning, what to do, notes,
    runs set aside."""
    lines = [f"== {c.badge.upper()} ==", *([c.preliminary] if c.preliminary else []), c.sentence]
    lines += [x for x in (c.interval, c.warning) if x] + [f"What to do: {c.recommendation}"] + c.notes
    lines += [f"  not counted: {w}" for w in c.set_aside]
    lines += [f"  {line} (not the badge: the published figures are float32)" for line in c.precisions]
    if c.all_disturbed:
        lines.append("No run on a quiet machine exists yet: this verdict stands on disturbed runs.")
    if c.kernels:
        lines += ["== SIMPLE KERNELS ==", *c.kernels]
    return "\n".join(lines)


def say_backend(choice) -> None:
    """Which framework runs the models, and why, when it is not the published one chosen by auto (one line on
    stderr)."""
    if choice.name != frameworks.PUBLISHED_BACKEND or choice.requested != frameworks.AUTO:
        print(f"dlbench: backend: {choice.label} — {choice.why}", file=sys.stderr, flush=True)


def warn(text: str) -> None:
    print(f"dlbench: warning: {one_line(text)}", file=sys.stderr, flush=True)


HISTORY_COLUMNS = ("date", "model", "dataset", "profile", "precision", "backend", "status", "execution", "verdict",
                   "machine load", "run id")


def history_rows(reports: list[RunReport]) -> list[tuple[str, ...]]:
    """`dlbench history`: one row a run, in the columns above (what the Results tab shows, and the verdict)."""
    from ..core.measure import comparison, kernels
    from ..core.view.words import load_words

    rows = []
    for r in reports:
        h = r.headline
        k = r.kernels
        total = (((k or {}).get("comparison") or {}).get("setup-1") or {}).get("total_ratio")
        verdict = (f"kernels {kernels.slowest_ratio_words(total)} setup 1" if total else "kernels: no verdict") if k \
            else comparison.verdict(r).level.replace("_", " ")
        execution = "—" if h["kind"] == "none" else f"{format_duration(h['execution_time_s'])} ({h['kind']})"
        rows.append((r.created_at[:16].replace("T", " "), MODEL_NAMES.get(r.model, r.model).split(" — ")[0],
                     DATASET_NAMES.get(r.dataset, r.dataset), r.profile, r.precision,
                     frameworks.label(backend_of(r.software)), r.status, execution, verdict,
                     load_words((r.findings or {}).get("interference")) or "not measured", r.run_id))
    return rows


def table_text(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Columns padded to their widest cell, two spaces apart."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    return "\n".join("  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip() for row in (header, *rows))
