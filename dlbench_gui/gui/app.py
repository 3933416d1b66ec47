"""Starts the desktop application."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0], *(argv or [])])
    app.setApplicationName("dlbench")
    app.setOrganizationName("dlbench")
    window = MainWindow()
    window.show()
    return app.exec()


def entry() -> None:
    sys.exit(main(sys.argv[1:]))
