"""The child's side of the wire: events out on the stdout claimed for them (with heartbeats), commands in on stdin
(stop, next), both held by objects passed to the tasks."""

from __future__ import annotations

import os
import queue
import sys
import threading
import time

from ...core.wire import events as ev

HEARTBEAT_S = 10.0  # the parent's hang watchdog waits several of these before it calls a silent child hung
MAX_BEATING_S = 3600.0  # one phase that long without progress of its own is hung: stop vouching for it


class StopRequested(Exception):
    """The parent asked this child to stop; raised from a Keras callback so fit/evaluate end at once."""


class Emitter:
    """Writes events to the stdout that was claimed for them; safe from several threads.

    Between a phase event and the next step, nothing else shows the child is alive (graph tracing of the first
    step, validation, saving, loading, predicting can each take minutes), so a heartbeat thread sends one every
    `heartbeat_s` of silence. A step event ends the beating until the next phase."""

    def __init__(self, stream, heartbeat_s: float = HEARTBEAT_S, clock=time.monotonic):
        self._stream = stream
        self._lock = threading.Lock()
        self.heartbeat_s = heartbeat_s
        self._clock = clock  # seconds, monotonic; a test hands in its own to step time without waiting
        self._phase: str | None = None
        self._phase_since = self._last = clock()
        self._beating = True

    def emit(self, event: ev.Event) -> None:
        line = event.to_json()
        with self._lock:
            self._stream.write(line)
            self._stream.flush()
            self._last = self._clock()
            if isinstance(event, ev.Phase):
                self._phase, self._phase_since, self._beating = event.phase, self._last, True
            elif isinstance(event, ev.Step):
                self._beating = False

    def phase(self, phase: str, **fields) -> None:
        self.emit(ev.Phase(phase=phase, **fields))

    def beat_if_due(self) -> bool:
        now = self._clock()
        with self._lock:
            due = (self._beating and now - self._last >= self.heartbeat_s
                   and now - self._phase_since < MAX_BEATING_S)
            phase = self._phase
        if due:
            self.emit(ev.Heartbeat(phase=phase))
        return due

    def start_heartbeat(self) -> threading.Event:
        """Beat until the returned event is set (or the process ends: the thread is a daemon)."""
        done = threading.Event()

        def loop() -> None:
            while not done.wait(self.heartbeat_s / 4):
                try:
                    self.beat_if_due()
                except (OSError, ValueError):
                    return  # the wire is gone; the main thread will find out
        threading.Thread(target=loop, daemon=True, name="heartbeat").start()
        return done


def claim_stdout():
    """Keep fd 1 for events; point fd 1 (and sys.stdout) at stderr so stray prints cannot corrupt the wire."""
    events_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(events_fd, "w", buffering=1, encoding="utf-8")


class Control:
    """The parent's commands after the request: `stop` (set `stopped`) and `next` (a shared child goes on with its
    next dataset). Reads `stream` (stdin) on a thread of its own once `listen` is called."""

    def __init__(self, stream=None):
        self._stream = stream if stream is not None else sys.stdin
        self.stopped = threading.Event()
        self._next: "queue.Queue[bool]" = queue.Queue()  # one item per "next" the parent sent

    def listen(self) -> "Control":
        threading.Thread(target=self._watch, daemon=True, name="stdin-watch").start()
        return self

    def _watch(self) -> None:
        for line in self._stream:
            if line.strip() == ev.STOP_COMMAND:
                self.stopped.set()
                return
            if line.strip() == ev.NEXT_COMMAND:
                self._next.put(True)
        # stdin closed: the parent is gone or gave up on us; stop too rather than train for nobody.
        self.stopped.set()

    def check(self) -> None:
        """Raise StopRequested if the parent asked to stop."""
        if self.stopped.is_set():
            raise StopRequested()

    def wait_for_next(self) -> None:
        """A child kept for the next dataset waits here until the parent's runner for it says "next" (or stop)."""
        while True:
            try:
                self._next.get(timeout=0.2)
                return
            except queue.Empty:
                self.check()
