"""Saved reports: load the history folder, skipping (and naming) anything that is not a usable report."""

from __future__ import annotations

import os
from pathlib import Path

from .report import ReportError, RunReport, load_report
from .storage import reports_dir


def load_history(folder: str | os.PathLike | None = None) -> tuple[list[RunReport], list[str]]:
    """(reports newest first, problems in words). A corrupt or foreign file is skipped, never fatal."""
    reports: list[RunReport] = []
    problems: list[str] = []
    try:
        root = Path(folder) if folder else reports_dir()
        paths = sorted(root.glob("*.json"))
    except OSError as exc:
        return reports, [f"the reports folder cannot be read ({exc.strerror or exc})"]
    for path in paths:
        try:
            reports.append(load_report(path))
        except ReportError as exc:
            problems.append(str(exc))
    reports.sort(key=lambda r: r.created_at, reverse=True)
    return reports, problems


def history_note(reports: int, recovered: int, problems: list[str]) -> str:
    """One line on what the history holds: '12 saved runs; 1 interrupted run(s) recovered; 2 unreadable …'."""
    note = f"{reports} saved run{'s' if reports != 1 else ''}"
    if recovered:
        note += f"; {recovered} interrupted run(s) recovered"
    if problems:
        note += f"; {len(problems)} unreadable file(s) skipped: {problems[0][:160]}"
    return note
