"""The Qt side of a run session: the core RunSession's changes as signals (one per kind of change), and the
status bar that shows its phase, progress and ETA."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

from ..core.wire.events import Event
from ..core.store.report import RunReport
from ..core.progress import RunSession


class SessionAdapter(QObject):
    """Feed it events and reports (on the GUI thread: connect the controller's signals to its slots); it updates
    the session and emits what changed."""

    run_started = Signal(object)  # RunStarted
    phase_changed = Signal(object)  # Phase
    steps_added = Signal(object)  # Step
    epoch_added = Signal(object)  # EpochEnd
    hello_received = Signal(object)  # Hello
    data_chosen = Signal(object)  # Log with the data source chosen (its `data`)
    warned = Signal(object)  # Log
    errored = Signal(object)  # Error
    report_added = Signal(object)  # RunReport
    finished = Signal()

    def __init__(self, session: RunSession, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        signals = {"run_started": self.run_started, "phase": self.phase_changed, "steps": self.steps_added,
                   "epoch": self.epoch_added, "hello": self.hello_received, "data": self.data_chosen,
                   "warning": self.warned,
                   "error": self.errored, "report": self.report_added}
        session.subscribe(lambda change, payload: self.finished.emit() if change == "finished"
                          else signals[change].emit(payload))

    @Slot(object)
    def handle(self, event: Event) -> None:
        self.session.handle(event)

    @Slot(object)
    def add_report(self, report: RunReport) -> None:
        self.session.add_report(report)

    @Slot()
    def finish(self) -> None:
        self.session.finish()


class StatusLine(QObject):
    """The status bar's text, progress bar and ETA; while a session runs they follow it once a second."""

    def __init__(self, bar: QStatusBar):
        super().__init__(bar)
        self.label = QLabel("Ready")
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # it shows file names and report problems verbatim
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(320)
        self.progress.setRange(0, 1000)
        self.progress.setFormat("")
        self.progress.setVisible(False)
        self.eta = QLabel("")
        bar.addWidget(self.label, 1)
        bar.addPermanentWidget(self.eta)
        bar.addPermanentWidget(self.progress)
        self.clock = QTimer(self)
        self.clock.setInterval(1000)
        self.clock.timeout.connect(self.refresh)
        self.session: RunSession | None = None
        self.stopping = False  # Stop (Esc) was pressed: said until the session ends, not overwritten each second

    def stop_requested(self) -> None:
        self.stopping = True
        self.refresh()

    def say(self, text: str, colour: str = "", tooltip: str | None = None) -> None:
        self.label.setStyleSheet(f"color: {colour};" if colour else "")
        self.label.setText(text)
        if tooltip is not None:
            self.label.setToolTip(tooltip)

    def follow(self, session: RunSession) -> None:
        self.session = session
        self.stopping = False
        self.progress.setVisible(True)
        self.progress.setValue(0)
        self.say("Starting…")
        self.clock.start()

    @Slot()
    def refresh(self, *_: Any) -> None:
        s = self.session
        if s is None or s.finished:
            return
        p = s.progress()
        self.progress.setValue(int(p.overall * 1000))
        self.progress.setFormat(f"{100 * p.overall:.0f}%")
        if self.stopping:  # the run ends within seconds: no ETA for work that will not be done
            self.eta.setText("")
            self.label.setText(f"Stopping… (the report is kept as cancelled) — {s.status_text()}")
            return
        self.eta.setText(f"{p.eta_words}  ")
        self.label.setText(s.status_text())

    def done(self) -> None:
        """The session ended: its summary in words; the progress bar and the ETA go (a bar left at 40% after a
        cancelled run would say something is still going on)."""
        self.clock.stop()
        if self.session is not None:
            self.say(self.session.summary_text() + " See Results.")
        self.progress.setValue(0)
        self.progress.setFormat("")
        self.progress.setVisible(False)
        self.eta.setText("")
        self.session = None
