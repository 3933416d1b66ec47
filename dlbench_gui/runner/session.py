"""The one session loop: a list of benchmarks run in turn, as the CLI and the window both start them. What a
session decides is decided here once: each configuration resolved for the machine, repeats kept independent,
a quick run's datasets of one model sharing their processes, the checkpoint kept or removed, the history that
every run is judged against (read once, then grown by the session's own reports), and stopping."""

from __future__ import annotations

import threading
import uuid
from typing import Any, Callable

from ..core.backend_choice import BackendChoice, choose_backend
from ..core.config import BenchmarkConfig
from ..core.store.report import RunReport
from ..core.wire import events as ev
from .runner import BenchmarkRunner
from .share import Sharing


def plan_runs(configs: list[BenchmarkConfig], repeat: int, hardware: dict[str, Any]) -> list[BenchmarkConfig]:
    """What a session runs: each configuration as it runs on this machine, `repeat` times in a row."""
    gpus = len((hardware.get("gpu") or {}).get("nvidia") or [])
    return [c.for_machine(gpus) for c in configs for _ in range(repeat)]


def repeat_groups(runs: list[BenchmarkConfig]) -> list[dict[str, Any] | None]:
    """For each run, its place in a repeated setup ({group, index, of}: the reports carry it, so that the card and
    the summary combine them), or None for a setup run once."""
    tags: list[dict[str, Any] | None] = [None] * len(runs)
    start = 0
    for i in range(1, len(runs) + 1):
        if i == len(runs) or runs[i] != runs[start]:
            if i - start > 1:
                group = f"repeat-{uuid.uuid4().hex[:10]}"
                for k in range(start, i):
                    tags[k] = {"group": group, "index": k - start + 1, "of": i - start}
            start = i
    return tags


class Session:
    """Runs `runs` in turn (consecutive equal configurations are one repeated setup). `run()` blocks; `stop()` may
    be called from any thread: the run in progress stops cleanly and nothing more starts.

    Listeners: `on_event` (every typed event), `on_sample` (telemetry), `on_report(report, remaining)` after each
    run (`remaining`: the configurations not run yet), `on_repeats(reports)` when a repeated setup has ended."""

    def __init__(self, runs: list[BenchmarkConfig], *, hardware: dict[str, Any], history: list[RunReport],
                 keep_checkpoint: bool = False, on_event: Callable[[ev.Event], None] | None = None,
                 on_sample: Callable[[dict], None] | None = None,
                 on_report: Callable[[RunReport, list[BenchmarkConfig]], None] | None = None,
                 on_repeats: Callable[[list[RunReport]], None] | None = None,
                 worker_command: list[str] | None = None):
        self.runs = list(runs)
        self.hardware = hardware
        self.history = list(history)
        self.keep_checkpoint = keep_checkpoint
        self.on_event, self.on_sample, self.on_report, self.on_repeats = on_event, on_sample, on_report, on_repeats
        self.worker_command = worker_command
        self.reports: list[RunReport] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._runner: BenchmarkRunner | None = None
        self._backends: dict[BenchmarkConfig, BackendChoice] = {}

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
        sharing = Sharing(self.runs)  # a quick run's datasets of one model share its processes (runner/share.py)
        repeat_tags = repeat_groups(self.runs)
        group: list[RunReport] = []
        try:
            for i, config in enumerate(self.runs):
                if self._stop.is_set():
                    break
                report = self._run_one(config, sharing, repeat_tags[i])
                group.append(report)
                if self.on_report is not None:
                    self.on_report(report, self.runs[i + 1:])
                ended = report.status == "cancelled" or self._stop.is_set()
                if ended or i + 1 == len(self.runs) or self.runs[i + 1] != config:
                    self._repeats_done(group)
                    group = []
                if ended:
                    break
        finally:
            sharing.close()
        return self.reports

    def backend_for(self, config: BenchmarkConfig) -> BackendChoice:
        """The framework a run of `config` uses on this machine, and why (decided once per configuration)."""
        if config not in self._backends:
            self._backends[config] = choose_backend(config.backend, self.hardware)
        return self._backends[config]

    def _run_one(self, config: BenchmarkConfig, sharing: Sharing, repeat: dict[str, Any] | None = None) -> RunReport:
        runner = BenchmarkRunner(config, on_event=self.on_event, on_sample=self.on_sample, hardware=self.hardware,
                                 keep_checkpoint=self.keep_checkpoint, sharing=sharing, history=self.history,
                                 worker_command=self.worker_command, backend=self.backend_for(config),
                                 repeat=repeat)
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

    def _repeats_done(self, group: list[RunReport]) -> None:
        """A setup planned more than once has ended (all its runs, or as many as ran before a stop)."""
        planned = sum(1 for c in self.runs if c == self.runs[len(self.reports) - 1])
        if planned > 1 and self.on_repeats is not None:
            self.on_repeats(group)
