"""Results: the table of runs (this session and history), a run's detail and verdict, and its baseline chart."""

from __future__ import annotations

from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QScrollArea, QSplitter, QTableWidget, QTableWidgetItem, QTextBrowser,
                               QToolButton, QVBoxLayout, QWidget)

from ..core.measure import comparison, distribution, interference, kernels
from ..core.view import present
from ..core.view.card import Card, card
from ..core.config import DATASET_NAMES, MODEL_NAMES
from ..core.durations import format_duration
from ..core.store.report import RunReport
from ..core.view.ticks import nice_ticks, tick_label, time_ticks
from ..core.view.words import cluster_words, load_words
from ..export.html_report import card_details_html, card_html, detail_html
from .setup_panel import DoubleSpinBox

COLUMNS = ["When", "Model", "Dataset", "Profile", "Precision", "Status", "Execution", "Inference", "Figures",
           "Machine load", "Devices", "Error"]


def grouped(reports: list[RunReport]) -> list[RunReport]:
    """The reports in their order, but a cluster's workers together (chief first) where the first of them stands."""
    groups = distribution.cluster_groups(reports)
    out, placed = [], set()
    for r in reports:
        tag = distribution.of(r).get("cluster_run")
        if tag is None:
            out.append(r)
        elif tag not in placed:
            placed.add(tag)
            out.extend(groups[tag])
    return out


def chart_rows(report: RunReport | None) -> tuple[list[tuple[str, float]], list[float] | None, str]:
    """(bars: this machine first, then each published setup; this machine's 95% interval; what the bars time): a
    model's full protocol, or the simple kernels' total (dense + sparse + convolve2d, as published)."""
    if report is None or report.status != "completed":
        return [], None, ""
    k = report.extra.get("kernels") if isinstance(report.extra.get("kernels"), dict) else None
    if k:
        times = k.get("times_s") or {}
        if not all(times.get(p) for p in kernels.PARTS):
            return [], None, ""
        total = sum(times[p] for p in kernels.PARTS)
        conv = k.get("convolve2d") or {}
        ci = [total - conv["seconds"] + x for x in conv["interval_s"]] if conv.get("interval_s") else None
        rows = [(comparison.short_setup_label(s), float(row["total_published_s"]))
                for s, row in sorted((k.get("comparison") or {}).items())]
        return [(f"This machine ({conv.get('how', 'measured')})", total), *rows], ci, "simple kernels, in all"
    h = report.headline
    if not (h["execution_time_s"] and comparison.comparable(report)):
        return [], None, ""
    rows = [(comparison.short_setup_label(b["setup"]), float(b["execution_time_s"]))
            for b in comparison.baseline_for(report.model, report.dataset) if b.get("execution_time_s")]
    return [(f"This machine ({h['kind']})", float(h["execution_time_s"])), *rows], h.get("execution_time_ci95_s"), \
        "full protocol"


