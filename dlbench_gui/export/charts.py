"""Charts painted with QPainter onto images, for the PDF (no widgets, no display needed)."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

from ..core.durations import format_duration
from ..core.view.ticks import nice_ticks, tick_label, time_ticks

W, H = 1600, 700
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]


def _canvas(w: int = W, h: int = H) -> tuple[QImage, QPainter]:
    img = QImage(w, h, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    f = QFont()
    f.setPixelSize(26)
    p.setFont(f)
    return img, p


def _fits(p: QPainter, text: str, width: float) -> str:
    """The text as it will be drawn in `width` pixels: whole, or elided with "…" (never cut mid-glyph)."""
    return p.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(width))


def bar_chart(rows: list[tuple[str, float, bool]], title: str, ci: tuple[float, float] | None = None) -> QImage:
    """Horizontal bars on a linear time axis in a readable unit (s, min, h or d) with round ticks; `rows` are
    (label, seconds, highlighted). Each bar carries its time, and the others say how many times faster than the
    highlighted one they are, so 27x slower reads as 27x, not as 1.5x longer on a log scale."""
    img, p = _canvas()
    p.drawText(QRectF(0, 0, W, 50), Qt.AlignmentFlag.AlignCenter, title)
    left, right, top, bottom = 480, W - 40, 70, H - 90
    top_value = max([v for _, v, _ in rows] + ([ci[1]] if ci else []) + [1.0])
    unit, size, ticks = time_ticks(top_value)
    scale = (right - left) / (ticks[-1] * size)
    row_h = (bottom - top) / max(len(rows), 1)
    mine = next((v for _, v, hl in rows if hl), None)
    for tick in ticks:
        x = left + tick * size * scale
        p.setPen(QPen(QColor("#ddd")))
        p.drawLine(QPointF(x, top), QPointF(x, bottom))
        p.setPen(QPen(QColor("#555")))
        p.drawText(QRectF(x - 70, bottom + 4, 140, 34), Qt.AlignmentFlag.AlignCenter, tick_label(tick))
    p.drawText(QRectF(left, bottom + 40, right - left, 40), Qt.AlignmentFlag.AlignCenter,
               f"full-protocol execution time ({unit})")
    metrics = p.fontMetrics()
    for i, (label, v, hl) in enumerate(rows):
        y = top + i * row_h
        width = max(v, 0.0) * scale
        p.fillRect(QRectF(left, y + row_h * 0.2, width, row_h * 0.6), QColor("#d62728" if hl else "#1f77b4"))
        p.setPen(QPen(QColor("#222")))
        p.drawText(QRectF(10, y, left - 20, row_h), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                   _fits(p, label, left - 20))
        text = format_duration(v)
        if mine and not hl and v > 0:
            text += f" ({mine / v:.1f}x faster)" if mine > v else f" ({v / mine:.1f}x slower)"
        end = left + (max(width, ci[1] * scale) if hl and ci else width)  # past the interval's whisker
        room_after = right - end - 10
        if metrics.horizontalAdvance(text) <= room_after:  # beside the bar
            p.drawText(QRectF(end + 10, y, room_after, row_h), Qt.AlignmentFlag.AlignVCenter, text)
        else:  # inside it, in white, from its start: a long bar leaves no room beside it, and the whisker is at its end
            p.setPen(QPen(QColor("white")))
            p.drawText(QRectF(left + 10, y, max(width - 20, 0), row_h),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, _fits(p, text, width - 20))
        if hl and ci:
            x0, x1 = left + ci[0] * scale, left + ci[1] * scale
            p.setPen(QPen(QColor("#222"), 4))
            p.drawLine(QPointF(x0, y + row_h / 2), QPointF(x1, y + row_h / 2))
            p.drawLine(QPointF(x0, y + row_h * 0.3), QPointF(x0, y + row_h * 0.7))
            p.drawLine(QPointF(x1, y + row_h * 0.3), QPointF(x1, y + row_h * 0.7))
    p.end()
    return img


def line_chart(series: list[tuple[str, list[float], list[float]]], title: str, x_label: str, y_label: str,
               w: int = W, h: int = H, y_range: tuple[float, float] | None = None) -> QImage:
    img, p = _canvas(w, h)
    p.drawText(QRectF(0, 0, w, 50), Qt.AlignmentFlag.AlignCenter, title)
    xs = [x for _, sx, _ in series for x in sx]
    ys = [y for _, _, sy in series for y in sy if y is not None and math.isfinite(y)]
    left, right, top, bottom = 130, w - 40, 110, h - 90
    if not xs or not ys:
        p.drawText(QRectF(0, 0, w, h), Qt.AlignmentFlag.AlignCenter, "no data recorded")
        p.end()
        return img
    x_ticks = nice_ticks(min(xs), max(xs), integer=all(float(x).is_integer() for x in xs))
    y_ticks = nice_ticks(*(y_range or (min(ys), max(ys))))
    x0, x1 = x_ticks[0], x_ticks[-1]
    y0, y1 = y_ticks[0], y_ticks[-1]
    sx = lambda x: left + (x - x0) / (x1 - x0) * (right - left)  # noqa: E731
    sy = lambda y: bottom - (y - y0) / (y1 - y0) * (bottom - top)  # noqa: E731
    p.setPen(QPen(QColor("#999"), 2))
    p.drawRect(QRectF(left, top, right - left, bottom - top))
    p.setPen(QPen(QColor("#444")))
    for yv in y_ticks:
        p.drawText(QRectF(0, sy(yv) - 15, left - 10, 30), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                   tick_label(yv))
    for xv in x_ticks:
        p.drawText(QRectF(sx(xv) - 80, bottom + 5, 160, 30), Qt.AlignmentFlag.AlignCenter, tick_label(xv))
    p.drawText(QRectF(left, h - 50, right - left, 40), Qt.AlignmentFlag.AlignCenter, x_label)
    p.save()
    p.translate(25, (top + bottom) / 2)
    p.rotate(-90)
    p.drawText(QRectF(-200, -20, 400, 40), Qt.AlignmentFlag.AlignCenter, y_label)
    p.restore()
    for i, (name, sxs, sys_) in enumerate(series):
        colour = QColor(COLOURS[i % len(COLOURS)])
        p.setPen(QPen(colour, 3))
        pts = [QPointF(sx(x), sy(y)) for x, y in zip(sxs, sys_) if y is not None and math.isfinite(y)]
        for a, b in zip(pts, pts[1:]):
            p.drawLine(a, b)
        if len(pts) < 40:
            for pt in pts:
                p.drawEllipse(pt, 5, 5)
        # the legend sits above the plot, never on the data
        p.drawText(QRectF(left + 260 * i, 56, 250, 40), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   _fits(p, f"— {name}", 250))
    p.end()
    return img
