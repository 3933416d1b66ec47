"""The one session loop: a list of benchmarks run in turn, as the CLI and the window both start them. What a
session decides is decided here once: each configuration resolved for the machine, repeats kept independent,
a quick run's datasets of one model sharing their processes, the checkpoint kept or removed, the history that
every run is judged against (read once, then grown by the session's own reports), and stopping."""

from __future__ import annotations

import os
import threading
from typing import Any, Callable

from ..core.config import BenchmarkConfig
from ..core.plan import PlannedRun, SessionPlan, plan_session
from ..core.progress import RunSession
from ..core.store.report import RunReport
from ..core.store.storage import json_text
from ..core.wire import events as ev
from .runner import BenchmarkRunner
from .share import Sharing


def plan_runs(configs: list[BenchmarkConfig], repeat: int, hardware: dict[str, Any]) -> list[BenchmarkConfig]:
    """What a session runs: each configuration as it runs on this machine, `repeat` times in a row."""
    return plan_session(configs, repeat, hardware).configs


class Session:
    """Runs the planned runs of `plan` in turn. `run()` blocks; `stop()` may be called from any thread: the run in
    progress stops cleanly and nothing more starts.

    Listeners: `on_event` (every typed event), `on_sample` (telemetry), `on_report(report, remaining)` after each
    run (`remaining`: the configurations not run yet), `on_repeats(reports)` when a repeated setup has ended."""

    def __init__(self, plan: SessionPlan, *, hardware: dict[str, Any], history: list[RunReport],
                 keep_checkpoint: bool = False, on_event: Callable[[ev.Event], None] | None = None,
                 on_sample: Callable[[dict], None] | None = None,
                 on_report: Callable[[RunReport, list[BenchmarkConfig]], None] | None = None,
                 on_repeats: Callable[[list[RunReport]], None] | None = None,
                 worker_command: list[str] | None = None):
        self.plan = plan
        self.hardware = hardware
        self.history = list(history)
        self.keep_checkpoint = keep_checkpoint
        self.on_event, self.on_sample, self.on_report, self.on_repeats = on_event, on_sample, on_report, on_repeats
        self.worker_command = worker_command
        self.reports: list[RunReport] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._runner: BenchmarkRunner | None = None

    @property
    def runs(self) -> list[BenchmarkConfig]:
        return self.plan.configs

    def stop(self) -> None:
        """Thread-safe: stops the run in progress, and no other starts."""
        self._stop.set()
        with self._lock:
            runner = self._runner
        if runner is not None:
            runner.stop()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self) -> list[RunReport]:
        sharing = Sharing(self.plan)  # a quick run's datasets of one model share its processes (runner/share.py)
        group: list[RunReport] = []
        try:
            for planned in self.plan.runs:
                if self._stop.is_set():
                    break
                report = self._run_one(planned, sharing)
                group.append(report)
                if self.on_report is not None:
                    self.on_report(report, self.runs[planned.index + 1:])
                ended = report.status == "cancelled" or self._stop.is_set()
                if planned.repeat is not None and (ended or self.plan.repeat_ends(planned.index)):
                    if self.on_repeats is not None:  # a repeated setup has ended (all its runs, or those before a stop)
                        self.on_repeats(group)
                if ended or planned.repeat is None or self.plan.repeat_ends(planned.index):
                    group = []
                if ended:
                    break
        finally:
            sharing.close()
        return self.reports

    def _run_one(self, planned: PlannedRun, sharing: Sharing) -> RunReport:
        runner = BenchmarkRunner(planned.config, on_event=self.on_event, on_sample=self.on_sample,
                                 hardware=self.hardware, keep_checkpoint=self.keep_checkpoint, sharing=sharing,
                                 history=self.history, worker_command=self.worker_command, backend=planned.backend,
                                 repeat=planned.repeat, index=planned.index)
        with self._lock:
            self._runner = runner
        if self._stop.is_set():
            runner.stop()
        try:
            report = runner.run()
        finally:
            with self._lock:
                self._runner = None
        self.reports.append(report)
        self.history.append(report)  # the next run's between-run spread and scaling efficiency see this one
        return report


def recorder(path: str | None) -> Callable[[dict[str, Any]], None] | None:
    """Where DLBENCH_RECORD_EVENTS asks a session's inputs to be written, one JSON line each as they come (the
    recorded sessions the progress invariants are tested on); None: not asked."""
    if not path:
        return None

    def write(line: dict[str, Any]) -> None:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json_text(line) + "\n")

    return write


def open_session(asked: list[BenchmarkConfig], repeat: int, hardware: dict[str, Any], history: list[RunReport], *,
                 plan: SessionPlan | None = None, on_event: Callable[[ev.Event], None] | None = None,
                 **listeners) -> tuple[RunSession, Session]:
    """How the CLI and the window both start a session: the plan (made here, or the one the window showed), its
    progress (core/session.RunSession) and its loop (Session, not yet running). `on_event`: where the loop's events
    go; by default straight into the progress (the CLI); the window passes a signal that reaches the progress on
    its own thread."""
    plan = plan if plan is not None else plan_session(asked, repeat, hardware, history)
    progress = RunSession.of(plan, record=recorder(os.environ.get("DLBENCH_RECORD_EVENTS")))
    session = Session(plan, hardware=hardware, history=history, on_event=on_event or progress.handle, **listeners)
    return progress, session
