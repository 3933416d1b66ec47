"""Help → About: the versions that matter for a benchmark, and where the data lives."""

from __future__ import annotations

from importlib import metadata
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from .. import __version__
from ..core.store.storage import data_dir

DISTRIBUTIONS = ("tensorflow", "keras", "PySide6-Essentials", "pyqtgraph", "psutil", "nvidia-ml-py", "numpy")


def show_about(parent: QWidget, hardware: dict[str, Any]) -> None:
    versions = []
    for dist in DISTRIBUTIONS:
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} (not installed)")
    QMessageBox.about(parent, "About dlbench",
                      f"<h3>dlbench {__version__}</h3><p>Is this machine good enough for deep-learning work? "
                      "dlbench runs the published two-model Keras protocol (MNIST, Fashion-MNIST) and compares "
                      "it with four published RTX setups.</p><p>" + "<br>".join(versions) +
                      f"<br>Python {hardware['os'].get('python')}</p><p>Data: {data_dir(create=False)}</p>")
