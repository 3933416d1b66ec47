"""The one place that writes files (atomically) and knows where dlbench keeps its data."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

APP_NAME = "dlbench"


class DiskFullError(OSError):
    """Writing failed because the disk (or quota) is full."""


def _root() -> Path | None:
    home = os.environ.get("DLBENCH_HOME")
    return Path(home) if home else None


def data_dir() -> Path:
    """Per-user data folder (platformdirs), or $DLBENCH_HOME for tests and portable use."""
    root = _root()
    if root is None:
        import platformdirs

        root = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    root.mkdir(parents=True, exist_ok=True)
    return root


def reports_dir() -> Path:
    path = data_dir() / "reports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def runs_dir() -> Path:
    """Per-run working folders: logs, journals, checkpoints."""
    path = data_dir() / "runs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def datasets_dir() -> Path:
    path = data_dir() / "datasets"
    path.mkdir(parents=True, exist_ok=True)
    return path


def logs_dir() -> Path:
    path = data_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write to a temporary file beside the target, fsync, then rename: the target is old or new, never half."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if exc.errno in (28, 122):  # ENOSPC, EDQUOT
            raise DiskFullError(exc.errno, f"disk full while writing {target}") from exc
        raise
    return target


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, data: Any) -> Path:
    return atomic_write_text(path, json.dumps(data, indent=1, sort_keys=False, default=str) + "\n")


class Journal:
    """Append-only JSON-lines log of a run's events; each line is flushed and fsynced as it arrives."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "a", encoding="utf-8")

    def append(self, event: dict[str, Any], sync: bool = False) -> None:
        try:
            self._fh.write(json.dumps(event, default=str) + "\n")
            self._fh.flush()
            if sync:
                os.fsync(self._fh.fileno())
        except OSError as exc:
            if exc.errno in (28, 122):
                raise DiskFullError(exc.errno, f"disk full while writing {self.path}") from exc
            raise

    def close(self) -> None:
        try:
            self._fh.close()
        except OSError:
            pass


def read_journal(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Events of a journal; a torn last line (the process died mid-write) is dropped."""
    events = []
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    events.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
    except FileNotFoundError:
        pass
    return events
