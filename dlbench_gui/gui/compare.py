"""Compare: two or more saved reports (for example from different machines) side by side: a table labelled by date,
machine and status, ratios to the first selected run, and a bar chart of the completed runs on a readable time axis."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core import frameworks
from ..core.backend_choice import backend_label, backend_of
from ..core.config import DATASET_NAMES, MODEL_NAMES
from ..core.durations import format_bytes, format_duration
from ..core.measure import comparison, kernels
from ..core.store.report import RunReport
from ..core.view.ticks import nice_ticks, tick_label, time_unit
from ..core.view.words import load_words, ratio_words

EMPTY_HINT = ("Select two or more runs on the Results tab (Ctrl+click) and press “Compare selected”. "
              "Reports from other machines come in through Import report… in the File menu.")


def run_label(r: RunReport, status: bool = True) -> str:
    """A column's name on short lines (a column of four fits at 1024x700): when, which machine and how it ended, and
    the framework where it is not the published one; a bar's name: the same without how it ended."""
    host = (r.hardware or {}).get("hostname") or "unknown machine"
    backend = backend_label(r.software).strip(" ()")
    lines = [r.created_at[:16].replace("T", " "), f"{host} · {r.status}" if status else host]
    return "\n".join(lines + ([backend] if backend else []))


def compare_rows(reports: list[RunReport]) -> list[tuple[str, list[str]]]:
    def hw(r, *path):
        cur = r.hardware
        for p in path:
            cur = (cur or {}).get(p) if isinstance(cur, dict) else None
        return cur

    def timed(r):
        return r.headline["execution_time_s"] if r.status == "completed" else None

    # the reference: the first run that completed (a cancelled or failed one has no time to divide by)
    ref = next((i for i, r in enumerate(reports) if timed(r)), None)
    first = timed(reports[ref]) if ref is not None else None

    def interval(r):
        ci = r.headline.get("execution_time_ci95_s")
        return f"{format_duration(ci[0])} – {format_duration(ci[1])}" if ci and r.status == "completed" else "—"

    return [
        ("Machine", [hw(r, "hostname") or "?" for r in reports]),
        ("CPU", [hw(r, "cpu", "brand") or "?" for r in reports]),
        ("GPU", [hw(r, "gpu", "summary") or "?" for r in reports]),
        ("RAM", [format_bytes(hw(r, "memory", "total_bytes")) for r in reports]),
        ("Model", [MODEL_NAMES.get(r.model, r.model) for r in reports]),
        ("Dataset", [DATASET_NAMES.get(r.dataset, r.dataset) for r in reports]),
        ("Profile", [r.profile for r in reports]),
        ("Backend", [backend_cell(r) for r in reports]),
        ("Precision", [r.precision + ("" if r.precision == "float32" else " (the published figures are float32)")
                       for r in reports]),
        ("Status", [r.status + (f" ({r.error['kind']})" if r.error and r.error.get("kind") != r.status else "")
                    for r in reports]),
        ("Execution time", [f"{format_duration(timed(r))} ({r.headline['kind']})" if timed(r) else "— (not completed)"
                            for r in reports]),
        ("95% interval", [interval(r) for r in reports]),
        ("Against the first completed run", ["reference" if i == ref else ratio_words(timed(r), first)
                                             for i, r in enumerate(reports)]),
        ("Inference time", [format_duration(r.headline["inference_time_s"]) for r in reports]),
        ("Steady step", [format_duration(r.timing.get("steady_step_s")) for r in reports]),
        ("First step", [format_duration(r.timing.get("first_step_s")) for r in reports]),
        ("Machine load", [load_words((r.findings or {}).get("interference")) or "not measured"
                          for r in reports]),
        ("Verdict", [comparison.verdict(r).text for r in reports]),
        *kernels_rows(reports),
        ("Run", [r.run_id for r in reports]),
    ]


def backend_cell(r: RunReport) -> str:
    """The framework that ran (with its compiled variant), and the label a comparison with the baseline carries."""
    f = frameworks.get(backend_of(r.software))
    compiled = comparison.compiled_words(r)
    published = f is frameworks.PUBLISHED and not compiled
    return f.label + compiled + ("" if published else f" (the published figures are {frameworks.PUBLISHED.label} runs)")


def kernels_rows(reports: list[RunReport]) -> list[tuple[str, list[str]]]:
    """The simple kernels' parts and their verdict against Setup 1, where any selected run is of the kernels."""
    found = [r.kernels for r in reports]
    if not any(found):
        return []

    def part(k, name):
        t = ((k or {}).get("times_s") or {}).get(name)
        ratio = (((k or {}).get("comparison") or {}).get("setup-1") or {}).get("ratio", {}).get(name)
        return f"{format_duration(t)} ({ratio:,.2f}x Setup 1)" if t is not None and ratio else "—"

    return [*((f"Simple kernels: {name}", [part(k, name) for k in found]) for name in kernels.PARTS),
            ("Simple kernels: verdict", [kernels.verdict(k) if k else "—" for k in found])]


