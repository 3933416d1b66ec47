"""The main window: this machine, setup, live run with plots and log, results against the baseline."""

from __future__ import annotations

import time
from importlib import metadata
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (QFileDialog, QLabel, QMainWindow, QMessageBox, QPlainTextEdit, QProgressBar,
                               QScrollArea, QSplitter, QTabWidget, QToolButton, QVBoxLayout, QWidget)

from .. import __version__
from ..core import events as ev
from ..core.config import DATASET_NAMES, MODEL_NAMES, BenchmarkConfig, ConfigError
from ..core.durations import format_duration
from ..core.history import load_history
from ..core.predict import predict
from ..core.report import RunReport
from ..core.resources import resource
from ..core.importing import import_reports
from ..core.storage import DataDirError, check_data_dir, reports_dir
from ..hardware import detect
from ..runner.child import stop_all
from ..runner.runner import recover_interrupted
from . import as_text
from .compare import CompareView
from .controller import RunController, RunThread
from .imports import DatasetImporter
from .panels import MachinePanel, SetupPanel
from .plots import LivePlots
from .results import ResultsView
from .settings import Settings

LOG_TAIL_MS = 1000


class MainWindow(QMainWindow):
    maxbatch_finished = Signal(object)  # the batch finder's result dict, or a str saying why it failed

    def __init__(self, settings: Settings | None = None, hardware: dict[str, Any] | None = None,
                 maxbatch_prober=None):
        super().__init__()
        self.maxbatch_prober = maxbatch_prober  # None: real probes; tests pass a stand-in
        self.setWindowTitle("dlbench")
        icon = resource("dlbench.png")
        if icon.exists():
            self.setWindowIcon(QIcon(str(icon)))
        self.settings = settings or Settings()
        self.hardware = hardware if hardware is not None else detect.detect()
        self.thread: RunThread | None = None
        self.controller: RunController | None = None
        self.session_reports: list[RunReport] = []
        self._run_index = 0
        self._run_total = 0
        self._configs: list[BenchmarkConfig] = []
        self._current: BenchmarkConfig | None = None
        self._run_t0 = 0.0
        self._queue_t0 = 0.0
        self._steps_done = 0
        self._log_path: Path | None = None
        self._log_pos = 0
        self._predictions: list[float] = []
        self._phase_text = ""

        self.machine = MachinePanel(self.hardware)
        self.setup = SetupPanel()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.machine)
        left_layout.addWidget(self.setup)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(400)

        self.plots = LivePlots(gpus=bool(self.hardware["gpu"]["nvidia"]))
        self.results = ResultsView()
        self.compare = CompareView()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.plots, "Live")
        self.tabs.addTab(self.results, "Results")
        self.tabs.addTab(self.compare, "Compare")

        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(5000)
        self.log.setStyleSheet("font-family: monospace; font-size: 9pt;")
        self.log.setVisible(False)
        self.log_toggle = QToolButton()
        self.log_toggle.setText("▸ Log (the worker's output)")
        self.log_toggle.setCheckable(True)
        self.log_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.log_toggle.setStyleSheet("QToolButton { border: none; color: #444; }")
        self.log_toggle.toggled.connect(self._toggle_log)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.tabs, 1)
        right_layout.addWidget(self.log_toggle)
        right_layout.addWidget(self.log)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([420, 1000])
        self.setCentralWidget(split)

        self.status = QLabel("Ready")
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # it shows file names and report problems verbatim
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(320)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.eta = QLabel("")
        self.statusBar().addWidget(self.status, 1)
        self.statusBar().addPermanentWidget(self.eta)
        self.statusBar().addPermanentWidget(self.progress)
        self.progress.setVisible(False)

        self._build_menus()
        self.setup.start_button.clicked.connect(self.start)
        self.setup.stop_button.clicked.connect(self.stop)
        self.setup.changed.connect(self._setup_changed)
        self.setup.import_requested.connect(self.import_dataset)
        self.results.export_requested.connect(self.export_selected)
        self.results.compare_requested.connect(self.compare_selected)
        self.results.import_requested.connect(self.import_report)

        self.log_timer = QTimer(self)
        self.log_timer.setInterval(LOG_TAIL_MS)
        self.log_timer.timeout.connect(self._tail_log)
        self.clock = QTimer(self)
        self.clock.setInterval(1000)
        self.clock.timeout.connect(self._update_progress)

        self.dataset_importer = DatasetImporter(self)
        self.dataset_importer.progressed.connect(self.status.setText)
        self.dataset_importer.finished.connect(self._dataset_imported)

        self._restore()
        self.data_problem = self._check_data_folder()
        self.load_history()

    # ------------------------------------------------------------------ menus and settings
    def _build_menus(self) -> None:
        m = self.menuBar()
        file_menu = m.addMenu("&File")
        self.act_import = self._action(file_menu, "&Import report…", self.import_report, QKeySequence.StandardKey.Open)
        self._action(file_menu, "Import &dataset folder…", self.import_dataset)
        self.act_export = self._action(file_menu, "&Export selected…", lambda: self.export_selected("pdf"), "Ctrl+E")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        run_menu = m.addMenu("&Run")
        self.act_start = self._action(run_menu, "&Start", self.start, "Ctrl+R")
        self.act_stop = self._action(run_menu, "S&top", self.stop, "Esc")
        self.act_stop.setEnabled(False)
        run_menu.addSeparator()
        self.act_maxbatch = self._action(run_menu, "Find largest &batch…", self.find_max_batch, "Ctrl+B")
        view_menu = m.addMenu("&View")
        self._action(view_menu, "&Live", lambda: self.tabs.setCurrentIndex(0), "Ctrl+1")
        self._action(view_menu, "&Results", lambda: self.tabs.setCurrentIndex(1), "Ctrl+2")
        self._action(view_menu, "&Compare", lambda: self.tabs.setCurrentIndex(2), "Ctrl+3")
        self._action(view_menu, "Show &log", lambda: self.log_toggle.toggle(), "Ctrl+L")
        help_menu = m.addMenu("&Help")
        self._action(help_menu, "&About dlbench", self.about)

    def _action(self, menu, text, slot, shortcut=None) -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        a.triggered.connect(slot)
        menu.addAction(a)
        return a

    def _restore(self) -> None:
        s = self.settings
        geometry = s.get("window/geometry", None)
        if isinstance(geometry, (QByteArray, bytes)):
            self.restoreGeometry(geometry)
        else:
            self.resize(1440, 900)
        models = s.get("setup/models", list(MODEL_NAMES))
        datasets = s.get("setup/datasets", list(DATASET_NAMES))
        for k, box in self.setup.model_boxes.items():
            box.setChecked(k in models)
        for k, box in self.setup.dataset_boxes.items():
            box.setChecked(k in datasets)
        for combo, key in ((self.setup.profile_combo, "setup/profile"), (self.setup.data_combo, "setup/data")):
            i = combo.findData(s.get(key, combo.currentData()))
            if i >= 0:
                combo.setCurrentIndex(i)
        if self.setup.profile == "custom":
            self.setup.epochs.setValue(s.get("setup/epochs", 100))
            self.setup.batch.setValue(s.get("setup/batch_size", 64))
            self.setup.train_samples.setValue(s.get("setup/train_samples", 60000))
            self.setup.val_samples.setValue(s.get("setup/val_samples", 10000))
        self.setup.budget.setValue(s.get("setup/quick_budget_s", 60))
        self.results.budget.setValue(s.get("results/budget_h", 48.0))
        self._setup_changed()

    def save_settings(self) -> None:
        s = self.settings
        s.set("window/geometry", self.saveGeometry())
        s.set("setup/models", [k for k, b in self.setup.model_boxes.items() if b.isChecked()])
        s.set("setup/datasets", [k for k, b in self.setup.dataset_boxes.items() if b.isChecked()])
        s.set("setup/profile", self.setup.profile)
        s.set("setup/data", self.setup.data)
        s.set("setup/epochs", self.setup.epochs.value())
        s.set("setup/batch_size", self.setup.batch.value())
        s.set("setup/train_samples", self.setup.train_samples.value())
        s.set("setup/val_samples", self.setup.val_samples.value())
        s.set("setup/quick_budget_s", self.setup.budget.value())
        s.set("results/budget_h", self.results.budget.value())
        s.sync()

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
        note = f"{len(reports)} saved run{'s' if len(reports) != 1 else ''}"
        if recovered:
            note += f"; {len(recovered)} interrupted run(s) recovered"
        if problems:
            note += f"; {len(problems)} unreadable file(s) skipped: {problems[0][:160]}"
            self.status.setStyleSheet("color: #9a6700;")
            self.status.setToolTip("\n".join(problems))
        if self.data_problem:
            note = self.data_problem
            self.status.setStyleSheet("color: #cf222e;")
        self.status.setText(note)
        self._setup_changed()

    def _setup_changed(self) -> None:
        self.setup.refresh_data_state()
        try:
            configs = self.setup.configs()
        except ConfigError as exc:
            self.setup.prediction.setText(f"⚠ {exc}")
            return
        preds = [predict(c, self.results.reports) for c in configs]
        basis = preds[0].basis if preds else ""
        self.setup.show_prediction(sum(p.seconds for p in preds), basis, len(configs))

    # ------------------------------------------------------------------ running
    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    @Slot()
    def start(self) -> None:
        if self.running or self.data_problem:
            return
        try:
            configs = self.setup.configs()
        except ConfigError as exc:
            QMessageBox.warning(self, "dlbench", f"The setup is not usable:\n{exc}")
            return
        if not configs:
            QMessageBox.information(self, "dlbench", "Select at least one model and one dataset.")
            return
        self.save_settings()
        self._configs = configs
        self._predictions = [predict(c, self.results.reports).seconds for c in configs]
        self.controller = RunController(self.hardware)
        self.controller.started.connect(self._on_started)
        self.controller.event_received.connect(self._on_event)
        self.controller.sampled.connect(self.plots.add_sample)
        self.controller.finished.connect(self._on_report)
        self.controller.failed.connect(self._on_report)
        self.controller.all_finished.connect(self._on_all_finished)
        self.thread = RunThread(self.controller, configs)
        self.setup.set_running(True)
        self.act_start.setEnabled(False)
        self.act_stop.setEnabled(True)
        self.tabs.setCurrentIndex(0)
        self.progress.setVisible(True)
        self.progress.setValue(0)
        self.log.clear()
        self._queue_t0 = time.monotonic()
        self.status.setStyleSheet("")
        self.status.setText("Starting…")
        self.plots.timer.start()
        self.log_timer.start()
        self.clock.start()
        self.thread.start()

    @Slot()
    def stop(self) -> None:
        if self.controller is not None and self.running:
            self.status.setText("Stopping…")
            self.controller.stop()

    @Slot(int, int, object)
    def _on_started(self, index: int, total: int, event: dict) -> None:
        self._run_index, self._run_total = index, total
        self._current = self._configs[index]
        self._run_t0 = time.monotonic()
        self._steps_done = 0
        self.plots.reset()
        self._log_path = Path(event["log_path"]) if event.get("log_path") else None
        self._log_pos = 0
        self._phase_text = "starting"
        self._update_progress()

    @Slot(object)
    def _on_event(self, e: dict) -> None:
        kind = e["type"]
        if kind == ev.STEP:
            self._steps_done += len(e["steps"]) if e.get("task") == "train" else 0
            if e.get("task") == "train" and self._current is not None:
                self.plots.add_steps(e["steps"], self._current.batch_size)
        elif kind == ev.EPOCH and e.get("task") == "train":
            self.plots.add_epoch(e)
        elif kind == ev.PHASE:
            self._phase_text = ev.phase_text(e, self._current.profile if self._current is not None else "quick")
            self._update_progress()
        elif kind == ev.HELLO:
            self.machine.update_from_worker(e.get("software") or {})
        elif kind == ev.LOG and e.get("level") == "warning":
            self._append_log(f"WARNING: {e.get('message')}")
            self.status.setText(f"Warning: {e.get('message')}")
        elif kind == ev.ERROR:
            self._append_log(f"[{e.get('task')}] {e.get('kind')}: {e.get('message')}")

    def _fraction(self) -> float:
        c = self._current
        if c is None:
            return 0.0
        elapsed = time.monotonic() - self._run_t0
        if c.profile == "quick":
            return min(0.99, elapsed / max(self._predictions[self._run_index], 1.0))
        total = c.epochs * c.steps_per_epoch
        return min(0.99, self._steps_done / total) if total else 0.0

    def _update_progress(self) -> None:
        if not self.running or self._current is None:
            return
        c = self._current
        frac = self._fraction()
        elapsed = time.monotonic() - self._run_t0
        if c.profile != "quick" and frac > 0.02:
            remaining = elapsed / frac - elapsed
        else:
            remaining = max(0.0, self._predictions[self._run_index] - elapsed)
        remaining += sum(self._predictions[self._run_index + 1:])
        overall = (self._run_index + frac) / max(self._run_total, 1)
        self.progress.setValue(int(overall * 1000))
        self.progress.setFormat(f"{100 * overall:.0f}%")
        self.eta.setText(f"ETA {format_duration(remaining)}  ")
        model = MODEL_NAMES[c.model].split(" — ")[0]
        self.status.setText(f"Run {self._run_index + 1}/{self._run_total} · {model} on {DATASET_NAMES[c.dataset]} · "
                            f"{self._phase_text} · {format_duration(elapsed)}")

    @Slot(object)
    def _on_report(self, report: RunReport) -> None:
        self.session_reports.append(report)
        self.results.add_report(report)
        self.compare.set_candidates(self.results.reports)
        if report.status == "failed" and report.error:
            e = report.error
            self._append_log(f"run failed: {e.get('title')}: {e.get('message')}")
            self.status.setText(f"{e.get('title')}: {e.get('suggestion')}")

    @Slot()
    def _on_all_finished(self) -> None:
        if self.thread is not None:
            self.thread.wait(5000)
        self._tail_log()
        self.plots.timer.stop()
        self.plots.redraw()
        self.log_timer.stop()
        self.clock.stop()
        self.setup.set_running(False)
        self.act_start.setEnabled(True)
        self.act_stop.setEnabled(False)
        done = [r for r in self.session_reports[-len(self._configs):]] if self._configs else []
        states = ", ".join(f"{sum(r.status == s for r in done)} {s}" for s in ("completed", "failed", "cancelled")
                           if any(r.status == s for r in done))
        self.status.setText(f"Finished: {states or 'nothing ran'}. See Results.")
        self.progress.setValue(1000 if done and all(r.status == "completed" for r in done) else self.progress.value())
        self.eta.setText("")
        self.thread = None
        self.controller = None
        if done:
            self.tabs.setCurrentIndex(1)
        self._setup_changed()

    def find_max_batch(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        from .controller import MaxBatchThread

        if self.running or getattr(self, "_maxbatch", None) is not None:
            return
        models = [m for m, b in self.setup.model_boxes.items() if b.isChecked()] or ["model_a"]
        limit, ok = QInputDialog.getDouble(self, "Find largest batch",
                                           f"{MODEL_NAMES[models[0]]}: host memory ceiling in GB (0 = none).\n"
                                           "Each probe trains a few steps in a fresh process.", 0.0, 0.0, 4096.0, 1)
        if not ok:
            return
        datasets = [d for d, b in self.setup.dataset_boxes.items() if b.isChecked()] or ["mnist"]
        t = MaxBatchThread(models[0], datasets[0], limit or None, prober=self.maxbatch_prober)
        self._maxbatch = t
        t.probed.connect(lambda p: self.status.setText(f"Largest batch: batch {p['batch_size']} {p['outcome']}"))

        def found(result):
            self.status.setText(f"Largest batch that fits for {MODEL_NAMES[result['model']]}: {result['max_batch_size']}")
            QMessageBox.information(self, "Largest batch", f"{MODEL_NAMES[result['model']]}: the largest batch that "
                                    f"fits is {result['max_batch_size']} ({len(result['probes'])} probes"
                                    + (f"; {result['smallest_failing_batch_size']} ran out of memory" if result['smallest_failing_batch_size'] else "")
                                    + ").")

        t.found.connect(found)
        t.found.connect(self.maxbatch_finished.emit)
        t.failed_with.connect(lambda msg: QMessageBox.warning(self, "Largest batch", as_text(msg)))
        t.failed_with.connect(self.maxbatch_finished.emit)
        t.finished.connect(lambda: setattr(self, "_maxbatch", None))
        self.status.setText("Finding the largest batch…")
        t.start()

    # ------------------------------------------------------------------ log
    def _toggle_log(self, shown: bool) -> None:
        self.log.setVisible(shown)
        self.log_toggle.setText(("▾" if shown else "▸") + " Log (the worker's output)")

    def _tail_log(self) -> None:
        path = self._log_path
        if path is None or not path.is_file():
            return
        try:
            with open(path, "rb") as fh:
                fh.seek(self._log_pos)
                data = fh.read(200_000)
                self._log_pos = fh.tell()
        except OSError:
            return
        if data:
            self.log.appendPlainText(data.decode("utf-8", "replace").rstrip("\n"))

    def _append_log(self, text: str) -> None:
        self.log.appendPlainText(text)

    # ------------------------------------------------------------------ files
    def import_report(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Import dlbench reports", str(Path.home()), "dlbench reports (*.json)")
        self.import_report_files(paths)

    def import_report_files(self, paths: list[str]) -> list[str]:
        """The same import as `dlbench import`: validated, written only into the reports folder, nothing overwritten."""
        if not paths:
            return []
        outcome = import_reports(paths)
        self.load_history()
        summary = "\n".join(outcome.lines())
        if outcome.problems or outcome.notes:
            box = QMessageBox.warning if outcome.problems else QMessageBox.information
            box(self, "Import report", as_text(summary))
        self.status.setText(outcome.lines()[0] + (f"; {len(outcome.problems)} not imported" if outcome.problems else ""))
        return outcome.problems

    def import_dataset(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with the MNIST / Fashion-MNIST files")
        if folder:
            self.import_dataset_folder(folder)

    def import_dataset_folder(self, folder: str) -> None:
        """Runs off the GUI thread; `dataset_importer.finished` says what came of it."""
        self.dataset_importer.start(folder)

    @Slot(object)
    def _dataset_imported(self, outcome) -> None:
        self._setup_changed()
        lines = [f"Imported {DATASET_NAMES[k]}: {v}." for k, v in outcome.imported.items()] or ["Nothing imported."]
        self.status.setText(" ".join(lines))
        if outcome.problems:
            QMessageBox.warning(self, "Import dataset", as_text("\n".join(lines) + "\n\n" + "\n".join(outcome.problems)))

    def export_selected(self, fmt: str) -> None:
        reports = self.results.selected_reports() or self.results.reports[:1]
        if not reports:
            QMessageBox.information(self, "Export", "There is no run to export yet.")
            return
        suffix = {"pdf": "PDF (*.pdf)", "csv": "CSV (*.csv)", "json": "JSON (*.json)"}[fmt]
        default = str(Path.home() / f"dlbench-{reports[0].run_id}.{fmt}")
        path, _ = QFileDialog.getSaveFileName(self, f"Export {fmt.upper()}", default, suffix)
        if path:
            self.export_to(reports, fmt, path)

    def export_to(self, reports: list[RunReport], fmt: str, path: str) -> Path | None:
        from ..export import export_reports

        try:
            out = export_reports(reports, fmt, path)
        except OSError as exc:
            QMessageBox.critical(self, "Export", as_text(f"Could not write {path}:\n{exc}"))
            return None
        self.status.setText(f"Exported {len(reports)} run(s) to {out}")
        return out

    def compare_selected(self) -> None:
        sel = self.results.selected_reports()
        if len(sel) < 2:
            QMessageBox.information(self, "Compare", "Select two or more runs in the table (Ctrl+click).")
            return
        self.compare.show_reports(sel)
        self.tabs.setCurrentIndex(2)

    # ------------------------------------------------------------------ help and closing
    def about(self) -> None:
        versions = []
        for dist in ("tensorflow", "keras", "PySide6-Essentials", "pyqtgraph", "psutil", "nvidia-ml-py", "numpy"):
            try:
                versions.append(f"{dist} {metadata.version(dist)}")
            except metadata.PackageNotFoundError:
                versions.append(f"{dist} (not installed)")
        QMessageBox.about(self, "About dlbench",
                          f"<h3>dlbench {__version__}</h3><p>Is this machine good enough for deep-learning work? "
                          "dlbench runs the published two-model Keras protocol (MNIST, Fashion-MNIST) and compares "
                          "it with four published RTX setups.</p><p>" + "<br>".join(versions) +
                          f"<br>Python {self.hardware['os'].get('python')}</p><p>Data: {reports_dir().parent}</p>")

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running:
            answer = QMessageBox.question(self, "dlbench", "A benchmark is running. Stop it and quit?",
                                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                          QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self.shutdown()
        self.save_settings()
        event.accept()

    def shutdown(self) -> None:
        """Stop the run and wait for it: no QThread and no child outlives the window."""
        if self.thread is not None:
            self.thread.stop_and_wait(30)
        stop_all()  # also ends the batch finder's probe child, so its thread returns
        self.dataset_importer.wait()
        mb = getattr(self, "_maxbatch", None)
        if mb is not None:
            mb.wait(30_000)
        for timer in (self.plots.timer, self.log_timer, self.clock):
            timer.stop()
