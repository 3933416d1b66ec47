"""Bringing reports from elsewhere into the history: validated, never written outside the reports folder, never
overwriting a different local report. `dlbench import` and File → Import report both call `import_reports`."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .report import ReportError, RunReport, load_report, load_reports, new_run_id, now_iso
from .storage import reports_dir

RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
# Fields that only mean something on the machine that ran the report (a process id, a local folder): an imported
# report must not make this machine read, recover or delete anything by them.
LOCAL_ONLY = ("runner_pid", "runner_started_at", "run_dir", "log_path")


@dataclass
class ImportOutcome:
    imported: list[str] = field(default_factory=list)  # run ids saved
    notes: list[str] = field(default_factory=list)  # saved, with something the user should know
    problems: list[str] = field(default_factory=list)  # not imported, one line each

    def lines(self) -> list[str]:
        return ([f"imported {len(self.imported)} report(s)"] + self.notes
                + [f"not imported: {p}" for p in self.problems])


def usable_run_id(run_id: str) -> bool:
    return bool(RUN_ID_PATTERN.match(run_id)) and run_id not in (".", "..")


def _comparable(report: RunReport) -> dict:
    d = report.to_dict()
    for key in (*LOCAL_ONLY, "imported"):
        d.pop(key, None)
    return d


def _one(report: RunReport, source: str, folder: Path, out: ImportOutcome) -> None:
    if report.status == "running":
        out.problems.append(f"{source}: the run was still in progress where it was saved; import its final report")
        return
    extra = {k: v for k, v in report.extra.items() if k not in LOCAL_ONLY}
    extra["imported"] = {"from": Path(source.split("[")[0]).name, "at": now_iso(), "original_run_id": report.run_id}
    incoming = report.with_changes(log_path=None, extra=extra)
    run_id = incoming.run_id
    if not usable_run_id(run_id):
        run_id = new_run_id(report.model, report.dataset)
        out.notes.append(f"{source}: its run id cannot be a file name here; saved as {run_id}")
    target = folder / f"{run_id}.json"
    if target.exists():
        try:
            same = _comparable(load_report(target)) == _comparable(incoming.with_changes(run_id=run_id))
        except ReportError:
            same = False
        if same:
            out.notes.append(f"{source}: already in the history as {run_id}")
            return
        run_id = new_run_id(report.model, report.dataset)
        target = folder / f"{run_id}.json"
        out.notes.append(f"{source}: a different report here has the same run id; saved as {run_id}")
    if target.resolve().parent != folder.resolve():  # the pattern makes this impossible; kept as the last guard
        out.problems.append(f"{source}: refused, it would be written outside the reports folder")
        return
    incoming.with_changes(run_id=run_id).save(target)
    out.imported.append(run_id)


def import_reports(paths: list[str | os.PathLike], folder: str | os.PathLike | None = None) -> ImportOutcome:
    """Each file may hold one report or the JSON list a multi-run export writes. Bad files are named, not fatal."""
    root = Path(folder) if folder else reports_dir()
    out = ImportOutcome()
    for path in paths:
        reports, problems = load_reports(path)
        out.problems.extend(problems)
        for source, report in reports:
            try:
                _one(report, source, root, out)
            except OSError as exc:
                out.problems.append(f"{source}: could not be saved ({exc.strerror or exc})")
    return out
