"""Help → About: the versions that matter for a benchmark, and where the data lives."""

from __future__ import annotations

from importlib import metadata
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from .. import __version__
from ..core import frameworks
from ..core.store.storage import data_dir

# every framework of the registry (core/frameworks.py) with its own parts, then the rest
DISTRIBUTIONS = (*(d for f in frameworks.OFFERED for d in f.distributions), "keras", "PySide6-Essentials", "pyqtgraph",
                 "psutil", "nvidia-ml-py", "numpy")


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


HOW_IT_MEASURES = (
    "<h3>How dlbench measures</h3>"
    "<p><b>What runs.</b> The two published Keras models (a modified VGG19 and a concatenated Xception + ResNet152V2) "
    "train on MNIST and Fashion-MNIST resized to 32×32×3, batch 64, Adam 1e-3; execution time is training plus "
    "validation, inference time is a cold load of the saved model plus prediction. Each benchmark runs in a child "
    "process of its own, so an out-of-memory error ends that process, not the window, and is reported as such.</p>"
    "<p><b>Quick estimate.</b> The first step (graph tracing, or compiling) is timed apart, the warm-up steps are dropped, and steady "
    "steps are measured until their mean is known to ±2% (or the Quick budget, a cap, is spent); then a validation "
    "sample, a checkpoint save and the first steps of a new epoch. The full 100-epoch protocol is estimated from "
    "those parts with a 95% interval that also covers the machine's spread between runs.</p>"
    "<p><b>The verdict</b> compares the full-protocol time (estimated or measured) with the four published RTX "
    "setups, in float32 as published; runs in another precision or on JAX are labelled. A run during which other "
    "programs took more than 5% of the machine is marked unreliable.</p>"
    "<p><b>Simple kernels</b>: the authors' quicker test (dense and sparse matrix products on the CPU, a small "
    "network on the GPU), with a verdict of its own.</p>"
    "<p>Every figure is saved in a JSON report that says which figures were measured and which estimated.</p>")


def show_text(parent: QWidget, title: str, html: str) -> None:
    """A help text in a window of its own that does not block the main one (Help menu)."""
    box = QMessageBox(QMessageBox.Icon.Information, title, html, QMessageBox.StandardButton.Close, parent)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setModal(False)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()
