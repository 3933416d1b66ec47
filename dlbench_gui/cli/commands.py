"""The sub-commands: run, models, hw, history, export, validate, import, maxbatch."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
import types
from pathlib import Path

from ..core.backend_choice import choose_backend
from ..core.config import MODEL_NAMES, BenchmarkConfig
from ..core.durations import format_bytes
from ..core.measure import interference
from ..core.progress import RunSession
from ..core.store.history import load_history
from ..core.store.report import ReportError, RunReport, load_report
from ..core.store.storage import atomic_write_json, check_data_dir, check_output_file, check_writable
from ..core.view import present
from ..core.view.card import card
from ..core.view.words import framework_device_words, pair_words
from ..hardware import detect
from .args import UsageError, check_maxbatch_range, check_run_output, configs_from_args
from .text import (CLI_START, HISTORY_COLUMNS, ProgressPrinter, card_text, history_rows, say_backend, summary_text,
                   table_text, warn)


class Interrupts:
    """Ctrl+C (or SIGTERM) once: stop the running benchmark cleanly, it is saved as cancelled, nothing else starts.
    Twice: kill the child at once and exit."""

    def __init__(self, session=None) -> None:
        self.count = 0
        self.session = session  # the run session to stop on the first Ctrl+C (None: nothing to stop cleanly)

    def install(self) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, self.handle)
            signal.signal(signal.SIGTERM, self.handle)

    def handle(self, signum, frame) -> None:
        from ..runner.child import kill_all

        self.count += 1
        if self.count == 1 and self.session is not None:
            print("\nstopping… (Ctrl+C again to quit at once)", file=sys.stderr, flush=True)
            self.session.stop()
            return
        kill_all()  # nothing to stop cleanly (a batch probe, no benchmark yet), or asked twice
        raise KeyboardInterrupt


def cmd_run(a: argparse.Namespace) -> int:
    from ..hardware import detect
    from ..runner.recovery import recover_interrupted
    from ..runner.session import open_session

    configs = configs_from_args(a)
    several = len(configs) * a.repeat > 1
    out = check_run_output(Path(a.output), len(configs) * a.repeat) if a.output else None
    check_data_dir()
    recover_interrupted()
    hw = detect.detect()
    history, _ = load_history()
    # the plan: every run, its framework chosen once (one not installed: one line, before any work), its prediction
    progress, session = open_session(
        configs, a.repeat, hw, history, keep_checkpoint=a.keep_checkpoint,
        on_report=lambda r, rest: _report_done(progress, r, [] if session.stopping else rest),
        on_repeats=lambda group: print(present.repeat_summary(group), flush=True))
    ProgressPrinter(progress, a.quiet, a.repeat)
    for choice in session.plan.choices():  # each framework once, with why
        say_backend(choice)
    interrupts = Interrupts(session)
    interrupts.install()
    reports = session.run()
    progress.finish()
    if reports:
        print(card_text(card(reports, start=CLI_START)), flush=True)
    if out is not None and reports:
        for r in reports:
            atomic_write_json(out / f"{r.run_id}.json" if out.is_dir() else out, r.to_dict())
        print(f"report{'s' if several else ''} written to {out}", file=sys.stderr)
    if any(r.status == "cancelled" for r in reports):
        return 130
    failed = [r for r in reports if r.status != "completed"]
    if failed:  # the last line says it, as for every failed command
        kinds = sorted({(r.error or {}).get("kind") or "error" for r in failed})
        print(f"dlbench: failed: {len(failed)} of {len(reports)} run(s) ({', '.join(kinds)})", file=sys.stderr)
    return 0 if not failed else 1


def _report_done(progress: RunSession, report: RunReport, remaining: list[BenchmarkConfig]) -> None:
    """After each run: its summary, a warning if the machine was busy, and the answer so far while runs remain."""
    progress.add_report(report)
    print(summary_text(report), flush=True)
    unreliable = interference.warning_text((report.findings or {}).get("interference"))
    if unreliable:
        warn(unreliable)
    if remaining and report.status != "cancelled":  # the answer so far, marked as such
        print(card_text(card(progress.reports, pending=[pair_words(c.model, c.dataset) for c in remaining],
                             start=CLI_START)),
              flush=True)


def cmd_models(a: argparse.Namespace) -> int:
    from ..runner.describe import fetch_model_facts

    choice = choose_backend(a.backend, detect.detect())
    say_backend(choice)
    print("building both models in a worker process…", file=sys.stderr, flush=True)
    info = fetch_model_facts(backend=choice.name)  # WorkFailed (one line, exit 1) if the worker cannot
    for name, m in info.items():
        print(f"{name}: {MODEL_NAMES[name]}")
        print(f"  parameters {m['params']:,} (trainable {m['trainable_params']:,}), {m['layers']} layers")
        print(f"  {m['forward_flops_per_image'] / 1e9:.2f} GFLOP per image forward, "
              f"{m['train_flops_per_image'] / 1e9:.2f} GFLOP per image per training step")
    return 0


def cmd_hw(a: argparse.Namespace) -> int:
    from ..hardware import detect

    hw = detect.detect()
    if a.frameworks:
        from ..runner.describe import devices_of_installed

        hw["frameworks"] = devices_of_installed(lambda text: print(text, file=sys.stderr, flush=True))
    if a.json:
        print(json.dumps(hw, indent=1, default=str))
    else:
        print("\n".join(detect.summary_lines(hw) + framework_lines(hw.get("frameworks"))))
    return 0


def framework_lines(seen: dict | None) -> list[str]:
    """'Sees:   PyTorch 2.13.0+cpu: cpu (CPU)': the devices each framework sees, in words."""
    return [f"{'Sees:' if not i else '':8s}{label}: {words}"
            for i, (label, words) in enumerate(framework_device_words(seen))]


def cmd_history(a: argparse.Namespace) -> int:
    from ..core.store.storage import reports_dir
    from ..runner.recovery import recover_interrupted

    reports_dir()  # a data folder that cannot be: one line, exit 2 (DataDirError), not a warning and exit 0
    recover_interrupted()  # a run whose dlbench has gone is not shown as running (the window does the same)
    reports, problems = load_history()
    if reports:
        print(table_text(HISTORY_COLUMNS, history_rows(reports)))
    for p in problems:
        warn(f"skipped {p}")
    if not reports and not problems:
        print("no saved runs yet", file=sys.stderr)
    return 0


def cmd_card(a: argparse.Namespace) -> int:
    """The window's card, from the same history and budget: the same object (core/view/card.card), in text."""
    from ..core.measure.comparison import BUDGET_RANGE_H
    from ..core.store.storage import reports_dir

    low, high = BUDGET_RANGE_H
    if not low <= a.budget <= high:  # NaN too
        raise UsageError(f"--budget must be between {low:g} and {high:,g} hours, got {a.budget:g}")
    reports_dir()  # a data folder that cannot be: one line, exit 2
    reports, problems = load_history()
    for p in problems:
        warn(f"skipped {p}")
    print(card_text(card(reports, a.budget, start=CLI_START)))
    return 0


