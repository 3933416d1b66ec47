"""How the main window is built (panels, tabs, menus, connections) and how its state is restored and saved: the
parts of MainWindow that are layout and settings, apart from its wiring."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QSplitter, QTabWidget, QVBoxLayout, QWidget

from ..core import accelerators
from ..core.view.words import framework_device_words
from .compare import CompareView
from .log_panel import LogPanel
from .about import HOW_IT_MEASURES
from .menus import build_menus, shortcuts_html
from .panels import MachinePanel, scroll_column
from .setup_panel import SetupPanel, restore_setup, save_setup
from .plots import LivePlots
from .results import ResultsView

if TYPE_CHECKING:
    from .main_window import MainWindow


def build_widgets(w: "MainWindow") -> None:
    w.machine = MachinePanel(w.hardware)
    w.setup = SetupPanel()
    w.setup.set_hardware(w.hardware)
    scroll = scroll_column(w.machine, w.setup)
    left = QWidget()
    left_layout = QVBoxLayout(left)
    left_layout.setContentsMargins(0, 0, 0, 0)
    left_layout.addWidget(scroll, 1)
    left_layout.addWidget(w.setup.actions)  # Start and Stop: always in view, whatever the height
    w.plots = LivePlots(gpus=len(accelerators.sampled(accelerators.of(w.hardware.get("gpu")))))
    w.results = ResultsView()
    w.compare = CompareView()
    w.tabs = QTabWidget()
    for widget, name in ((w.plots, "Live"), (w.results, "Results"), (w.compare, "Compare")):
        w.tabs.addTab(widget, name)
    w.log_panel = LogPanel()
    right = QWidget()
    right_layout = QVBoxLayout(right)
    right_layout.setContentsMargins(0, 0, 0, 0)
    right_layout.addWidget(w.tabs, 1)
    right_layout.addWidget(w.log_panel)
    split = QSplitter(Qt.Orientation.Horizontal)
    split.addWidget(left)
    split.addWidget(right)
    split.setStretchFactor(1, 1)
    split.setSizes([340, 1000])
    w.setCentralWidget(split)


def add_menus(w: "MainWindow") -> None:
    actions = build_menus(w.menuBar(), w, {
        "import": w.import_report, "import_dataset": w.import_dataset,
        "export": lambda: w.export_selected("pdf"), "quit": w.close, "start": w.start, "stop": w.stop,
        "maxbatch": w.find_max_batch, "frameworks": lambda: check_frameworks(w), "about": w.about,
        "log": lambda: w.log_panel.toggle.toggle(),
        "how": lambda: w.show_help("How dlbench measures", HOW_IT_MEASURES),
        "shortcuts": lambda: w.show_help("Keyboard shortcuts", shortcuts_html()),
        **{f"tab{i}": (lambda _=False, i=i: w.tabs.setCurrentIndex(i)) for i in range(3)}})
    w.act_import, w.act_export = actions["import"], actions["export"]
    w.act_start, w.act_stop, w.act_maxbatch = actions["start"], actions["stop"], actions["maxbatch"]
    w.act_stop.setEnabled(False)


def check_frameworks(w: "MainWindow") -> None:
    """Run → Check which devices each framework sees: each installed framework started in a worker, off the GUI
    thread (seconds each); the machine panel's rows and the Log say what each sees."""
    from ..runner.describe import devices_of_installed
    from .worker_thread import WorkerThread

    if getattr(w, "frameworks_check", None) is not None:
        return  # one check at a time
    w.status.setText("Starting each installed framework in a worker to see which devices it finds…")
    w.frameworks_check = t = WorkerThread(devices_of_installed)

    def done(seen: dict) -> None:
        w.machine.show_framework_devices(seen)
        for label, words in framework_device_words(seen):
            w.log_panel.append(f"{label} sees: {words}")
        w.status.setText("Each framework's devices are in This machine and the Log")
        w.frameworks_checked.emit(seen)

    t.result.connect(done)
    t.error.connect(lambda exc: w.status.setText(f"Could not check the frameworks: {exc}"))
    t.finished.connect(lambda: setattr(w, "frameworks_check", None))
    t.start()


def connect(w: "MainWindow") -> None:
    w.setup.start_button.clicked.connect(w.start)
    w.setup.stop_button.clicked.connect(w.stop)
    w.setup.changed.connect(w._setup_changed)
    w.setup.import_requested.connect(w.import_dataset)
    w.results.export_requested.connect(lambda fmt: w.export_selected(fmt, card=True))
    w.results.compare_requested.connect(w.compare_selected)
    w.results.import_requested.connect(w.import_report)
    w.dataset_importer.progressed.connect(w.status.setText)  # the flows on their threads: progress in the status bar
    w.dataset_importer.finished.connect(w._setup_changed)
    w.maxbatch.progressed.connect(w.status.setText)
    w.maxbatch.answered.connect(w.log_panel.append)  # the answer stays in the Log after the status moves on
    w.maxbatch.finished.connect(w.maxbatch_finished)
    w.maxbatch.busy_changed.connect(w._set_running)


def restore(w: "MainWindow") -> None:
    geometry = w.settings.get("window/geometry", None)
    screen = w.screen().availableGeometry() if w.screen() is not None else None
    if isinstance(geometry, (QByteArray, bytes)):
        w.restoreGeometry(geometry)
        if screen is not None:  # saved on a larger screen: as large as it was, or as this screen allows, inside it
            saved = w.settings.get("window/size", [])
            width, height = (saved if len(saved) == 2 else (w.width(), w.height()))
            w.resize(min(int(width), screen.width()), min(int(height), screen.height()))
            w.move(max(screen.left(), min(w.x(), screen.right() - w.width())),
                   max(screen.top(), min(w.y(), screen.bottom() - w.height())))
    elif screen is not None and (screen.width() < 1440 or screen.height() < 900):
        w.resize(screen.width(), screen.height())  # a small screen: all of it, never a window bigger than it
    else:
        w.resize(1440, 900)
    restore_setup(w.setup, w.settings)
    small = screen is not None and screen.height() < 850
    w.machine.setChecked(bool(w.settings.get("panels/machine_open", not small)))
    w.results.budget.setValue(w.settings.get("results/budget_h", 48.0))
    w._setup_changed()


def save_settings(w: "MainWindow") -> None:
    w.settings.set("window/geometry", w.saveGeometry())
    w.settings.set("window/size", [w.width(), w.height()])
    save_setup(w.setup, w.settings)
    w.settings.set("panels/machine_open", w.machine.isChecked())
    w.settings.set("results/budget_h", w.results.budget.value())
    w.settings.sync()
