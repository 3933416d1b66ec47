"""GUI: windows, panels, live plots, and the QThread that drives the runner. Never imports TensorFlow."""

import html
import os

# pyqtgraph picks its Qt binding when first imported: this package uses PySide6 only. Set once, here, before any
# module of the package imports pyqtgraph.
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")


def as_text(text: str) -> str:
    """Text from files and reports for a Qt label or message box, which would take anything that looks like HTML
    as HTML: escaped and marked as rich text, so it shows exactly as written."""
    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"
