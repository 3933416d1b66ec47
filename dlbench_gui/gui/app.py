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
    if os.environ.get("DLBENCH_REPORT_SHOWN"):  # used by benchmarks/gui_perf.py to time the start-up
        from PySide6.QtCore import QTimer
        import time

        def shown():
            print(f"shown {time.time():.3f}", file=sys.stderr, flush=True)
            if os.environ["DLBENCH_REPORT_SHOWN"] == "exit":
                window.close()

        QTimer.singleShot(0, shown)
    return app.exec()


def entry() -> None:
    sys.exit(main(sys.argv[1:]))
