"""Screenshot the real window during a real run: start it as a person would (the Start action), then grab it.

    python tools/screenshot.py --out shots/running.png --after 40 [--tab results] [--custom 4 1920 640] [--size 1024 700]
"""

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from dlbench_gui.gui.main_window import MainWindow  # noqa: E402
from dlbench_gui.gui.settings import Settings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--after", type=float, default=30)
    ap.add_argument("--tab", choices=["live", "results", "compare"], default="live")
    ap.add_argument("--no-run", action="store_true")
    ap.add_argument("--models", default="model_a")
    ap.add_argument("--datasets", default="mnist")
    ap.add_argument("--custom", nargs=3, type=int, metavar=("EPOCHS", "TRAIN", "VAL"))
    ap.add_argument("--profile", help="Setup → Profile (quick, full, custom, kernels, kernels_full)")
    ap.add_argument("--log", action="store_true")
    ap.add_argument("--why", action="store_true", help="with --tab results: open the card's 'Why this verdict?'")
    ap.add_argument("--row", type=int, default=0, help="with --tab results: the saved run to show (0 = newest)")
    ap.add_argument("--compare", type=int, default=0, metavar="N", help="with --tab compare: compare the N newest runs")
    ap.add_argument("--settings", help="an INI file for the window's settings (default: a fresh one: defaults)")
    ap.add_argument("--size", nargs=2, type=int, default=(1500, 940), metavar=("W", "H"))
    ap.add_argument("--devices", type=int, default=1, help="Setup → Devices (without a GPU: the CPU split in N)")
    ap.add_argument("--backend", help="Setup → Backend (auto, tensorflow, jax, torch)")
    ap.add_argument("--machine", help="a recorded machine of tests/fixtures/accelerators/machines.json (injected "
                    "facts: how the window looks on it), e.g. amd_rx7900xtx")
    a = ap.parse_args()
    app = QApplication([])
    hardware = None
    if a.machine:
        from pathlib import Path

        from dlbench_gui.hardware import detect
        from tests.unit.test_accelerators import gpu_of

        hardware = detect.detect()
        hardware["gpu"] = gpu_of(a.machine, Path(tempfile.mkdtemp()))
        hardware["os"]["system"] = {"apple": "Darwin", "windows": "Windows"}.get(a.machine.split("_")[0], "Linux")
    w = MainWindow(settings=Settings(a.settings or os.path.join(tempfile.mkdtemp(), "settings.ini")), hardware=hardware)
    w.resize(*a.size)
    for k, b in w.setup.model_boxes.items():
        b.setChecked(k in a.models.split(","))
    for k, b in w.setup.dataset_boxes.items():
        b.setChecked(k in a.datasets.split(","))
    w.setup.data_combo.setCurrentIndex(w.setup.data_combo.findData("synthetic"))
    if a.custom:
        w.setup.profile_combo.setCurrentIndex(w.setup.profile_combo.findData("custom"))
        w.setup.epochs.setValue(a.custom[0])
        w.setup.train_samples.setValue(a.custom[1])
        w.setup.val_samples.setValue(a.custom[2])
    if a.profile:
        w.setup.profile_combo.setCurrentIndex(w.setup.profile_combo.findData(a.profile))
    if a.log:
        w.log_panel.toggle.setChecked(True)
    if a.backend:
        w.setup.backend_combo.setCurrentIndex(w.setup.backend_combo.findData(a.backend))
    w.setup.devices.setValue(a.devices)
    if a.devices > 1:  # show the Devices rows: scroll the setup column to them
        from PySide6.QtWidgets import QScrollArea

        QTimer.singleShot(300, lambda: w.findChild(QScrollArea).ensureWidgetVisible(w.setup.scaling_combo))
    w.show()
    if not a.no_run:
        QTimer.singleShot(500, w.act_start.trigger)
    t0 = time.monotonic()

    def shoot():
        if a.tab == "compare" and a.compare > 1:  # as a person does: select the rows (Ctrl+click), then Compare
            from PySide6.QtCore import QItemSelectionModel

            flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
            for row in range(min(a.compare, w.results.table.rowCount())):
                w.results.table.selectionModel().select(w.results.table.model().index(row, 0), flags)
            w.compare_selected()
            app.processEvents()
        if a.tab != "live":
            w.tabs.setCurrentIndex({"results": 1, "compare": 2}[a.tab])
            if a.tab == "results" and w.results.table.rowCount():
                w.results.table.selectRow(a.row)
            if a.why:
                w.results.card.why.setChecked(True)
        app.processEvents()
        w.grab().save(a.out)
        print(f"saved {a.out} after {time.monotonic() - t0:.0f} s; status: {w.status.text()}")
        w.shutdown()
        app.quit()

    QTimer.singleShot(int(a.after * 1000), shoot)
    app.exec()


if __name__ == "__main__":
    main()
