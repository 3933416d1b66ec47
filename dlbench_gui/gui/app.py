"""Starts the desktop application.

The GUI writes a small log (`<data dir>/logs/gui.log`, also to stderr): start, window shown, event loop
running, and any uncaught exception with its traceback, so a crash on somebody's desktop leaves a trace and
the packaged app's smoke test can check that the frozen GUI really reached its main loop.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import time
from typing import Callable

log = logging.getLogger("dlbench.gui")


def _setup_logging() -> None:
    from ..core.store.storage import logs_dir

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


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2: never a usage dump or a traceback
        print(f"dlbench-gui: error: {message}", file=sys.stderr)
        raise SystemExit(2)


MAX_TIMER_S = (2**31 - 1) // 1000  # Qt's timers take milliseconds in a signed 32-bit int: about 24.8 days


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds, 0 or more: {text!r}")
    if value > MAX_TIMER_S:  # #33 B4: it raised inside the event loop
        raise argparse.ArgumentTypeError(f"must be at most {MAX_TIMER_S:,} seconds (24 days, the longest timer Qt "
                                         f"has): {text!r}")
    return value


def parse_options(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """The window's own options; the rest goes to Qt (e.g. -platform). --help prints them and exits."""
    p = _Parser(prog="dlbench-gui", description="Open the dlbench window (the same engine runs headless as `dlbench`; "
                "`dlbench --help` lists its commands).", epilog="Other arguments go to Qt, e.g. -platform offscreen.")
    p.add_argument("--settings", metavar="INI", help="keep the window's settings in this file")
    p.add_argument("--quit-after", type=_seconds, metavar="SECONDS",
                   help="close the window this long after its event loop starts (the packaged app's smoke test)")
    p.add_argument("--print-shown", action="store_true",
                   help="print 'shown <unix time>' on stderr once the event loop runs (start-up benchmark)")
    return p.parse_known_args(argv)


def no_display_reason(qt_args: list[str], environ=os.environ, platform: str = sys.platform) -> str | None:
    """Why no window can open here (Linux without DISPLAY or WAYLAND_DISPLAY, and no Qt platform named), in one line;
    None where one can. Said before anything is written: Qt's own xcb failure would abort with a core dump."""
    if not platform.startswith("linux") or environ.get("QT_QPA_PLATFORM") or "-platform" in qt_args:
        return None
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return ("dlbench-gui: no display here (neither DISPLAY nor WAYLAND_DISPLAY is set): run the benchmark from the "
            "command line (dlbench run; dlbench --help), or set QT_QPA_PLATFORM=offscreen for a window nobody sees")


def main(argv: list[str] | None = None, *, quit_after_s: float | None = None,
         on_shown: Callable[[], None] | None = None, settings_path: str | None = None) -> int:
    """Open the window. `quit_after_s` closes it that long after the event loop starts; `on_shown` runs once the
    loop runs; both also come from the command line (--quit-after, --print-shown)."""
    opts, qt_args = parse_options(list(argv or []))
    reason = no_display_reason(qt_args)
    if reason:
        print(reason, file=sys.stderr)
        return 2
    quit_after_s = quit_after_s if quit_after_s is not None else opts.quit_after
    settings_path = settings_path or opts.settings
    if on_shown is None and opts.print_shown:
        def on_shown() -> None:
            print(f"shown {time.time():.3f}", file=sys.stderr, flush=True)
    _setup_logging()
    from .. import __version__

    log.info("dlbench %s starting (python %s, frozen=%s)", __version__, sys.version.split()[0],
             bool(getattr(sys, "frozen", False)))
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow
    from .settings import Settings

    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("dlbench")
    app.setOrganizationName("dlbench")
    window = MainWindow(settings=Settings(settings_path))
    window.show()
    log.info("main window shown (platform %s)", app.platformName())

    def loop_running() -> None:
        from ..core import frameworks

        log.info("event loop running (ML frameworks imported: %s)",
                 [f.module for f in frameworks.OFFERED if f.module in sys.modules] or "none")
        if on_shown is not None:
            on_shown()
        if quit_after_s is not None:
            QTimer.singleShot(int(quit_after_s * 1000), window.close)

    QTimer.singleShot(0, loop_running)
    code = app.exec()
    log.info("event loop left with code %s", code)
    return code


def entry() -> None:
    sys.exit(main(sys.argv[1:]))
