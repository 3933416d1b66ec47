"""Run → Find largest batch: ask for the memory ceiling, run the search off the GUI thread, say what it found."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from ..core.config import MODEL_NAMES
from . import as_text
from .controller import max_batch_thread
from .worker_thread import WorkerThread
from ..core.frameworks import PUBLISHED_BACKEND


class MaxBatchFlow(QObject):
    """Probe by probe in the status bar ("probe 3: batch 256 fits in 14 s"); Stop or Esc ends it."""

    progressed = Signal(str)
    probed = Signal(object)  # one probe's outcome, from the search's thread
    probing = Signal(int)  # the batch the next probe tries, from the search's thread
    answered = Signal(str)  # what the search found, in words, for the Log (it stays there)
    finished = Signal(object)  # the search's result dict, or a str saying why it failed (or that it was stopped)
    busy_changed = Signal(bool)

    def __init__(self, parent: QWidget, prober=None):
        super().__init__(parent)
        self.probed.connect(self._probed)
        self.probing.connect(self._probing)
        self._last = ""  # the last probe's outcome, in words
        self._parent = parent
        self.prober = prober  # None: real probes (each a fresh child); tests pass a stand-in
        self.thread: WorkerThread | None = None

    @property
    def busy(self) -> bool:
        return self.thread is not None

    def start(self, model: str, dataset: str, backend: str = PUBLISHED_BACKEND) -> None:
        if self.busy:
            return
        limit, ok = QInputDialog.getDouble(self._parent, "Find largest batch",
                                           f"{MODEL_NAMES[model]}: how much of this computer's memory (RAM) may each "
                                           "probe use, in GB?\n0 = all of it (no limit). A smaller number shows what "
                                           "fits on a machine with less memory.\n"
                                           "Each probe trains a few steps in a fresh process; Esc stops the search and "
                                           "keeps what it found.", 0.0, 0.0, 4096.0, 1)
        if not ok:
            return
        t = max_batch_thread(model, dataset, limit or None, self.probed.emit, prober=self.prober, backend=backend,
                             on_start=self.probing.emit)
        self.thread = t
        self.probes = 0
        self._last = ""
        t.result.connect(self._found)
        t.error.connect(lambda exc: self._failed(str(exc)))
        t.finished.connect(self._ended)
        self.progressed.emit(f"Finding the largest batch for {MODEL_NAMES[model]}: probe 1 running… (Esc stops)")
        self.busy_changed.emit(True)
        t.start()

    def stop(self) -> None:
        if self.thread is not None:
            self.progressed.emit("Stopping the batch search…")
            self.thread.stop()

    def _probing(self, batch: int) -> None:
        self.progressed.emit(f"Largest batch: probe {self.probes + 1}: trying batch {batch}…{self._last} (Esc stops)")

    def _probed(self, p: dict) -> None:
        self.probes += 1
        words = {"fits": "fits", "oom": "ran out of memory", "error": "failed"}.get(p["outcome"], p["outcome"])
        self._last = f" (probe {self.probes}: batch {p['batch_size']} {words} in {p.get('seconds') or 0:.0f} s)"
        self.progressed.emit(f"Largest batch: probe {self.probes}: batch {p['batch_size']} {words}"
                             f" ({p.get('seconds') or 0:.0f} s) (Esc stops)")

    def _found(self, result: dict) -> None:
        name = MODEL_NAMES[result["model"]]
        failing = result["smallest_failing_batch_size"]
        if result.get("not_kept"):
            self.answered.emit(f"Largest batch: {result['not_kept']}")
        if result.get("lower_bound"):  # stopped: what it had found is kept, as a lower bound
            self.progressed.emit(f"Stopped: {name} fits a batch of at least {result['max_batch_size']} (kept)")
            self.answered.emit(f"Largest batch: the search was stopped; {name} fits a batch of at least "
                               f"{result['max_batch_size']} (kept as a lower bound)")
            self.finished.emit(result)
            return
        self.progressed.emit(f"Largest batch that fits for {name}: {result['max_batch_size']}")
        self.answered.emit(f"Largest batch: {name} fits a batch of {result['max_batch_size']} ({len(result['probes'])} "
                           f"probes" + (f"; {failing} ran out of memory" if failing else "") + ")")
        QMessageBox.information(self._parent, "Largest batch",
                                f"{name}: the largest batch that fits is {result['max_batch_size']} "
                                f"({len(result['probes'])} probes"
                                + (f"; {failing} ran out of memory" if failing else "") + ").")
        self.finished.emit(result)

    def _failed(self, message: str) -> None:
        if self.thread is not None and self.thread.stopped:
            self.progressed.emit(f"Stopped: {message}")
        else:
            QMessageBox.warning(self._parent, "Largest batch", as_text(message))
        self.finished.emit(message)

    def _ended(self) -> None:
        self.thread = None
        self.busy_changed.emit(False)

    def wait(self, ms: int = 30_000) -> None:
        if self.thread is not None:
            self.thread.wait(ms)
