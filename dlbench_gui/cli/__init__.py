"""The command line: the same engine as the window, headless, for servers and scripts. `main` runs one
sub-command (commands.py) from the arguments (args.py) and turns every way out into one line and an exit code."""

from __future__ import annotations

import os
import sys
import time

from ..core.config import ConfigError
from ..core.errors import WorkFailed
from ..core.store.report import ReportError
from ..core.store.storage import DiskFullError, is_disk_full
from ..core.store.storage import logs_dir
from .args import UsageError, build_parser
from ..core.store.contract import one_line
from .commands import cmd_card, cmd_export, cmd_history, cmd_hw, cmd_import, cmd_maxbatch, cmd_models, cmd_run, cmd_validate


def say(prefix: str, text: object) -> None:
    print(f"dlbench: {prefix}: {one_line(text)}", file=sys.stderr)


def encodable_output() -> None:
    """Whatever stdout and stderr can encode (PYTHONIOENCODING=ascii, LC_ALL=C): a character they cannot is written
    escaped, never an error after the work was done."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):  # not a text stream of io's (a test's capture)
            pass


def main(argv: list[str] | None = None) -> int:
    """Every way out is one line and an exit code: 2 bad arguments or paths, 1 work that failed, 130 interrupted."""
    encodable_output()
    parser = build_parser()
    try:
        a = parser.parse_args(argv)
        if not a.command:
            parser.print_help()
            return 2
        commands = {"run": cmd_run, "models": cmd_models, "hw": cmd_hw, "export": cmd_export, "maxbatch": cmd_maxbatch,
                    "history": cmd_history, "card": cmd_card, "validate": cmd_validate, "import": cmd_import}
        code = commands[a.command](a)
        sys.stdout.flush()  # here, where a reader that has gone is caught, not at the interpreter's exit
        return code
    except BrokenPipeError:
        # whoever read the output has gone (`dlbench history | head -1`): nothing more to say, and no error in that
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (UsageError, ConfigError, ReportError) as exc:
        say("error", exc)
        return 2
    except WorkFailed as exc:
        say("failed", exc)
        return 1
    except OSError as exc:
        where = f" ({exc.filename})" if getattr(exc, "filename", None) and str(exc.filename) not in str(exc.strerror) else ""
        if is_disk_full(exc):  # work that failed (the paths were fine): 1, as for every failed work
            say("failed", exc.strerror if isinstance(exc, DiskFullError) else f"disk full: {exc.strerror}{where}")
            return 1
        say("error", f"{exc.strerror or exc}{where}")
        return 2
    except KeyboardInterrupt:
        print("dlbench: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line here, the traceback in the log
        say("internal error", f"{type(exc).__name__}: {exc}" + _log_traceback())
        return 1


def _log_traceback() -> str:
    import traceback

    try:
        path = logs_dir() / "cli-errors.log"
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"\n===== {time.strftime('%Y-%m-%d %H:%M:%S')}\n{traceback.format_exc()}")
        return f" (details in {path})"
    except OSError:
        return ""


def entry() -> None:
    sys.exit(main())
