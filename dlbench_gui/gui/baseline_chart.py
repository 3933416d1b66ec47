"""The Results tab's chart: this machine's full-protocol time (or the simple kernels' total) against the four
published setups, every label whole at the current width."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtGui import QFontMetrics

from ..core.durations import format_duration
from ..core.measure import comparison, kernels
from ..core.store.report import RunReport
from ..core.view.ticks import nice_ticks, tick_label, time_ticks


def chart_rows(report: RunReport | None) -> tuple[list[tuple[str, float]], list[float] | None, str]:
    """(bars: this machine first, then each published setup; this machine's 95% interval; what the bars time): a
    model's full protocol, or the simple kernels' total (dense + sparse + convolve2d, as published)."""
    if report is None or report.status != "completed":
        return [], None, ""
    k = report.kernels
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
            else:  # inside the bar if it is wide enough for its time (at the widest range); beside it otherwise,
                # the range growing as far as it must (inside a too-short bar it ran out past the axis at 1024x700)
                short = self._short[i]
                room = px - metrics.horizontalAdvance(short) - 16
                inside = self._values[i] * px / (2 * top) >= metrics.horizontalAdvance(short) + 8 or room <= 0
                if not inside:
                    reach = max(reach, end * px / room)
                placed.append((short, inside))
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
        if hasattr(self, "hint"):  # the guidance wraps to the chart's width (at 1024x700 it ran past both edges)
            self.hint.setTextWidth(max(120, self.width() - 40))
        self._layout()
        # the view box takes its new width only after this event: lay the labels out again once it has (a label
        # measured against the old width ran past the right edge on a 1024-pixel screen)
        QTimer.singleShot(0, self._layout)