class CompareView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.reports: list[RunReport] = []
        self.bars: list[tuple[str, float]] = []  # what the chart shows: (label, seconds), completed runs only
        self.hint = QLabel(EMPTY_HINT)
        self.hint.setWordWrap(True)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # _fit_columns sizes them
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

        self.chart = pg.PlotWidget()
        self.axis_ticks: list[float] = []  # the chart's time ticks, in its unit
        self.chart.setBackground("w")
        self.chart.setMenuEnabled(False)
        self.chart.setMouseEnabled(False, False)
        self.chart.showGrid(y=True, alpha=0.3)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.table)
        self.split.addWidget(self.chart)
        self.split.setSizes([500, 300])
        self.split.setVisible(False)  # until there is something to compare: the hint says what to do
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.split, 1)

    def set_candidates(self, reports: list[RunReport]) -> None:
        ids = {r.run_id for r in self.reports}
        fresh = [r for r in reports if r.run_id in ids]
        if fresh:
            self.show_reports(fresh)

    def show_reports(self, reports: list[RunReport]) -> None:
        self.reports = list(reports)
        rows = compare_rows(self.reports)
        ref = next((r for r in self.reports if r.status == "completed"), None)
        to = (f"ratios are to the first completed one ({run_label(ref).splitlines()[0]})" if ref is not None
              else "none completed, so there are no ratios")
        self.hint.setText(f"{len(self.reports)} runs; {to}. Runs that did not complete are in the table, not in the "
                          "chart.")
        self.split.setVisible(True)
        self.table.clear()
        self.table.setRowCount(len(rows))
        self.table.setColumnCount(len(self.reports))
        labels = [run_label(r) for r in self.reports]
        self.table.setHorizontalHeaderLabels(labels)
        header = self.table.horizontalHeader()  # never narrower than its name: the table scrolls sideways instead
        self._min_column = max(header.fontMetrics().horizontalAdvance(line) for label in labels
                               for line in label.splitlines()) + 16
        self.table.setVerticalHeaderLabels([name for name, _ in rows])
        for i, (_, values) in enumerate(rows):
            for j, v in enumerate(values):
                item = QTableWidgetItem(str(v))
                item.setToolTip(str(v))
                self.table.setItem(i, j, item)
        self._fit_columns()
        self._chart()

    def _fit_columns(self) -> None:
        """The columns share the table's width, none narrower than its name (then the table scrolls sideways), and
        each row as tall as its wrapped cells need at those widths: nothing cut, nothing elided."""
        n = self.table.columnCount()
        if not n:
            return
        width = max(getattr(self, "_min_column", 0), self.table.viewport().width() // n)
        for j in range(n):
            self.table.setColumnWidth(j, width)
        self.table.resizeRowsToContents()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        QTimer.singleShot(0, self._fit_columns)  # once the table has its new width

    def showEvent(self, event) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self._fit_columns)

    def _chart(self) -> None:
        self.chart.clear()
        self.label_positions: list[tuple[int, float]] = []  # where each bar's label sits (chart units)
        done = [r for r in self.reports if r.status == "completed" and r.headline["execution_time_s"]]
        # each bar named on two short lines (when; which machine), so four or more fit side by side at 1024x700
        self.bars = [(run_label(r, status=False), float(r.headline["execution_time_s"])) for r in done]
        if not self.bars:
            self.chart.setTitle("No completed run among the selected ones: nothing to chart")
            return
        top = max([v for _, v in self.bars] + [r.headline["execution_time_ci95_s"][1] for r in done
                                                if r.headline.get("execution_time_ci95_s")])
        unit, size = time_unit(top)
        x = np.arange(len(self.bars))
        heights = np.array([v / size for _, v in self.bars])
        self.chart.addItem(pg.BarGraphItem(x=x, height=heights, width=0.6, brush="#1f77b4"))
        for i, r in enumerate(done):
            ci = r.headline.get("execution_time_ci95_s")
            above = heights[i]  # the label sits above the bar and above its interval, never struck through
            if ci:
                self.chart.addItem(pg.ErrorBarItem(x=np.array([i]), y=np.array([heights[i]]), beam=0.15,
                                                   bottom=np.array([heights[i] - ci[0] / size]),
                                                   top=np.array([ci[1] / size - heights[i]]), pen=pg.mkPen("#333", width=2)))
                above = max(above, ci[1] / size)
            label = pg.TextItem(format_duration(self.bars[i][1]), color="#222", anchor=(0.5, 1))
            label.setPos(i, above)
            self.label_positions.append((i, above))
            self.chart.addItem(label)
        ticks = nice_ticks(0.0, top / size * 1.25)  # room above the highest interval for its label
        self.chart.setTitle(f"Execution time of the completed runs ({unit})")
        self.axis_ticks = ticks  # the time axis' ticks, in its unit
        self.chart.getAxis("left").setTicks([[(t, tick_label(t)) for t in ticks]])
        self.chart.setLabel("left", f"execution time ({unit})")
        bottom = self.chart.getAxis("bottom")
        bottom.setTicks([[(i, label) for i, (label, _) in enumerate(self.bars)]])
        lines = max(label.count("\n") + 1 for label, _ in self.bars)  # room for every line of the names
        bottom.setHeight(QFontMetrics(bottom.style.get("tickFont") or self.chart.font()).lineSpacing() * lines + 14)
        self.chart.setYRange(0, ticks[-1], padding=0)
        self.chart.setXRange(-0.6, len(self.bars) - 0.4, padding=0)
