"""Results: the table of runs (this session and history), a run's detail and verdict, and its baseline chart."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QScrollArea, QSplitter, QTableWidget, QTableWidgetItem, QTextBrowser,
                               QToolButton, QVBoxLayout, QWidget)

from ..core import frameworks
from ..core.frameworks import backend_of
from ..core.measure import comparison, distribution, interference, repeats
from ..core.view import present
from ..core.view.card import Card, card
from ..core.config import DATASET_NAMES, MODEL_NAMES
from ..core.durations import format_duration
from ..core.store.report import RunReport
from ..core.view.words import cluster_words, load_words
from ..export.html_report import card_details_html, card_head_html, card_more_html, detail_html
from .baseline_chart import BaselineChart
from .setup_panel import DoubleSpinBox

LOWER_MIN_PX = 150  # the run's detail and its chart keep at least this height when the card takes room

COLUMNS = ["When", "Model", "Dataset", "Profile", "Precision", "Backend", "Status", "Execution", "Inference", "Figures",
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


def text_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ResultCard(QFrame):
    """The first thing on the Results tab: the badge, one plain sentence, the interval and any warning (its head,
    kept whole without scrolling), then what to do. The runs it stands on, the runs not counted and the rule are one
    click away ("Why?")."""

    changed = Signal(object)  # the core Card shown

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.card: Card | None = None
        self.head, self.body, self.details = (text_label() for _ in range(3))  # the essentials, the rest, "Why?"
        self.details.setVisible(False)
        self.why = QToolButton()
        self.why.setText("Why this verdict?")
        self.why.setCheckable(True)
        self.why.setToolTip("The runs the verdict stands on, the runs not counted, and the rule")
        self.why.toggled.connect(self.details.setVisible)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.head)
        layout.addWidget(self.body)
        layout.addWidget(self.why, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.details)
        layout.addStretch(1)  # a taller area than the card needs leaves the room below it, not between its parts

    def show_card(self, c: Card) -> None:
        self.card = c
        self.head.setText(card_head_html(c))
        self.body.setText(card_more_html(c))
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
        self.repeats = text_label()  # the repeated runs the card stands on, combined, when there are any
        self.repeats.setVisible(False)
        self.budget = DoubleSpinBox()
        self.budget.setRange(*comparison.BUDGET_RANGE_H)
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
        self.split = self._arrange(buttons, more, lower)
        layout = QVBoxLayout(self)
        layout.addWidget(self.split, 1)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.card.changed.connect(lambda _c: QTimer.singleShot(0, self._fit_card))
        self.budget.valueChanged.connect(lambda _v: self._refresh_verdicts())
        self._refresh_verdicts()

    def _arrange(self, buttons: QHBoxLayout, more: QHBoxLayout, lower: QSplitter) -> QSplitter:
        """On a short screen (1024x700) nothing may be cut or squeezed to one row: the card scrolls inside its own
        area, and a splitter shares the height between it, the table and the detail (each can be dragged)."""
        self.card_area = card_area = QScrollArea()
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
        return split

    def _fit_card(self) -> None:
        """The card's essentials (badge, sentence, interval, warning) whole without scrolling (#33: at 1024x700 the
        card had 175 px and cut its interval line): its area grows to the end of them, the height taken from the
        detail and chart below, then from the table, neither below its least (LOWER_MIN_PX, the table's minimum)."""
        head = self.card.head
        short = head.geometry().top() + head.heightForWidth(head.width()) + 4 - self.card_area.viewport().height()
        if short <= 0 or head.width() <= 0:
            return
        top, table, lower = self.split.sizes()
        from_lower = min(short, max(0, lower - LOWER_MIN_PX))
        from_table = min(short - from_lower, max(0, table - self.table.minimumHeight()))
        self.split.setSizes([top + from_lower + from_table, table - from_table, lower - from_lower])

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        QTimer.singleShot(0, self._fit_card)  # once the card's area has its new size

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
        self.card_area.verticalScrollBar().setValue(0)  # a new result is read from the card's top

    def _append_row(self, r: RunReport, cluster: list[RunReport] | None = None) -> None:
        h = r.headline
        row = self.table.rowCount()
        self.table.insertRow(row)
        values = [r.created_at[:16].replace("T", " "), MODEL_NAMES.get(r.model, r.model).split(" — ")[0],
                  DATASET_NAMES.get(r.dataset, r.dataset), r.profile, r.precision,
                  frameworks.label(backend_of(r.software)) + comparison.compiled_words(r), r.status,
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
        shown = card(self.reports, self.budget.value(), self.first_run_s, self.pending)
        self.card.show_card(shown)
        self.show_repeats(repeats.standing_sets(self.reports, shown.stands_on))
        self._selection_changed()
