"""The main window: wiring. This machine and the setup on the left; live plots, results and comparison in tabs;
the run itself is a core RunSession shown through a SessionAdapter (gui/session_view.py)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QCloseEvent, QIcon
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from ..core.backend_choice import choose_backend
from ..core.config import ConfigError
from ..core.resources import resource
from ..core.progress import RunSession
from ..core.store.history import history_note, load_history
from ..core.store.report import RunReport
from ..core.store.storage import DataDirError, check_data_dir
from ..core.view.words import data_words, pair_words
from ..hardware import detect
from ..runner.child import stop_all
from ..runner.recovery import recover_interrupted
from . import window_parts
from .about import show_about, show_text
from .controller import RunController
from .export_flow import export_with_dialog
from .imports import DatasetImporter, import_report_files
from .maxbatch_flow import MaxBatchFlow
from .session_view import SessionAdapter, StatusLine
from .settings import Settings
from .worker_thread import WorkerThread


class MainWindow(QMainWindow):
    maxbatch_finished = Signal(object)  # the batch finder's result dict, or a str saying why it failed
    help_shown = Signal(str)  # a Help text's title, once its window is shown
    frameworks_checked = Signal(object)  # {framework: the devices it sees}, from Run → Check which devices…

    def __init__(self, settings: Settings | None = None, hardware: dict[str, Any] | None = None,
                 maxbatch_prober=None):
        super().__init__()
        self.setWindowTitle("dlbench")
        if resource("dlbench.png").exists():
            self.setWindowIcon(QIcon(str(resource("dlbench.png"))))
        self.settings = settings or Settings()
        self.hardware = hardware if hardware is not None else detect.detect()
        self.thread: WorkerThread | None = None
        self.controller: RunController | None = None
        self.adapter: SessionAdapter | None = None
        self._last_phase_line: str | None = None  # the log says each phase once
        window_parts.build_widgets(self)
        self.status_line = StatusLine(self.statusBar())
        self.status = self.status_line.label
        window_parts.add_menus(self)
        self.dataset_importer = DatasetImporter(self)
        self.maxbatch = MaxBatchFlow(self, prober=maxbatch_prober)
        window_parts.connect(self)
        window_parts.restore(self)
        self.data_problem = self._check_data_folder()
        self.load_history()

    def _check_data_folder(self) -> str | None:
        """A data folder that cannot be written: the window still opens, says so, and starts nothing."""
        try:
            check_data_dir()
        except DataDirError as exc:
            for w in (self.setup.start_button, self.act_start, self.act_maxbatch):
                w.setEnabled(False)
                w.setToolTip(str(exc))
            return str(exc)
        return None

    # ------------------------------------------------------------------ history
    def load_history(self) -> None:
        try:
            recovered = recover_interrupted()
        except OSError:
            recovered = []
        reports, problems = load_history()
        self.results.set_reports(reports)
        self.compare.set_candidates(reports)
        note = history_note(len(reports), len(recovered), problems)
        colour = "#cf222e" if self.data_problem else ("#9a6700" if problems else "")
        self.status_line.say(self.data_problem or note, colour, "\n".join(problems) if problems else None)
        self._setup_changed()

    def _setup_changed(self) -> None:
        first = self.setup.refresh(self.results.reports)  # the prediction shown is the one the empty card names
        if first != self.results.first_run_s:
            self.results.set_first_run_estimate(first)

    # ------------------------------------------------------------------ running
    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    @property
    def busy(self) -> bool:
        """A benchmark or a batch search runs: each is a child process using the whole machine, so one at a time."""
        return self.running or self.maxbatch.busy

    @Slot()
    def start(self) -> None:
        if self.busy or self.data_problem:
            return
        history = self.results.reports
        try:
            plan = self.setup.take_plan(history)  # the plan shown: each run as it runs here, its framework, its time
        except ConfigError as exc:
            QMessageBox.warning(self, "dlbench", f"The setup is not usable:\n{exc}")
            return
        if not len(plan):
            QMessageBox.information(self, "dlbench", "Select at least one model and one dataset.")
            return
        window_parts.save_settings(self)
        self.controller = RunController(self.hardware, history)
        session = self.controller.open(plan)
        self.bind_session(session)
        self.controller.feed(self.adapter)
        self.controller.sampled.connect(self.plots.add_sample)
        self.thread = self.controller.thread()
        self._set_running(True)
        self.tabs.setCurrentIndex(0)
        self.log_panel.clear()
        self.thread.start()

    def _set_running(self, running: bool) -> None:
        """Start and Find-largest-batch off while anything runs; Stop (and Esc) stops whatever it is."""
        self.setup.set_running(running)
        blocked = bool(getattr(self, "data_problem", None))
        self.setup.start_button.setEnabled(not running and not blocked)
        self.act_start.setEnabled(not running and not blocked)
        self.act_maxbatch.setEnabled(not running and not blocked)
        self.act_stop.setEnabled(running)
        for timer in (self.plots.timer, self.log_panel.timer):
            timer.start() if running else timer.stop()

    def bind_session(self, session: RunSession) -> SessionAdapter:
        """Show a run session: plots, log, status bar and results follow its changes."""
        self.adapter = a = SessionAdapter(session, self)
        a.run_started.connect(lambda e: (self.plots.reset(), self.log_panel.follow(e.log_path),
                                         self.log_panel.append(f"Started {session.title()}")))
        a.steps_added.connect(lambda e: self.plots.add_steps(e.steps, session.config.batch_size))
        a.epoch_added.connect(self.plots.add_epoch)
        a.phase_changed.connect(self.status_line.refresh)
        a.phase_changed.connect(lambda e: self._log_phase(session))
        a.data_chosen.connect(lambda e: (self.log_panel.append(data_words(e.data)), self.plots.set_data_source(e.data)))
        a.hello_received.connect(lambda e: self.machine.update_from_worker(e.software))
        a.warned.connect(lambda e: (self.log_panel.append(f"WARNING: {e.message}"), self.status.setText(f"Warning: {e.message}")))
        a.errored.connect(lambda e: self.log_panel.append(f"ERROR [{e.task}] {e.kind}: {e.message}"))
        a.report_added.connect(self._on_report)
        a.finished.connect(self._on_all_finished)
        self.status_line.follow(session)
        return a

    def _log_phase(self, session: RunSession) -> None:
        line = f"{session.title()}: {session.phase}"
        if line != self._last_phase_line:  # a quick run's passes repeat "training"
            self._last_phase_line = line
            self.log_panel.append(line)

    @Slot()
    def stop(self) -> None:
        if self.controller is not None and self.running:
            self.status_line.stop_requested()  # "Stopping…" until the session has ended
            self.setup.stop_button.setText("Stopping…")
            self.setup.stop_button.setEnabled(False)
            self.controller.stop()
        self.maxbatch.stop()

    @Slot(object)
    def _on_report(self, report: RunReport) -> None:
        session = self.adapter.session if self.adapter is not None else None
        pending = [pair_words(c.model, c.dataset)
                   for c in session.configs[session.index + 1:]] if session is not None else []
        self.results.pending = pending
        self.results.add_report(report)
        c = self.results.card.card
        self.plots.show_verdict(f"<b>{c.badge}</b> — {c.sentence}" if pending and c is not None else "")
        self.compare.set_candidates(self.results.reports)
        if report.status == "failed" and report.error:
            self.log_panel.append(f"run failed: {report.error.get('title')}: {report.error.get('message')}")

    @Slot()
    def _on_all_finished(self) -> None:
        if self.thread is not None:
            self.thread.wait(5000)
        self.log_panel.tail()
        self._set_running(False)
        self._last_phase_line = None
        self.plots.redraw()
        self.plots.show_verdict("")
        self.results.set_pending([])
        ran = bool(self.adapter and self.adapter.session.reports)
        self.status_line.done()
        self.thread = self.controller = None
        if ran:
            self.tabs.setCurrentIndex(1)
        self._setup_changed()

    def find_max_batch(self) -> None:
        if self.busy or self.data_problem:
            return
        models = [m for m, b in self.setup.model_boxes.items() if b.isChecked()] or ["model_a"]
        datasets = [d for d, b in self.setup.dataset_boxes.items() if b.isChecked()] or ["mnist"]
        self.maxbatch.start(models[0], datasets[0], choose_backend(self.setup.backend_combo.currentData(),
                                                                   self.hardware).name)

    # ------------------------------------------------------------------ files
    def import_report(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Import dlbench reports", "", "dlbench reports (*.json)")
        self.import_report_files(paths)

    def import_report_files(self, paths: list[str]):
        """The same import as `dlbench import`; the history reloads and the status bar says what happened."""
        outcome = import_report_files(self, paths)
        if outcome is not None:
            self.load_history()
            problems = f"; {len(outcome.problems)} not imported" if outcome.problems else ""
            self.status.setText(outcome.lines()[0] + problems)
        return outcome

    def import_dataset(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with the MNIST / Fashion-MNIST files")
        if folder:
            self.import_dataset_folder(folder)

    def import_dataset_folder(self, folder: str) -> None:
        """Runs off the GUI thread; `dataset_importer.finished` says what came of it."""
        self.dataset_importer.start(folder)

    def export_selected(self, fmt: str, card: bool = False) -> None:
        """File → Export selected (the selected rows), or with `card` the buttons under the card: every run the
        card stands on (else the selection, else the newest run)."""
        r = self.results
        reports = (r.card_reports() if card else []) or r.selected_reports() or r.reports[:1]
        shown = r.card.card if card else None  # the card on screen, exported as it is
        out = export_with_dialog(self, reports, fmt, self.settings, card, shown)
        if out is not None:
            self.status.setText(f"Exported {len(reports)} run(s){', what the card stands on,' if card else ''} to {out}")

    def compare_selected(self) -> None:
        sel = self.results.selected_reports()
        if len(sel) < 2:
            QMessageBox.information(self, "Compare", "Select two or more runs in the table (Ctrl+click).")
            return
        self.compare.show_reports(sel)
        self.tabs.setCurrentIndex(2)

    # ------------------------------------------------------------------ help and closing
    def about(self) -> None:
        show_about(self, self.hardware)

    def show_help(self, title: str, html: str) -> None:
        show_text(self, title, html)  # a window of its own that does not block the main one
        self.help_shown.emit(title)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running:
            answer = QMessageBox.question(self, "dlbench", "A benchmark is running. Stop it and quit?",
                                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                          QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self.shutdown()
        window_parts.save_settings(self)
        event.accept()

    def shutdown(self) -> None:
        """Stop the run and wait for it: no QThread and no child outlives the window."""
        if self.thread is not None:
            self.thread.stop_and_wait(30)
        stop_all()  # also ends the batch finder's probe child, so its thread returns
        self.dataset_importer.wait()
        self.maxbatch.wait()
        for timer in (self.plots.timer, self.log_panel.timer, self.status_line.clock):
            timer.stop()
