"""Entry point: `--worker` runs a benchmark child, a sub-command runs the CLI, nothing opens the window."""

import multiprocessing
import sys


def main() -> int:
    multiprocessing.freeze_support()  # first thing: the frozen executable is also the worker
    args = sys.argv[1:]
    if args[:1] == ["--worker"]:
        from .bench.worker.main import main as worker_main

        return worker_main()
    if args and (not args[0].startswith("-") or args[0] in ("-h", "--help", "--version")):
        from .cli import main as cli_main  # a word is a CLI sub-command (or a mistyped one: a clear error)

        return cli_main(args)
    from .gui.app import main as gui_main

    return gui_main(args)


if __name__ == "__main__":
    sys.exit(main())
