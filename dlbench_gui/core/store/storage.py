"""The one place that writes files (atomically) and knows where dlbench keeps its data."""

from __future__ import annotations

import errno
import json
import math
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

APP_NAME = "dlbench"


class DiskFullError(OSError):
    """Writing failed because the disk (or quota) is full."""


DISK_FULL_ERRNOS = (errno.ENOSPC, getattr(errno, "EDQUOT", 122))  # EDQUOT: not on every system


def is_disk_full(exc: BaseException) -> bool:
    """Did this error come from a disk (or a quota) with no room left, wherever it was raised?"""
    return isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS


class DataDirError(OSError):
    """dlbench's data folder cannot be created or written; the message says which folder and what to do."""


def _root() -> Path:
    home = os.environ.get("DLBENCH_HOME")
    if home:
        return Path(home)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def _made(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
        why = f"{blocker} is a file, not a folder" if blocker is not None else (exc.strerror or str(exc))
        raise DataDirError(exc.errno, f"dlbench's data folder {_root()} cannot be used ({why}); "
                                      "set DLBENCH_HOME to a folder you can write") from None
    return path


def data_dir(create: bool = True) -> Path:
    """Per-user data folder (platformdirs), or $DLBENCH_HOME for tests and portable use. `create=False` only
    names it (for commands such as `dlbench hw` that write nothing)."""
    return _made(_root()) if create else _root()


def check_writable(folder: str | os.PathLike) -> Path:
    """Create `folder` if needed and prove a file can be written in it, before any long work depends on it."""
    path = Path(folder)
    blocking = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise NotADirectoryError(20, f"{blocking} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".dlbench-write-test-", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OSError(exc.errno, f"{path} is not a writable folder ({exc.strerror or exc})") from None
    return path


SUBFOLDERS = ("reports", "runs", "datasets", "maxbatch", "logs")  # what dlbench keeps in its data folder


def check_data_dir() -> Path:
    """The data folder, proven writable, and none of its own folders taken by a file (#33: a file named `datasets`
    or `maxbatch` crashed a run or lost a finished search's answer); a DataDirError with advice otherwise."""
    root = data_dir()
    taken = next((root / name for name in SUBFOLDERS if (root / name).exists() and not (root / name).is_dir()), None)
    if taken is not None:
        raise DataDirError(20, f"dlbench cannot use its data folder {root}: {taken} is a file where dlbench keeps a "
                               "folder; move it away (dlbench makes the folder again)")
    try:
        return check_writable(root / "reports")
    except OSError as exc:
        raise DataDirError(exc.errno, f"dlbench cannot write in its data folder {root}: {exc.strerror}; "
                                      "set DLBENCH_HOME to a folder you can write") from None


def reports_dir() -> Path:
    return _made(data_dir() / "reports")


def runs_dir() -> Path:
    """Per-run working folders: logs, journals, checkpoints."""
    return _made(data_dir() / "runs")


def datasets_dir() -> Path:
    return _made(data_dir() / "datasets")


def logs_dir() -> Path:
    return _made(data_dir() / "logs")


class NotARegularFileError(OSError):
    """The output names something that is neither a file nor absent (a socket, a block device): never replaced."""


def _special_kind(path: Path) -> str | None:
    """What PATH is when it exists and is not a regular file or a folder ('character device', 'pipe', …), else None."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # absent (or unreadable: the write itself will say why)
    for test, kind in ((stat.S_ISCHR, "character device"), (stat.S_ISFIFO, "pipe"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISBLK, "block device")):
        if test(mode):
            return kind
    return None


WRITTEN_THROUGH = ("character device", "pipe")  # an output of these kinds is written into, in place


def _refuse_special(path: Path, kind: str | None) -> None:
    """An output that exists as anything but a regular file, a folder, or a kind written through is refused."""
    if kind is not None and kind not in WRITTEN_THROUGH:
        raise NotARegularFileError(errno.EINVAL, f"{path} is a {kind}, not a file: dlbench writes files and never "
                                                 "replaces anything else")


def check_output_file(path: str | os.PathLike) -> Path:
    """Before any work: PATH can take a file dlbench writes (its folder writable, or a character device (/dev/null, a
    terminal) or a pipe, written through); anything else is refused with the reason."""
    target = Path(path)
    kind = _special_kind(target)
    _refuse_special(target, kind)
    if kind is None:
        check_writable(target.parent)
    return target


def _write_through(target: Path, kind: str, data: bytes) -> Path:
    """Write into a character device or a pipe in place: renaming a file over it would replace it (as root, over
    /dev/null the system's own). A pipe with no reader is refused at once rather than waited on."""
    try:
        fd = os.open(target, os.O_WRONLY | (os.O_NONBLOCK if kind == "pipe" else 0))
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise OSError(exc.errno, f"{target} is a pipe that nobody reads: nothing was written") from None
        raise
    try:
        if kind == "pipe":
            os.set_blocking(fd, True)  # a reader is there: wait for it as a shell pipe would
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    return target


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write to a temporary file beside the target, fsync, then rename: the target is old or new, never half. A
    character device or a pipe is written through, and any other special file refused: neither is ever replaced."""
    target = Path(path)
    kind = _special_kind(target)
    if kind in WRITTEN_THROUGH:
        return _write_through(target, kind, data)
    _refuse_special(target, kind)
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
        if is_disk_full(exc):
            raise DiskFullError(exc.errno, f"disk full while writing {target}") from exc
        raise
    return target


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


# The largest magnitude a report's number may have. No figure a run measures comes near it (a century is 3e9 s, a
# petabyte 1e15 bytes, an exaflop 1e18 FLOP/s), and arithmetic on such figures (a variance squares them; an interval
# multiplies them) cannot overflow a float: 1e200-second repeats did (#33 B4).
MAX_MAGNITUDE = 1e20
# Every byte as what it is to a number: digits as "0", the exponent's "e" and a plus sign as "e" (so that "e+18" shows
# as "ee00": one search finds both forms), the minus sign and the point kept, anything else a space. In that image a number of 10^20 or more shows as 21 digits in a row (a float as Python writes it has at most
# 20 after its point: 0.00012345678901234567; below 1e-4 it takes an exponent) or as an exponent of two digits or more;
# an "e" with digits in a hexadecimal string (a run id, a GPU's UUID) looks the same, so each such exponent is looked
# at where it stands: only one that follows a number's start (after ":", "[", "," or a space) counts.
_NUMBER_SHAPE = bytes(48 if 48 <= b <= 57 else 101 if b in b"eE+" else b if b in b"-." else 32 for b in range(256))
_LONG_RUN = b"0" * 21
_TOKEN_START = frozenset(b":[, \n\t\r")


def _starts_a_number(raw: bytes, shape: bytes, e: int) -> bool:
    """Is the "e" at `e` the exponent of a number literal (its digits and point preceded by a number's start)?"""
    i = e - 1 if e > 0 and shape[e - 1] == 101 else e  # "e+18": the real "e" stands before the plus sign's
    if raw[i:i + 1] not in (b"e", b"E"):
        return False  # a plus sign elsewhere
    e = i
    while i > 0 and shape[i - 1] in b"0.":
        i -= 1
    if i > 0 and raw[i - 1] == 45:  # a minus sign
        i -= 1
    return i < e and (i == 0 or raw[i - 1] in _TOKEN_START)


def may_be_too_large(text: str) -> bool:
    """False when no number literal in `text` can reach MAX_MAGNITUDE (C-speed scans, then a look at each candidate
    exponent: about a tenth of the parse)."""
    raw = text.encode("utf-8", "surrogatepass")
    shape = raw.translate(_NUMBER_SHAPE)
    if _LONG_RUN in shape:
        return True
    e = shape.find(b"e00")
    while e != -1:
        if _starts_a_number(raw, shape, e):
            return True
        e = shape.find(b"e00", e + 1)
    return False


# A report nests 4 to 6 levels deep. Deeper values (a hostile file's: #33 B3) pass the parser and the contract, then
# break the recursive copies and writers (dataclasses.asdict, the indenting encoder) with a RecursionError.
MAX_DEPTH = 64
_BRACKETS = bytes(40 if b in b"[{" else 41 if b in b"]}" else 32 for b in range(256))
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def _depth(data: Any) -> int:
    best, stack = 0, [(data, 1)]
    while stack:
        node, level = stack.pop()
        best = max(best, level)
        items = node.values() if isinstance(node, dict) else node
        stack.extend((v, level + 1) for v in items if isinstance(v, (dict, list)))
    return best if isinstance(data, (dict, list)) else 0


def too_deep(text: str, data: Any) -> bool:
    """Does `data` (parsed from `text`) nest more than MAX_DEPTH levels? C-speed first: the text's brackets alone,
    their innermost pairs removed once per level; a report is gone within a few passes. Only what is left after 16
    (a deep file, or brackets inside its strings) is walked."""
    brackets = text.encode("utf-8", "surrogatepass").translate(_BRACKETS, _NOT_BRACKETS)
    for _ in range(16):
        if not brackets:
            return False
        brackets = brackets.replace(b"()", b"")
    return _depth(data) > MAX_DEPTH


def without_non_finite(data: Any) -> Any:
    """The data with every NaN, infinite or MAX_MAGNITUDE-or-larger number as null: JSON has no NaN or infinity, and a
    reader refuses all three (a diverging run's loss is NaN)."""
    if isinstance(data, float):
        return data if math.isfinite(data) and abs(data) < MAX_MAGNITUDE else None
    if isinstance(data, int) and not isinstance(data, bool) and abs(data) >= MAX_MAGNITUDE:
        return None
    if isinstance(data, dict):
        return {k: without_non_finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [without_non_finite(v) for v in data]
    return data


def json_text(data: Any, **kwargs: Any) -> str:
    """Strict JSON (never NaN or Infinity, nothing of MAX_MAGNITUDE or more, which a reader refuses): the fast path as
    it is, else with such numbers as null."""
    try:
        text = json.dumps(data, allow_nan=False, default=str, **kwargs)
    except ValueError:
        text = None
    except RecursionError:  # nested deeper than the indenting encoder (Python) goes: the compact one (C) goes as deep
        if "indent" not in kwargs:  # as the parser that read it
            raise
        return json_text(data, **{k: v for k, v in kwargs.items() if k != "indent"})
    if text is None or may_be_too_large(text):
        text = json.dumps(without_non_finite(data), allow_nan=False, default=str, **kwargs)
    return text


# An indented file of many small items can be 30 times its compact form (#33 B3: an imported report was re-saved
# 30x larger, and the history then refused it as too large): above this, a report is written compact.
COMPACT_ABOVE_BYTES = 4 * 2**20


def atomic_write_json(path: str | os.PathLike, data: Any) -> Path:
    text = json_text(data, indent=1, sort_keys=False)
    if len(text) > COMPACT_ABOVE_BYTES:
        text = json_text(data)
    return atomic_write_text(path, text + "\n")


def overwrite_in_place(path: str | os.PathLike, data: bytes) -> None:
    """A full disk's last resort: `data` written over the file where it lies, then the rest cut off. Its own blocks
    hold the first bytes, so data no longer than its blocks hold (a 3 KB report has a 4 KB block) needs no new room.
    Not atomic: only for a file that would otherwise stay wrong (a report left `running`)."""
    try:
        with open(path, "r+b") as fh:
            st = os.fstat(fh.fileno())
            if len(data) > max(st.st_size, getattr(st, "st_blocks", 0) * 512):  # more than its blocks hold: it would
                raise OSError(errno.ENOSPC, "no room to write it over itself")  # need room; half-written is worse
            fh.write(data)
            fh.truncate()
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        if is_disk_full(exc):
            raise DiskFullError(exc.errno, f"disk full while writing {path}") from exc
        raise


class Journal:
    """Append-only JSON-lines log of a run's events; each line is flushed and fsynced as it arrives."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "a", encoding="utf-8")

    def append(self, event: dict[str, Any], sync: bool = False) -> None:
        try:
            self._fh.write(json_text(event) + "\n")
            self._fh.flush()
            if sync:
                os.fsync(self._fh.fileno())
        except OSError as exc:
            if is_disk_full(exc):
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
