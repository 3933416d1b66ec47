"""The QThread side: one object that owns the runner, runs the selected benchmarks in turn, and speaks signals."""

from __future__ import annotations

import threading
import time
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ..core.config import BenchmarkConfig
from ..runner.runner import BenchmarkRunner
from ..runner.share import Sharing


class RunController(QObject):
    """Its `run_all` runs on the RunThread (the object itself stays on the GUI thread, so its signals reach
    GUI-thread slots queued). Signals carry plain data (typed events, reports), never widgets."""

    event_received = Signal(object)           # every typed event (core.events), as it arrives
    sampled = Signal(object)                # one telemetry sample
    finished = Signal(object)               # a RunReport that completed
    failed = Signal(object)                 # a RunReport that failed or was cancelled
    all_finished = Signal()

    def __init__(self, hardware: dict[str, Any] | None = None):
        super().__init__()
        self._hardware = hardware
        self._runner: BenchmarkRunner | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()

    @Slot(list)
    def run_all(self, configs: list[BenchmarkConfig]) -> None:
        self._stop.clear()
        sharing = Sharing(configs)  # a quick run's datasets of one model share its processes (runner/share.py)
        try:
            for config in configs:
                if self._stop.is_set():
                    break
                runner = BenchmarkRunner(config, hardware=self._hardware, on_event=self.event_received.emit,
                                         on_sample=self.sampled.emit, sharing=sharing)
                with self._lock:
                    self._runner = runner
                if self._stop.is_set():
                    runner.stop()
                report = runner.run()
                with self._lock:
                    self._runner = None
                (self.finished if report.status == "completed" else self.failed).emit(report)
        finally:
            sharing.close()
            self.all_finished.emit()

    def feed(self, adapter) -> None:
        """Events, reports and the end of the queue into a SessionAdapter (queued to the GUI thread)."""
        self.event_received.connect(adapter.handle)
        self.finished.connect(adapter.add_report)
        self.failed.connect(adapter.add_report)
        self.all_finished.connect(adapter.finish)

    def stop(self) -> None:
        """Thread-safe: may be called from the GUI thread while run_all blocks the worker thread."""
        self._stop.set()
        with self._lock:
            runner = self._runner
        if runner is not None:
            runner.stop()


class RunThread(QThread):
    """The worker thread: runs `controller.run_all(configs)` and ends."""

    def __init__(self, controller: RunController, configs: list[BenchmarkConfig]):
        super().__init__()
        self.controller = controller
        self.configs = configs

    def run(self) -> None:
        self.controller.run_all(self.configs)

    def stop_and_wait(self, timeout_s: float = 20.0) -> bool:
        """The one way to stop: the controller's (it stops the runner in progress and starts nothing more)."""
        self.controller.stop()
        deadline = time.monotonic() + timeout_s
        while self.isRunning() and time.monotonic() < deadline:
            self.wait(100)
        return not self.isRunning()


class MaxBatchThread(QThread):
    """The largest-batch finder off the GUI thread; each probe is a fresh child, as from the CLI."""

    probed = Signal(object)
    found = Signal(object)
    failed_with = Signal(str)

    def __init__(self, model: str, dataset: str, host_memory_limit_gb: float | None = None, prober=None):
        super().__init__()
        self.model, self.dataset, self.limit = model, dataset, host_memory_limit_gb
        self.prober = prober  # None: real probes (each a fresh child); tests pass a stand-in
        self.stop_event = threading.Event()
        self.stopped = False

    def stop(self) -> None:
        """Thread-safe: the probe in progress is stopped, and no other starts."""
        self.stop_event.set()

    def run(self) -> None:
        from ..runner.maxbatch import SearchStopped, find_max_batch

        try:
            self.found.emit(find_max_batch(self.model, self.dataset, host_memory_limit_gb=self.limit,
                                           on_probe=self.probed.emit, prober=self.prober, stop_event=self.stop_event))
        except SearchStopped as exc:
            self.stopped = True
            self.failed_with.emit(str(exc))
        except Exception as exc:  # a probe that failed for another reason than memory
            self.failed_with.emit(str(exc))
