"""The left column: what this machine is (the setup, what to run, is setup_panel.py), in a column that scrolls."""

from __future__ import annotations

import re
from importlib import metadata
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFormLayout, QGroupBox, QLabel, QScrollArea, QVBoxLayout, QWidget)

from ..core import accelerators, frameworks
from ..core.backend_choice import backend_of
from ..core.view.present import NA, hardware_rows
from ..core.view.words import devices_seen_words


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def scroll_column(*widgets: QWidget, min_width: int = 330) -> QScrollArea:
    """Widgets stacked in a column that scrolls vertically when the window is short."""
    inner = QWidget()
    layout = QVBoxLayout(inner)
    for w in widgets:
        layout.addWidget(w)
    scroll = QScrollArea()
    scroll.setWidget(inner)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    # never narrower than its content's minimum (nothing clipped), plus the vertical scroll bar's width
    bar = scroll.verticalScrollBar().sizeHint().width()
    scroll.setMinimumWidth(max(min_width, inner.minimumSizeHint().width() + bar + 2 * scroll.frameWidth()))
    return scroll


class MachinePanel(QGroupBox):
    """Hardware facts read without TensorFlow; what only TensorFlow knows fills in with a child's first event.
    Collapsible (its title's check box), so that a small screen keeps room for the setup."""

    def __init__(self, hw: dict[str, Any], parent=None):
        super().__init__("This machine", parent)
        self.hw = hw
        self.setCheckable(True)
        self.setChecked(True)
        self.setToolTip("Show or hide the hardware details")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 4, 6, 4)
        self.summary = QLabel(hardware_summary(hw))
        self.summary.setWordWrap(True)
        self.summary.setVisible(False)
        self.summary.setStyleSheet("QLabel { color: #333; }")  # readable although the unchecked box disables it
        self.body = QWidget()
        outer.addWidget(self.summary)
        outer.addWidget(self.body)
        self.toggled.connect(self._toggled)
        self.form = QFormLayout(self.body)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.labels: dict[str, QLabel] = {}
        for key, text in hardware_rows(hw):
            label = self._row(key, text)
            if key == "GPU":  # none found
                label.setStyleSheet("color: #b35900; font-weight: bold;")
            elif key == "Power":
                label.setStyleSheet("color: #b35900;")
        for f in frameworks.OFFERED:
            self._row(f.label, _version(f.module))
        self._row("Keras", _version("keras"))
        self._row("Devices", "known when a run starts")

    def _toggled(self, open_: bool) -> None:
        self.body.setVisible(open_)
        self.summary.setVisible(not open_)
        self.body.setEnabled(True)  # a checkable group box greys its children out; these are only hidden

    def _row(self, key: str, text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form.addRow(f"{key}:", label)
        self.labels[key] = label
        return label

    def _drivable_by(self, framework: str) -> bool:
        """Does this machine have an accelerator that `framework` has a route to (so seeing none is news)? One
        listed without its routes (injected facts of the older shape) counts as drivable."""
        return any(r.get("framework") == framework and r.get("route")
                   for a in accelerators.of(self.hw.get("gpu"))
                   for r in a.get("frameworks") or [{"framework": framework, "route": "unknown"}])

    def update_from_worker(self, software: dict[str, Any]) -> None:
        """The devices the run's framework sees (the child's hello), and its versions."""
        devices = software.get("backend_devices") or software.get("tf_devices") or []
        framework = frameworks.label(backend_of(software))
        text = ", ".join(d["name"].replace("/physical_device:", "") for d in devices) or NA
        label = self.labels["Devices"]
        label.setText(f"{text} ({framework})")
        if not any(d["type"] == "GPU" for d in devices) and self._drivable_by(framework):
            label.setStyleSheet("color: #b00; font-weight: bold;")
            label.setText(f"{text}\n{framework} sees no GPU although one is installed: it trains on the CPU")
        for f in frameworks.OFFERED:
            self.labels[f.label].setText(software.get(f.name, self.labels[f.label].text()))
        self.labels["Keras"].setText(software.get("keras", self.labels["Keras"].text()))

    def show_framework_devices(self, seen: dict[str, Any]) -> None:
        """Each installed framework's row: its version and the devices it sees (Run → Check which devices each
        framework sees)."""
        for name, s in seen.items():
            row = self.labels.get(frameworks.label(name))
            if row is not None:
                started = s.get("installed") and not s.get("error")
                row.setText(f"{s.get('version')}, sees {devices_seen_words(s)}" if started else devices_seen_words(s))

    def text_of(self, key: str) -> str:
        return self.labels[key].text()


def hardware_summary(hw: dict[str, Any]) -> str:
    """One line for the collapsed panel: CPU threads, RAM, GPU."""
    rows = dict(hardware_rows(hw))
    gpus = [v.split(",")[0] for k, v in rows.items() if re.fullmatch(r"GPU \d+", k)]
    ram = rows.get("RAM", "").split(" total")[0]
    threads = (hw.get("cpu") or {}).get("logical_cores")
    return f"{threads or '?'} CPU threads, {ram} RAM, " + (", ".join(gpus) if gpus else "no GPU found")
