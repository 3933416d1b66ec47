"""The window's side of a run session: the session loop (runner/session.py) on a WorkerThread, its events and
reports as signals. Signals carry plain data (typed events, reports), never widgets."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..core.plan import SessionPlan
from ..core.progress import RunSession
from ..core.store.report import RunReport
from ..runner.session import Session, open_session
from .worker_thread import WorkerThread
from ..core.frameworks import PUBLISHED_BACKEND


class RunController(QObject):
    """Lives on the GUI thread, so its signals, emitted from the session's thread, reach GUI-thread slots queued."""

    event_received = Signal(object)           # every typed event (core.wire.events), as it arrives
    sampled = Signal(object)                # one telemetry sample
    finished = Signal(object)               # a RunReport that completed
    failed = Signal(object)                 # a RunReport that failed or was cancelled
    all_finished = Signal()

    def __init__(self, hardware: dict[str, Any], history: list[RunReport] | None = None):
        super().__init__()
        self._hardware = hardware
        self._history = list(history or [])
        self.session: Session | None = None

    def open(self, plan: SessionPlan) -> RunSession:
        """The session of `plan`, opened as the CLI opens one (runner/session.open_session); returns its progress,
        which the window shows (its events reach it queued, through `feed`)."""
        progress, self.session = open_session(
            [], 1, self._hardware, self._history, plan=plan, on_event=self.event_received.emit,
            on_sample=self.sampled.emit,
            on_report=lambda r, rest: (self.finished if r.status == "completed" else self.failed).emit(r))
        return progress

    def thread(self) -> WorkerThread:
        """The opened session on a thread of its own, not yet started; its end is `all_finished`."""
        thread = WorkerThread(self.session.run, stop=self.session.stop)
        thread.finished.connect(self.all_finished)
        return thread

    def feed(self, adapter) -> None:
        """Events, reports and the end of the queue into a SessionAdapter (queued to the GUI thread)."""
        self.event_received.connect(adapter.handle)
        self.finished.connect(adapter.add_report)
        self.failed.connect(adapter.add_report)
        self.all_finished.connect(adapter.finish)

    def stop(self) -> None:
        """Thread-safe: stops the run in progress, and no other starts."""
        if self.session is not None:
            self.session.stop()


def max_batch_thread(model: str, dataset: str, host_memory_limit_gb: float | None, on_probe,
                     prober=None, backend: str = PUBLISHED_BACKEND, on_start=None) -> WorkerThread:
    """The largest-batch finder on a WorkerThread; each probe is a fresh child, as from the CLI. `on_probe` is
    and `on_start` (the batch about to be probed) are called on the thread (a signal's emit). `prober`: None for real probes; tests pass a stand-in. `backend`: the
    framework the setup chose (the search probes and keeps its finding under it)."""
    from ..runner.maxbatch import find_max_batch

    stop_event = threading.Event()
    return WorkerThread(lambda: find_max_batch(model, dataset, host_memory_limit_gb=host_memory_limit_gb,
                                               on_probe=on_probe, on_start=on_start, prober=prober,
                                               stop_event=stop_event,
                                               backend=backend),
                        stop=stop_event.set)
