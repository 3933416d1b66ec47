"""Compare: two or more saved reports (for example from different machines) side by side, table and chart."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QHeaderView, QLabel, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from ..core import comparison
from ..core.config import DATASET_NAMES, MODEL_NAMES
from ..core.durations import format_bytes, format_duration
from ..core.report import RunReport


def compare_rows(reports: list[RunReport]) -> list[tuple[str, list[str]]]:
    def hw(r, *path):
        cur = r.hardware
        for p in path:
            cur = (cur or {}).get(p) if isinstance(cur, dict) else None
        return cur

    rows = [
        ("Machine", [hw(r, "hostname") or "?" for r in reports]),
        ("CPU", [hw(r, "cpu", "brand") or "?" for r in reports]),
        ("GPU", [hw(r, "gpu", "summary") or "?" for r in reports]),
        ("RAM", [format_bytes(hw(r, "memory", "total_bytes")) for r in reports]),
        ("Model", [MODEL_NAMES.get(r.model, r.model) for r in reports]),
        ("Dataset", [DATASET_NAMES.get(r.dataset, r.dataset) for r in reports]),
        ("Profile", [r.profile for r in reports]),
        ("Status", [r.status + (f" ({r.error['kind']})" if r.error else "") for r in reports]),
        ("Execution time", [f"{format_duration(r.headline['execution_time_s'])} ({r.headline['kind']})" for r in reports]),
        ("Inference time", [format_duration(r.headline["inference_time_s"]) for r in reports]),
        ("Steady step", [format_duration(r.timing.get("steady_step_s")) for r in reports]),
        ("First step", [format_duration(r.timing.get("first_step_s")) for r in reports]),
        ("Verdict", [comparison.verdict(r).text for r in reports]),
        ("Run", [r.run_id for r in reports]),
    ]
    return rows


class CompareView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.reports: list[RunReport] = []
        self.hint = QLabel("Select two or more runs on the Results tab and press “Compare selected”. "
                           "Reports from other machines come in through File → Import report….")
        self.hint.setWordWrap(True)
        self.table = QTableWidget()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.chart = pg.PlotWidget()
        self.chart.setBackground("w")
        self.chart.setMenuEnabled(False)
        self.chart.setLabel("left", "execution time (s)")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.chart)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(split, 1)

    def set_candidates(self, reports: list[RunReport]) -> None:
        ids = {r.run_id for r in self.reports}
        fresh = [r for r in reports if r.run_id in ids]
        if fresh:
            self.show_reports(fresh)

    def show_reports(self, reports: list[RunReport]) -> None:
        self.reports = list(reports)
        rows = compare_rows(self.reports)
        self.table.clear()
        self.table.setRowCount(len(rows))
        self.table.setColumnCount(len(self.reports))
        self.table.setHorizontalHeaderLabels([f"Run {i + 1}" for i in range(len(self.reports))])
        self.table.setVerticalHeaderLabels([name for name, _ in rows])
        for i, (_, values) in enumerate(rows):
            for j, v in enumerate(values):
                self.table.setItem(i, j, QTableWidgetItem(str(v)))
        self.chart.clear()
        vals = [r.headline["execution_time_s"] or 0.0 for r in self.reports]
        x = np.arange(len(vals))
        self.chart.addItem(pg.BarGraphItem(x=x, height=vals, width=0.6, brush="#1f77b4"))
        self.chart.getAxis("bottom").setTicks([[(i, f"Run {i + 1}") for i in range(len(vals))]])

