"""The one way the window runs work off the GUI thread (the shape of superqt's `create_worker`): a function on a
QThread, its return value as `result`, an exception it raises as `error`, then `finished`; `started` before it.
One stop path: `stop()` asks the work to stop (the stop function it was given) and requests interruption."""

from __future__ import annotations

import time
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal


class WorkerThread(QThread):
    result = Signal(object)  # what the work returned
    error = Signal(object)  # the exception it raised (one of `errors`; any other is a bug and is raised)

    def __init__(self, work: Callable[[], Any], *, stop: Callable[[], None] | None = None,
                 errors: tuple[type[BaseException], ...] = (Exception,), parent: QObject | None = None):
        super().__init__(parent)
        self._work, self._stop, self._errors = work, stop, errors
        self.stopped = False  # stop() was called: an error after it is the stop, not a failure

    def run(self) -> None:
        try:
            value = self._work()
        except self._errors as exc:
            self.error.emit(exc)
        else:
            self.result.emit(value)

    def stop(self) -> None:
        """Thread-safe: ask the work to stop; it ends as soon as it can."""
        self.stopped = True
        self.requestInterruption()
        if self._stop is not None:
            self._stop()

    def stop_and_wait(self, timeout_s: float = 20.0) -> bool:
        """Stop, and wait for the thread to end (at most `timeout_s`); True if it ended."""
        self.stop()
        deadline = time.monotonic() + timeout_s
        while self.isRunning() and time.monotonic() < deadline:
            self.wait(100)
        return not self.isRunning()