class BaselineChart(pg.PlotWidget):
    """Horizontal bars: this run against each published setup, on a linear time axis in a readable unit with
    round ticks; each setup's bar says how many times faster than this machine it is."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.getAxis("left").setStyle(tickTextWidth=190, autoExpandTextSpace=False)
        self.showGrid(x=True, alpha=0.3)
        self.bars: list[tuple[str, float]] = []
        self.labels: list[str] = []  # the text beside (or inside) each bar, as drawn
        self.axis_ticks: list[float] = []  # the time axis' ticks, in its unit
        self.label_items: list[pg.TextItem] = []
        self.hint = pg.TextItem("", color="#57606a", anchor=(0.5, 0.5))

    def show_report(self, report: RunReport | None) -> None:
        self.clear()
        self.bars, self.labels = [], []
        rows, ci, what = chart_rows(report)
        if rows:
            self.getViewBox().invertY(True)  # this machine on top
        if not rows:
            self._show_hint(report)
            return
        self.bars = rows
        for axis in ("left", "bottom"):
            self.getPlotItem().showAxis(axis)
        self.showGrid(x=True, alpha=0.3)
        unit, size, ticks = time_ticks(max([v for _, v in rows] + ([ci[1]] if ci else [])))
        values = np.array([v / size for _, v in rows])
        y = np.arange(len(rows))
        colours = ["#d62728" if i == 0 else "#1f77b4" for i in range(len(rows))]
        self.addItem(pg.BarGraphItem(x0=np.zeros(len(rows)), y=y, height=0.6, width=values, brushes=colours))
        if ci:
            lo, hi = ci[0] / size, ci[1] / size
            self.addItem(pg.ErrorBarItem(x=np.array([values[0]]), y=np.array([0.0]), left=np.array([values[0] - lo]),
                                         right=np.array([hi - values[0]]), beam=0.2, pen=pg.mkPen("#333", width=2)))
        mine = rows[0][1]
        self.label_items, self._short = [], []
        for i, (_, v) in enumerate(rows):
            text = format_duration(v)
            self._short.append(text)
            if i > 0:
                text += f" ({mine / v:.1f}x faster)" if mine > v else f" ({v / mine:.1f}x slower)"
            t = pg.TextItem(text, color="#222", anchor=(0, 0.5))
            self.addItem(t)
            self.label_items.append(t)
            self.labels.append(text)
        self.labels_full = list(self.labels)
        self._values, self._unit, self._size = values, unit, size
        self._ends = values.copy()  # where each bar's drawing ends: this machine's at its interval's top
        if ci:
            self._ends[0] = max(values[0], ci[1] / size)
        self.getAxis("left").setTicks([[(i, label) for i, (label, _) in enumerate(rows)]])
        widest = max(QFontMetrics(self.getAxis("left").font()).horizontalAdvance(label) for label, _ in rows)
        self.getAxis("left").setStyle(tickTextWidth=widest + 12)  # every setup's name whole
        self.getAxis("left").setWidth(widest + 24)
        self.setLabel("bottom", f"{what} ({unit})")
        self.setYRange(-0.6, len(rows) - 0.4)
        self._layout()

    def _show_hint(self, report: RunReport | None) -> None:
        """Guidance instead of blank axes: what to select, or why this run has nothing to compare."""
        self.getAxis("left").setTicks([[]])
        self.getAxis("bottom").setTicks([[]])
        self.setLabel("bottom", "")
        self.hint.setText("Select a completed quick or full run to compare it with the published RTX setups."
                          if report is None or report.status == "completed" else
                          "This run did not complete: nothing to compare.")
        self.addItem(self.hint)
        for axis in ("left", "bottom"):
            self.getPlotItem().hideAxis(axis)
        self.showGrid(x=False)
        self.setXRange(0, 1)
        self.setYRange(0, 1)
        self.hint.setPos(0.5, 0.5)

    def _layout(self) -> None:
        """Every label whole at the current width. A bar's label goes beside it, and the x range grows to make room
        (up to twice the longest bar); where that is not enough, a long bar carries its time inside, in white,
        and a short one keeps only its time. The drawn text is in `labels`. Ticks stay at round values."""
        if not getattr(self, "bars", None):  # (Qt resizes before __init__ has set it)
            return
        px = max(self.getViewBox().width(), 60.0)
        metrics = QFontMetrics(self.font())
        top = float(max(self._ends))
        reach = top
        placed = []
        for i, end in enumerate(self._ends):
            for text in (self.labels_full[i], self._short[i]):
                room = px - metrics.horizontalAdvance(text) - 16  # pixels left for the bar beside its label
                if room > 0 and end * px / room <= 2 * top:
                    reach = max(reach, end * px / room)
                    placed.append((text, False))
                    break
            else:
                placed.append((self._short[i], True))
        ticks = nice_ticks(0.0, reach)
        self.labels = []
        for i, (t, (text, inside)) in enumerate(zip(self.label_items, placed)):
            t.setText(text)
            self.labels.append(text)
            if inside:
                t.setColor("w")
                t.setAnchor((1, 0.5))
                t.setPos(self._values[i] - 0.01 * reach, i)
            else:
                t.setColor("#222")
                t.setAnchor((0, 0.5))
                t.setPos(self._ends[i] + 0.01 * reach, i)
        self.axis_ticks = [t for t in ticks if t <= reach * 1.0001]  # the time axis' ticks, in its unit
        self.getAxis("bottom").setTicks([[(t, tick_label(t)) for t in self.axis_ticks]])
        self.setXRange(0, reach * 1.02, padding=0)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._layout()


class ResultCard(QFrame):
    """The first thing on the Results tab: the badge, one plain sentence, what to do, the interval and any warning.
    The runs it stands on, the runs not counted and the rule are one click away ("Why?")."""

    changed = Signal(object)  # the core Card shown

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.card: Card | None = None
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setVisible(False)
        self.why = QToolButton()
        self.why.setText("Why this verdict?")
        self.why.setCheckable(True)
        self.why.setToolTip("The runs the verdict stands on, the runs not counted, and the rule")
        self.why.toggled.connect(self.details.setVisible)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.body)
        layout.addWidget(self.why, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.details)

    def show_card(self, c: Card) -> None:
        self.card = c
        self.body.setText(card_html(c, details=False))
        self.details.setText(card_details_html(c))
        self.changed.emit(c)


def runs_table() -> QTableWidget:
    """Every run, one row each, several selectable (Ctrl+click) for Compare and the exports."""
    table = QTableWidget(0, len(COLUMNS))
    table.setHorizontalHeaderLabels(COLUMNS)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setAlternatingRowColors(True)
    return table


class ResultsView(QWidget):
    selection_changed = Signal()
    export_requested = Signal(str)  # pdf | csv | json
    compare_requested = Signal()
    import_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.reports: list[RunReport] = []
        self.first_run_s: float | None = None  # how long a first quick run would take: the empty card says so
        self.pending: list[str] = []  # the running session's runs still to come: the card is preliminary
        self.card = ResultCard()
        self.repeats = QLabel()  # the last session's repeated runs combined, when there were any
        self.repeats.setWordWrap(True)
        self.repeats.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.repeats.setVisible(False)
        self.budget = DoubleSpinBox()
        self.budget.setRange(0.5, 10_000)
        self.budget.setValue(comparison.DEFAULT_BUDGET_H)
        self.budget.setSuffix(" h")
        self.budget.setToolTip("Time budget for the verdict: a full protocol longer than this is 'not feasible in time'")
        self.table = runs_table()
        self.detail = QTextBrowser()
        self.detail.setOpenExternalLinks(False)
        self.chart = BaselineChart()

        buttons = QHBoxLayout()
        for text, fmt in (("Export PDF…", "pdf"), ("Export CSV…", "csv"), ("Export JSON…", "json")):
            b = QPushButton(text)
            b.setToolTip("Export what the card above stands on (every run it names); File → Export selected… "
                         "(Ctrl+E) exports the rows selected in the table")
            b.clicked.connect(lambda _=False, f=fmt: self.export_requested.emit(f))
            buttons.addWidget(b)
        compare = QPushButton("Compare selected")
        compare.setToolTip("Select two or more runs (Ctrl+click), for example from different machines")
        compare.clicked.connect(self.compare_requested)
        imp = QPushButton("Import report…")
        imp.clicked.connect(self.import_requested)
        buttons.addStretch(1)
        more = QHBoxLayout()  # a second row: nothing is clipped on a 1024-pixel-wide screen
        more.addWidget(compare)
        more.addWidget(imp)
        more.addStretch(1)
        more.addWidget(QLabel("Time budget per model and dataset:"))
        more.addWidget(self.budget)

        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.detail)
        lower.addWidget(self.chart)
        lower.setSizes([500, 500])
        # On a short screen (1024x700) nothing may be cut or squeezed to one row: the card scrolls inside its own
        # area, and a splitter shares the height between it, the table and the detail (each can be dragged).
        card_area = QScrollArea()
        card_area.setWidget(self.card)
        card_area.setWidgetResizable(True)
        card_area.setFrameShape(QFrame.Shape.NoFrame)
        card_area.setMinimumHeight(90)
        controls = QWidget()
        box = QVBoxLayout(controls)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.repeats)
        box.addLayout(buttons)
        box.addLayout(more)
        top = QWidget()
        top_box = QVBoxLayout(top)
        top_box.setContentsMargins(0, 0, 0, 0)
        top_box.addWidget(card_area, 1)
        top_box.addWidget(controls)
        self.table.setMinimumHeight(80)  # a few rows at least, with the header
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setChildrenCollapsible(False)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setStretchFactor(2, 3)
        split.setSizes([340, 150, 340])  # in proportion: the card, the table, the detail and the chart
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.budget.valueChanged.connect(lambda _v: self._refresh_verdicts())
        self._refresh_verdicts()

    # ------------------------------------------------------------------ data
    def set_reports(self, reports: list[RunReport]) -> None:
        self.reports = grouped(reports)
        self.table.setRowCount(0)
        groups = {id(r): g for g in distribution.cluster_groups(self.reports).values() for r in g}
        for r in self.reports:
            self._append_row(r, groups.get(id(r)))
        self._refresh_verdicts()

    def add_report(self, report: RunReport) -> None:
        self.reports = [r for r in self.reports if r.run_id != report.run_id]
        self.reports.insert(0, report)
        self.set_reports(self.reports)
        self.table.selectRow(0)

    def _append_row(self, r: RunReport, cluster: list[RunReport] | None = None) -> None:
        h = r.headline
        row = self.table.rowCount()
        self.table.insertRow(row)
        values = [r.created_at[:16].replace("T", " "), MODEL_NAMES.get(r.model, r.model).split(" — ")[0],
                  DATASET_NAMES.get(r.dataset, r.dataset), r.profile, r.config.get("precision") or "float32", r.status,
                  format_duration(h["execution_time_s"]), format_duration(h["inference_time_s"]),
                  "—" if h["kind"] == "none" else h["kind"],
                  load_words((r.findings or {}).get("interference")),
                  distribution.short_label(r) or "1",
                  (r.error or {}).get("title", "") if r.status != "completed" else ""]
        for col, v in enumerate(values):
            item = QTableWidgetItem(v)
            name = COLUMNS[col]
            if name == "Devices" and cluster:  # the cluster's reports sit together; each says how its workers ended
                item.setToolTip(cluster_words(cluster))
            if (name == "Status" and r.status != "completed") or (name == "Machine load" and interference.interfered(r)):
                item.setForeground(Qt.GlobalColor.darkRed)
            self.table.setItem(row, col, item)

    def card_reports(self) -> list[RunReport]:
        """The runs the card stands on, newest first, as the table lists them (the card's export covers them)."""
        ids = set(self.card.card.stands_on) if self.card.card is not None else set()
        return [r for r in self.reports if r.run_id in ids]

    def selected_reports(self) -> list[RunReport]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self.reports[r] for r in rows if r < len(self.reports)]

    def _selection_changed(self) -> None:
        sel = self.selected_reports()
        r = sel[0] if sel else None
        self.chart.show_report(r)
        self.detail.setHtml(detail_html(r, self.budget.value()) if r else "<p>Select a run to see its detail.</p>")
        self.selection_changed.emit()

    def show_repeats(self, groups: list[list[RunReport]]) -> None:
        """Repeated runs of one setup combined into a mean with its interval; in red when they disagree."""
        if not groups:
            self.repeats.setVisible(False)
            return
        parts = []
        for g in groups:
            text = present.repeat_summary(g)
            colour = "#cf222e" if "DISAGREE" in text else "#333"
            title = f"{MODEL_NAMES.get(g[0].model, g[0].model).split(' — ')[0]} on {DATASET_NAMES.get(g[0].dataset)}"
            body = "<br>".join(escape(line.strip()) for line in text.splitlines())
            parts.append(f"<p style='color:{colour}'><b>Repeated runs, {escape(title)}:</b><br>{body}</p>")
        self.repeats.setText("".join(parts))
        self.repeats.setVisible(True)

    def set_first_run_estimate(self, seconds: float | None) -> None:
        self.first_run_s = seconds
        self._refresh_verdicts()

    def set_pending(self, pending: list[str]) -> None:
        self.pending = list(pending)
        self._refresh_verdicts()

    def _refresh_verdicts(self) -> None:
        self.card.show_card(card(self.reports, self.budget.value(), self.first_run_s, self.pending))
        self._selection_changed()
