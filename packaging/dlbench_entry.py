"""PyInstaller's entry script: the frozen `dlbench` is the GUI (no arguments), the CLI and the worker."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # first thing, before anything else is imported or run
    from dlbench_gui.__main__ import main

    sys.exit(main())
