"""The log under the tabs, collapsed by default. It shows dlbench's own messages (the data source chosen and why,
phases, warnings, errors); the worker's raw output (TensorFlow's) is behind "Show TensorFlow output", tailed once a
second while a run is in progress, with the known harmless noise left out."""

from __future__ import annotations

import re
import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPlainTextEdit, QToolButton, QVBoxLayout, QWidget

LOG_TAIL_MS = 1000

# Lines TensorFlow prints on every start that say nothing about this run. Each is harmless where it appears:
# cuInit fails on a machine without an NVIDIA driver (the app says so itself), and the rest are banners.
HARMLESS = [re.compile(p) for p in (
    r"cuInit|CUDA_ERROR_NO_DEVICE|failed call to cuInit|Could not find cuda drivers|cuda_executor|cudart_stub",
    r"Unable to register cu(DNN|FFT|BLAS) factory|computation placer already registered",
    r"oneDNN custom operations are on|TF_ENABLE_ONEDNN_OPTS",
    r"This TensorFlow binary is optimized to use available CPU instructions",
    r"To enable the following instructions|rebuild TensorFlow with the appropriate compiler flags",
    r"All log messages before absl::InitializeLog\(\) is called are written to STDERR",
    r"TF-TRT Warning: Could not find TensorRT",
    r"Downloading data from https://storage\.googleapis\.com",  # dlbench says whether it worked
)]


def harmless(line: str) -> bool:
    return any(p.search(line) for p in HARMLESS)


def tensorflow_text(raw: str) -> str:
    """The worker's output without the known noise (kept lines unchanged)."""
    return "\n".join(line for line in raw.splitlines() if line.strip() and not harmless(line))


class LogPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.text = QPlainTextEdit()  # dlbench's own messages
        self.raw = QPlainTextEdit()  # the worker's output, filtered
        for view in (self.text, self.raw):
            view.setReadOnly(True)
            view.setMaximumBlockCount(5000)
            view.setStyleSheet("font-family: monospace; font-size: 9pt;")
            view.setVisible(False)
        self.toggle = QToolButton()
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toggle.setStyleSheet("QToolButton { border: none; color: #444; }")
        self.show_raw = QCheckBox("Show TensorFlow output")
        self.show_raw.setToolTip("The worker process's own output, without TensorFlow's harmless start-up noise")
        self.show_raw.setVisible(False)
        self.toggle.toggled.connect(self._shown)
        self.show_raw.toggled.connect(lambda _on: self._shown(self.toggle.isChecked()))
        head = QHBoxLayout()
        head.addWidget(self.toggle)
        head.addStretch(1)
        head.addWidget(self.show_raw)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.text)
        layout.addWidget(self.raw)
        self.timer = QTimer(self)
        self.timer.setInterval(LOG_TAIL_MS)
        self.timer.timeout.connect(self.tail)
        self._path: Path | None = None
        self._pos = 0
        self._partial = b""
        self._shown(False)

    def _shown(self, shown: bool) -> None:
        raw = self.show_raw.isChecked()
        self.text.setVisible(shown and not raw)
        self.raw.setVisible(shown and raw)
        self.show_raw.setVisible(shown)
        self.toggle.setText(("▾" if shown else "▸") + " Log")

    def follow(self, path: str | None) -> None:
        """Tail this file from its start (a new run's worker log)."""
        self._path, self._pos, self._partial = (Path(path) if path else None), 0, b""

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
        data = self._partial + data
        whole, _, self._partial = data.rpartition(b"\n")  # a line half written waits for its end
        text = tensorflow_text(whole.decode("utf-8", "replace"))
        if text:
            self.raw.appendPlainText(text)

    def append(self, line: str) -> None:
        """One of dlbench's own messages, with the time."""
        self.text.appendPlainText(f"{time.strftime('%H:%M:%S')}  {line}")

    def clear(self) -> None:
        self.text.clear()
        self.raw.clear()
