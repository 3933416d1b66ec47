"""At every start: reports left 'running' by a dlbench that is gone are saved as failed/interrupted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.errors import error_dict
from ..core.store import storage
from ..core.store.report import MAX_REPORT_BYTES, ReportError, load_report, now_iso
from ..core.wire import events as ev
from .checkpoints import remove_checkpoints


def process_started_at(pid: int) -> float | None:
    """When the process with this pid started (seconds since the epoch): with the pid, it names one process."""
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def runner_alive(pid: Any, started_at: Any) -> bool:
    """Is the dlbench that wrote a 'running' report still at work? A pid alone can be reused by any process."""
    if not isinstance(pid, int) or not isinstance(started_at, (int, float)):
        return False
    now = process_started_at(pid)
    return now is not None and abs(now - started_at) < 1.0


def journal_event(d: dict[str, Any]) -> ev.Event | None:
    try:
        return ev.from_dict(d)
    except ev.WireError:  # a torn or foreign line: skipped
        return None


def recover_interrupted() -> list[Path]:
    """Reports left 'running' by a dlbench that is gone are saved as failed/interrupted, epochs kept, and their
    checkpoints removed. Never fatal: a report that cannot be fixed is left as it is."""
    fixed = []
    for path in storage.reports_dir().glob("*.json"):
        try:
            if not path.is_file() or path.stat().st_size > MAX_REPORT_BYTES:
                continue  # not a report (load_history names it)
            if '"running"' not in path.read_text(encoding="utf-8", errors="replace"):
                continue  # cheap: only a report left running is parsed and checked (the history loads them all)
            r = load_report(path)
        except (ReportError, OSError):
            continue
        if r.status != "running" or runner_alive(r.extra.get("runner_pid"), r.extra.get("runner_started_at")):
            continue
        if recover_one(r, path):
            fixed.append(path)
    return fixed


def recover_one(r, path: Path) -> bool:
    from ..core.store.contract import validation_errors

    run_dir = Path(str(r.extra.get("run_dir") or ""))
    local = bool(r.extra.get("run_dir")) and run_dir.resolve().parent == storage.runs_dir().resolve()
    events = storage.read_journal(run_dir / "events.jsonl") if local else []
    epochs = [e.record for e in map(journal_event, events) if isinstance(e, ev.EpochEnd) and e.task == "train"]
    timing = dict(r.timing)
    if len(epochs) > len(timing.get("epochs") or []):
        timing["epochs"] = epochs
    fixed_report = r.with_changes(status="failed", timing=timing, finished_at=now_iso(),
                                  error=error_dict("interrupted", "dlbench stopped while this run was in progress; "
                                                   f"{len(timing.get('epochs') or [])} finished epoch(s) kept"))
    if validation_errors(fixed_report.to_dict()):  # a torn journal must not make the report unreadable
        fixed_report = fixed_report.with_changes(timing=r.timing)
    try:
        fixed_report.save(path)
    except OSError:
        return False
    if local:
        remove_checkpoints(run_dir)
    return True
