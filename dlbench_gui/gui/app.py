"""Starts the desktop application.

The GUI writes a small log (`<data dir>/logs/gui.log`, also to stderr): start, window shown, event loop
running, and any uncaught exception with its traceback, so a crash on somebody's desktop leaves a trace and
the packaged app's smoke test can check that the frozen GUI really reached its main loop.
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger("dlbench.gui")


def _setup_logging() -> None:
    from ..core.storage import logs_dir

    root = logging.getLogger("dlbench")
    if root.handlers:
        return
    root.setLevel(logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = []
    try:
        path = logs_dir() / "gui.log"
        if path.exists() and path.stat().st_size > 1_000_000:  # keep one old log, never grow without bound
            path.replace(path.with_suffix(".log.1"))
        handlers.append(logging.FileHandler(path, encoding="utf-8"))
    except OSError:  # an unwritable data folder must not stop the window from opening
        pass
    if sys.stderr is not None:  # a windowed frozen app on Windows has no stderr
        handlers.append(logging.StreamHandler(sys.stderr))
    for h in handlers:
        h.setFormatter(fmt)
        root.addHandler(h)

    previous = sys.excepthook

    def excepthook(kind, value, tb):
        log.critical("uncaught exception", exc_info=(kind, value, tb))
        previous(kind, value, tb)

    sys.excepthook = excepthook


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    _setup_logging()
    from .. import __version__

    log.info("dlbench %s starting (python %s, frozen=%s)", __version__, sys.version.split()[0],
             bool(getattr(sys, "frozen", False)))
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0], *(argv or [])])
    app.setApplicationName("dlbench")
    app.setOrganizationName("dlbench")
    window = MainWindow()
    window.show()
    log.info("main window shown (platform %s)", app.platformName())
    quit_after = os.environ.get("DLBENCH_QUIT_AFTER_S")  # smoke tests: prove the loop runs, then leave

    def loop_running():
        log.info("event loop running (tensorflow imported: %s)", "tensorflow" in sys.modules)
        if os.environ.get("DLBENCH_REPORT_SHOWN"):  # used by benchmarks/gui_perf.py to time the start-up
            import time

            print(f"shown {time.time():.3f}", file=sys.stderr, flush=True)
            if os.environ["DLBENCH_REPORT_SHOWN"] == "exit":
                window.close()
        if quit_after:
            QTimer.singleShot(int(float(quit_after) * 1000), window.close)

    QTimer.singleShot(0, loop_running)
    code = app.exec()
    log.info("event loop left with code %s", code)
    return code


def entry() -> None:
    sys.exit(main(sys.argv[1:]))
