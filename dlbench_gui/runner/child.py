"""The one place that starts worker children: spawn, read their events, stop them, make sure they are gone."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, ClassVar, Mapping

from ..core.wire import events as ev
from ..core.wire.request import worker_command

# POSIX: each child leads its own process group, so a stop reaches anything it started and a terminal's Ctrl+C
# (sent to the foreground group) reaches only the parent, which then stops the child on purpose. Windows has no
# process groups or SIGKILL: there the portable Popen.terminate/kill are used.
PROCESS_GROUPS = hasattr(os, "killpg") and hasattr(signal, "SIGKILL")


# What the user's environment may hold that would break a worker rather than describe it: warnings turned into errors
# (PYTHONWARNINGS=error made every child "crash" on a framework's harmless deprecation warning), an interactive prompt
# at exit (PYTHONINSPECT: the child would wait on its stdin for ever), the development mode's warnings.
CHILD_ENV_DROPPED = ("PYTHONWARNINGS", "PYTHONINSPECT", "PYTHONDEVMODE")


def child_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The worker's environment: the user's, less what breaks a child, with its events unbuffered and in UTF-8."""
    env = {k: v for k, v in environ.items() if k not in CHILD_ENV_DROPPED}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"  # its log lines whatever the locale (LC_ALL=C, PYTHONIOENCODING=ascii)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    return env


def live_children() -> list["ChildProcess"]:
    return ChildProcess.live()


class ChildProcess:
    """One worker child. Events arrive on a queue filled by a reader thread; stderr goes to the log file.

    The class keeps the children this process started and has not closed yet (`live()`), so that none outlives it:
    `stop_all` at exit, `kill_all` on a second Ctrl+C."""

    _started: ClassVar[set["ChildProcess"]] = set()
    _started_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def live(cls) -> list["ChildProcess"]:
        with cls._started_lock:
            return [c for c in cls._started if c.poll() is None]

    def __init__(self, request: dict[str, Any], log_path: str | os.PathLike, command: list[str] | None = None):
        self.log_path = Path(log_path)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")
        self._log.write(f"\n===== {time.strftime('%H:%M:%S')} worker task={request.get('task')}\n".encode())
        self._log.flush()
        env = child_environment(os.environ)
        # A fresh interpreter, never a fork of a process that may hold TensorFlow or Qt state.
        separate = ({"start_new_session": True} if PROCESS_GROUPS
                    else {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)})
        self.proc = subprocess.Popen(
            command or worker_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            env=env, cwd=os.getcwd(), **separate,
        )
        with ChildProcess._started_lock:
            ChildProcess._started.add(self)
        self.started_at = time.monotonic()
        self.hello: ev.Hello | None = None  # its first words, kept by the runner (a shared child says them once)
        self.last_event_at = self.started_at
        self.events: queue.Queue[ev.Event | None] = queue.Queue()
        self._stop_sent = False
        self._reader = threading.Thread(target=self._read, daemon=True, name=f"child-{self.proc.pid}-reader")
        self._reader.start()
        try:
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the child died at once; the reader will see EOF and the exit status says why

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self) -> None:
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            try:
                event = ev.from_json(line)
            except ev.WireError as exc:  # logged, never fatal: the child's own words stay in its log
                self._log.write(f"dlbench: ignored a malformed line from the child ({exc})\n".encode())
                self._log.flush()
                continue
            self.last_event_at = time.monotonic()
            self.events.put(event)
        self.events.put(None)  # end of stream

    def next_event(self, timeout: float) -> ev.Event | None:
        """The next event; None at end of stream; raises queue.Empty after `timeout` seconds without one."""
        return self.events.get(timeout=timeout)

    def send(self, line: str) -> None:
        """One command line to the child (ev.NEXT_COMMAND); a child that is gone is found by the reader."""
        try:
            self.proc.stdin.write((line + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass

    def request_stop(self) -> None:
        """Ask politely: the child stops at the next batch and reports `cancelled`."""
        if self._stop_sent or self.poll() is not None:
            return
        self._stop_sent = True
        try:
            self.proc.stdin.write((ev.STOP_COMMAND + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass

    def poll(self) -> int | None:
        return self.proc.poll()

    def wait(self, timeout: float | None = None) -> int | None:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def _terminate(self) -> None:
        try:
            if PROCESS_GROUPS:
                os.killpg(self.proc.pid, signal.SIGTERM)
            else:
                self.proc.terminate()
        except (ProcessLookupError, PermissionError, OSError):
            pass

    def _kill(self) -> None:
        try:
            if PROCESS_GROUPS:
                os.killpg(self.proc.pid, signal.SIGKILL)  # grandchildren, if any, go with it
            elif self.proc.poll() is None:
                self.proc.kill()
        except (ProcessLookupError, PermissionError, OSError):
            pass

    def stop(self, grace_s: float = 3.0, term_s: float = 3.0) -> int | None:
        """Polite stop, then terminate (SIGTERM to the process group), then kill: the child never outlives this call."""
        if self.poll() is None:
            self.request_stop()
            if self.wait(grace_s) is None:
                self._terminate()
                if self.wait(term_s) is None:
                    self._kill()
                    self.wait(10)
        self.close()
        return self.poll()

    def kill(self) -> None:
        self._kill()
        self.wait(10)
        self.close()

    def close(self) -> None:
        if self.poll() is None:
            return
        self._kill()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except (OSError, ValueError, RuntimeError):
                # RuntimeError: a second Ctrl+C's handler closing the stdin that the first one was still flushing
                # ("reentrant call inside BufferedWriter"); the child is killed already, its pipe goes with it
                pass
        self._reader.join(timeout=2)
        try:
            self._log.close()
        except OSError:
            pass
        with ChildProcess._started_lock:
            ChildProcess._started.discard(self)

    def stderr_tail(self, nbytes: int = 20_000) -> str:
        try:
            with open(self.log_path, "rb") as fh:
                fh.seek(0, 2)
                size = fh.tell()
                fh.seek(max(0, size - nbytes))
                return fh.read().decode("utf-8", "replace")
        except OSError:
            return ""


def kill_all() -> None:
    """Kill every child this process started, at once (a second Ctrl+C)."""
    for child in live_children():
        child.kill()


def stop_all(grace_s: float = 2.0) -> None:
    """Stop every child this process started (used at exit)."""
    for child in live_children():
        child.stop(grace_s=grace_s, term_s=2.0)
