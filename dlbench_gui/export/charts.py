"""Charts painted with QPainter onto images, for the PDF (no widgets, no display needed)."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

from ..core.durations import format_duration

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


def bar_chart(rows: list[tuple[str, float, bool]], title: str, ci: tuple[float, float] | None = None) -> QImage:
    """Horizontal bars on a log scale of seconds; `rows` are (label, seconds, highlighted)."""
    img, p = _canvas()
    p.drawText(QRectF(0, 0, W, 50), Qt.AlignmentFlag.AlignCenter, title)
    left, right, top = 560, W - 220, 70
    values = [max(v, 1.0) for _, v, _ in rows] + ([ci[1]] if ci else [])
    lo = 0.0
    hi = math.log10(max(values)) * 1.05 + 0.1
    scale = (right - left) / (hi - lo)
    row_h = (H - top - 60) / max(len(rows), 1)
    p.setPen(QPen(QColor("#ccc")))
    for decade in range(0, int(hi) + 1):
        x = left + decade * scale
        p.drawLine(QPointF(x, top), QPointF(x, H - 50))
        p.setPen(QPen(QColor("#666")))
        p.drawText(QRectF(x - 60, H - 48, 120, 40), Qt.AlignmentFlag.AlignCenter, format_duration(10.0 ** decade))
        p.setPen(QPen(QColor("#ccc")))
    for i, (label, v, hl) in enumerate(rows):
        y = top + i * row_h
        width = (math.log10(max(v, 1.0)) - lo) * scale
        p.fillRect(QRectF(left, y + row_h * 0.2, width, row_h * 0.6), QColor("#d62728" if hl else "#1f77b4"))
        p.setPen(QPen(QColor("#222")))
        p.drawText(QRectF(10, y, left - 20, row_h), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
        p.drawText(QRectF(left + width + 10, y, 220, row_h), Qt.AlignmentFlag.AlignVCenter, format_duration(v))
        if hl and ci:
            x0 = left + math.log10(max(ci[0], 1.0)) * scale
            x1 = left + math.log10(max(ci[1], 1.0)) * scale
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
    left, right, top, bottom = 130, w - 40, 70, h - 90
    if not xs or not ys:
        p.drawText(QRectF(0, 0, w, h), Qt.AlignmentFlag.AlignCenter, "no data recorded")
        p.end()
        return img
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y0, y1 = min(ys), max(ys) if max(ys) > min(ys) else min(ys) + 1
    pad = (y1 - y0) * 0.05
    y0, y1 = y_range if y_range else (y0 - pad, y1 + pad)
    sx = lambda x: left + (x - x0) / (x1 - x0) * (right - left)  # noqa: E731
    sy = lambda y: bottom - (y - y0) / (y1 - y0) * (bottom - top)  # noqa: E731
    p.setPen(QPen(QColor("#999"), 2))
    p.drawRect(QRectF(left, top, right - left, bottom - top))
    p.setPen(QPen(QColor("#444")))
    for k in range(5):
        yv = y0 + (y1 - y0) * k / 4
        p.drawText(QRectF(0, sy(yv) - 15, left - 10, 30), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{yv:.3g}")
        xv = x0 + (x1 - x0) * k / 4
        p.drawText(QRectF(sx(xv) - 80, bottom + 5, 160, 30), Qt.AlignmentFlag.AlignCenter, f"{xv:.4g}")
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
        p.drawText(QRectF(left + 20, top + 10 + 32 * i, 600, 30), Qt.AlignmentFlag.AlignLeft, f"— {name}")
    p.end()
    return img
