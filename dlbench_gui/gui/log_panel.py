"""The worker's log under the tabs: collapsed by default, tailed once a second while a run is in progress."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QPlainTextEdit, QToolButton, QVBoxLayout, QWidget

LOG_TAIL_MS = 1000


class LogPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setMaximumBlockCount(5000)
        self.text.setStyleSheet("font-family: monospace; font-size: 9pt;")
        self.text.setVisible(False)
        self.toggle = QToolButton()
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toggle.setStyleSheet("QToolButton { border: none; color: #444; }")
        self.toggle.toggled.connect(self._shown)
        self._shown(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggle)
        layout.addWidget(self.text)
        self.timer = QTimer(self)
        self.timer.setInterval(LOG_TAIL_MS)
        self.timer.timeout.connect(self.tail)
        self._path: Path | None = None
        self._pos = 0

    def _shown(self, shown: bool) -> None:
        self.text.setVisible(shown)
        self.toggle.setText(("▾" if shown else "▸") + " Log (the worker's output)")

    def follow(self, path: str | None) -> None:
        """Tail this file from its start (a new run's worker log)."""
        self._path, self._pos = (Path(path) if path else None), 0

    def tail(self) -> None:
        path = self._path
        if path is None or not path.is_file():
            return
        try:
            with open(path, "rb") as fh:
                fh.seek(self._pos)
                data = fh.read(200_000)
                self._pos = fh.tell()
        except OSError:
            return
        if data:
            self.text.appendPlainText(data.decode("utf-8", "replace").rstrip("\n"))

    def append(self, line: str) -> None:
        self.text.appendPlainText(line)

    def clear(self) -> None:
        self.text.clear()
