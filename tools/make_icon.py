"""Draws resources/dlbench.png (256 px) and resources/dlbench.ico: a bar chart rising past a baseline.

Run once after changing the design: `QT_QPA_PLATFORM=offscreen .venv/bin/python tools/make_icon.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPainterPath, QPen

ROOT = Path(__file__).resolve().parents[1]


def draw(size: int = 256) -> QImage:
    img = QImage(size, size, QImage.Format_ARGB32)
    img.fill(Qt.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.Antialiasing)
    s = size / 256
    bg = QPainterPath()
    bg.addRoundedRect(QRectF(8 * s, 8 * s, 240 * s, 240 * s), 44 * s, 44 * s)
    p.fillPath(bg, QColor("#1f3a5f"))
    bars = [(40, 150), (92, 110), (144, 70), (196, 36)]  # x, top
    colours = ["#5fa8d3", "#62b6cb", "#8fd694", "#f9c74f"]
    for (x, top), colour in zip(bars, colours):
        path = QPainterPath()
        path.addRoundedRect(QRectF(x * s, top * s, 36 * s, (212 - top) * s), 6 * s, 6 * s)
        p.fillPath(path, QColor(colour))
    pen = QPen(QColor("#ffffff"), 8 * s, Qt.DashLine, Qt.RoundCap)
    p.setPen(pen)
    p.drawLine(int(28 * s), int(124 * s), int(228 * s), int(124 * s))  # the baseline to beat
    p.end()
    return img


def main() -> int:
    QGuiApplication.instance() or QGuiApplication(sys.argv)
    out = ROOT / "resources"
    if not draw(256).save(str(out / "dlbench.png")):
        return 1
    return 0 if draw(256).save(str(out / "dlbench.ico")) else 1


if __name__ == "__main__":
    sys.exit(main())
