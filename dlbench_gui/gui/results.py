"""Results: the table of runs (this session and history), a run's detail and verdict, and its baseline chart."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QDoubleSpinBox, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QSplitter, QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget)

from ..core import comparison
from ..core.config import DATASET_NAMES, MODEL_NAMES
from ..core.durations import format_duration
from ..core.report import RunReport
from ..export.html_report import VERDICT_COLOURS, detail_html

COLUMNS = ["When", "Model", "Dataset", "Profile", "Status", "Execution", "Inference", "Figures", "Error"]


class BaselineChart(pg.PlotWidget):
    """Horizontal bars: this run against each published setup, seconds on a log axis."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.setLabel("bottom", "full-protocol execution time (s, log scale)")
        self.getAxis("left").setStyle(tickTextWidth=210, autoExpandTextSpace=False)
        self.showGrid(x=True, alpha=0.3)
        self.setLogMode(x=True, y=False)
        self.bars: list[tuple[str, float]] = []

    def show_report(self, report: RunReport | None) -> None:
        self.clear()
        self.bars = []
        if report is None:
            return
        h = report.headline
        rows = [(b["label"], float(b["execution_time_s"])) for b in comparison.baseline_for(report.model, report.dataset)
                if b.get("execution_time_s")]
        if h["execution_time_s"] and comparison.comparable(report):
            rows.insert(0, (f"This machine ({h['kind']})", float(h["execution_time_s"])))
        if not rows:
            return
        self.bars = rows
        y = np.arange(len(rows))
        widths = np.log10([max(v, 1.0) for _, v in rows])
        colours = ["#d62728" if i == 0 and rows[0][0].startswith("This") else "#1f77b4" for i in range(len(rows))]
        self.addItem(pg.BarGraphItem(x0=np.zeros(len(rows)), y=y, height=0.6, width=widths, brushes=colours))
        ci = h.get("execution_time_ci95_s")
        if ci and rows[0][0].startswith("This"):
            lo, hi = (np.log10(max(v, 1.0)) for v in ci)
            self.addItem(pg.ErrorBarItem(x=np.array([widths[0]]), y=np.array([0.0]), left=np.array([widths[0] - lo]),
                                         right=np.array([hi - widths[0]]), beam=0.2, pen=pg.mkPen("#333", width=2)))
        for i, (_, v) in enumerate(rows):
            t = pg.TextItem(format_duration(v), color="#222", anchor=(0, 0.5))
            t.setPos(widths[i], i)
            self.addItem(t)
        self.getAxis("left").setTicks([[(i, label) for i, (label, _) in enumerate(rows)]])
        self.setXRange(0, max(widths) * 1.15 + 0.3)
        self.setYRange(-0.6, len(rows) - 0.4)


class ResultsView(QWidget):
    selection_changed = Signal()
    export_requested = Signal(str)  # pdf | csv | json
    compare_requested = Signal()
    import_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.reports: list[RunReport] = []
        self.overall = QLabel()
        self.overall.setWordWrap(True)
        self.overall.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.budget = QDoubleSpinBox()
        self.budget.setRange(0.5, 10_000)
        self.budget.setValue(comparison.DEFAULT_BUDGET_H)
        self.budget.setSuffix(" h per model and dataset")
        self.budget.setToolTip("Time budget for the verdict: a full protocol longer than this is 'not feasible in time'")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAlternatingRowColors(True)
        self.detail = QTextBrowser()
        self.detail.setOpenExternalLinks(False)
        self.chart = BaselineChart()

        buttons = QHBoxLayout()
        for text, fmt in (("Export PDF…", "pdf"), ("Export CSV…", "csv"), ("Export JSON…", "json")):
            b = QPushButton(text)
            b.clicked.connect(lambda _=False, f=fmt: self.export_requested.emit(f))
            buttons.addWidget(b)
        compare = QPushButton("Compare selected")
        compare.setToolTip("Select two or more runs (Ctrl+click), for example from different machines")
        compare.clicked.connect(self.compare_requested)
        imp = QPushButton("Import report…")
        imp.clicked.connect(self.import_requested)
        buttons.addWidget(compare)
        buttons.addWidget(imp)
        buttons.addStretch(1)
        buttons.addWidget(QLabel("Budget:"))
        buttons.addWidget(self.budget)

        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.detail)
        lower.addWidget(self.chart)
        lower.setSizes([500, 500])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setSizes([250, 400])
        layout = QVBoxLayout(self)
        layout.addWidget(self.overall)
        layout.addLayout(buttons)
        layout.addWidget(split, 1)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.budget.valueChanged.connect(lambda _v: self._refresh_verdicts())
        self._refresh_verdicts()

    # ------------------------------------------------------------------ data
    def set_reports(self, reports: list[RunReport]) -> None:
        self.reports = list(reports)
        self.table.setRowCount(0)
        for r in self.reports:
            self._append_row(r)
        self._refresh_verdicts()

    def add_report(self, report: RunReport) -> None:
        self.reports = [r for r in self.reports if r.run_id != report.run_id]
        self.reports.insert(0, report)
        self.set_reports(self.reports)
        self.table.selectRow(0)

    def _append_row(self, r: RunReport) -> None:
        h = r.headline
        row = self.table.rowCount()
        self.table.insertRow(row)
        values = [r.created_at[:16].replace("T", " "), MODEL_NAMES.get(r.model, r.model).split(" — ")[0],
                  DATASET_NAMES.get(r.dataset, r.dataset), r.profile, r.status,
                  format_duration(h["execution_time_s"]), format_duration(h["inference_time_s"]), h["kind"],
                  (r.error or {}).get("title", "") if r.status != "completed" else ""]
        for col, v in enumerate(values):
            item = QTableWidgetItem(v)
            if col == 4 and r.status != "completed":
                item.setForeground(Qt.GlobalColor.darkRed)
            self.table.setItem(row, col, item)

    def selected_reports(self) -> list[RunReport]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self.reports[r] for r in rows if r < len(self.reports)]

    def _selection_changed(self) -> None:
        sel = self.selected_reports()
        r = sel[0] if sel else None
        self.chart.show_report(r)
        self.detail.setHtml(detail_html(r, self.budget.value()) if r else "<p>Select a run to see its detail.</p>")
        self.selection_changed.emit()

    def _refresh_verdicts(self) -> None:
        v = comparison.overall(self.reports, self.budget.value())
        colour = VERDICT_COLOURS[v.level]
        self.overall.setText(f"<span style='font-size:13pt; color:{colour}'><b>{v.text}</b></span><br>"
                             f"<span style='color:#666'>Rule: {v.rule}</span>")
        self._selection_changed()