def export_target(output: Path, fmt: str | None, count: int) -> tuple[Path, str]:
    """(file to write, format): the format from --format or the extension, and they must agree."""
    if output.is_dir():
        if fmt is None:
            raise UsageError(f"--output {output} is a folder: say which format with --format")
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return check_writable(output) / f"dlbench-{count}-run{'s' if count != 1 else ''}-{stamp}.{fmt}", fmt
    from ..export import FormatError, export_format

    try:
        fmt = export_format(output, fmt)
    except FormatError as exc:
        raise UsageError(f"{exc}; see --format") from None
    return check_output_file(output), fmt


def cmd_export(a: argparse.Namespace) -> int:
    from ..export import export_reports

    reports, problems = [], []
    for p in a.reports:
        try:
            reports.append(load_report(p))
        except ReportError as exc:
            problems.append(str(exc))
    if not reports:
        raise UsageError("nothing to export: " + "; ".join(problems))
    for problem in problems:
        warn(f"skipped {problem}")
    path, fmt = export_target(Path(a.output), a.format, len(reports))
    path = export_reports(reports, fmt, path)
    print(f"{fmt.upper()} of {len(reports)} run(s) written to {path}")
    return 0


def cmd_validate(a: argparse.Namespace) -> int:
    from ..core.store.report import load_reports

    bad = 0
    for p in a.reports:
        reports, problems = load_reports(p)
        if problems:
            bad += 1
            print(f"invalid: {p}: {'; '.join(problems)}")
        else:
            listed = any(source.endswith("]") for source, _ in reports)
            print(f"ok: {p}" + (f" ({len(reports)} reports)" if listed else ""))
    return 1 if bad else 0


def cmd_import(a: argparse.Namespace) -> int:
    from ..core.store.importing import import_reports

    check_data_dir()
    outcome = import_reports(a.reports)
    for line in outcome.lines():
        print(line)
    return 1 if outcome.problems else 0


def cmd_maxbatch(a: argparse.Namespace) -> int:
    from ..runner.maxbatch import find_max_batch

    check_maxbatch_range(a.start, a.max_batch)
    if a.output:
        check_output_file(a.output)
    check_data_dir()
    stop = threading.Event()
    # Ctrl+C once: the probe in progress is stopped and what was found is kept (a lower bound); twice: at once
    Interrupts(types.SimpleNamespace(stop=stop.set)).install()
    choice = choose_backend(a.backend, detect.detect())
    say_backend(choice)
    result = find_max_batch(a.model, a.dataset, start=a.start, limit=a.max_batch, backend=choice.name,
                            host_memory_limit_gb=a.host_memory_limit, gpu_memory_limit_gb=a.gpu_memory_limit,
                            stop_event=stop,
                            on_probe=lambda p: print(f"  batch {p['batch_size']}: {p['outcome']}"
                                                     + (f", peak RSS {format_bytes(p.get('peak_rss_bytes'))}" if p.get('peak_rss_bytes') else ""),
                                                     file=sys.stderr, flush=True))
    if result.get("lower_bound"):
        print(f"largest batch that fits: at least {result['max_batch_size']} (the search was stopped; a larger one "
              "may fit too)")
    else:
        print(f"largest batch that fits: {result['max_batch_size']}")
    if result.get("not_kept"):
        warn(result["not_kept"])
    if a.output:
        atomic_write_json(a.output, result)
    return 0 if result["max_batch_size"] else 1
