"""Supervises one worker child at a time: starts it (or takes over a shared one), pumps its events into the journal
and the listeners, runs the hang watchdog, escalates a stop, and classifies how the child ended."""

from __future__ import annotations

import queue
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from ..core import frameworks
from ..core.backend_choice import backend_of, gpus_used
from ..core.config import BenchmarkConfig
from ..core.errors import VRAM_FULL, classify_outcome, cluster_failure, error_dict, gpu_visibility_problem, lost_worker
from ..core.store import storage
from ..core.wire import events as ev
from ..core.wire.request import Payload, WorkerRequest, payload_of
from ..hardware.telemetry import Sampler
from .child import ChildProcess

STOP_GRACE_S = 3.0  # polite stop, then SIGTERM, then SIGKILL: a run is cancelled well within 10 s

EventCallback = Callable[[ev.Event], None]


WORK_PHASES = ("training", "loading", "dense_matmul")  # a child's start-up ends where the first of these begins


@dataclass
class ChildOutcome:
    status: str  # completed | failed | cancelled
    result: Payload | None = None  # the Result event's payload, typed by task
    error: dict[str, Any] | None = None
    hello: ev.Hello | None = None
    epochs: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] | None = None
    kernels: dict[str, Any] | None = None  # the simple kernels' matrix parts, as said before convolve2d
    phase: str | None = None  # the child's last phase (a failure says where it happened)
    startup_s: float | None = None  # from its start to its work (training, loading): start, import, data, build
    returncode: int | None = None


def where_it_filled(error: dict[str, Any] | None, phase: str | None) -> dict[str, Any] | None:
    """A full disk's error with the phase it happened in (saving the checkpoint, training …), in words."""
    if not error or error.get("kind") != "disk_full" or not phase:
        return error
    return {**error, "phase": phase, "message": f"{error.get('message')} (while {ev.PHASE_WORDS.get(phase, phase)})"}


class Pump:
    """Reads one child's events until it ends: the journal, the watchdog, stop escalation, the callbacks."""

    def __init__(self, supervisor: "Supervisor", task: str, child: ChildProcess, sampler: Sampler | None,
                 journal: storage.Journal, on_epoch: Callable[[list], None], until_result: bool):
        self.sup, self.task, self.child, self.sampler, self.journal = supervisor, task, child, sampler, journal
        self.on_epoch = on_epoch
        self.out = ChildOutcome(status="failed")
        self.final: ev.Event | None = None
        self.hung = False
        self.forced_error: dict[str, Any] | None = None
        self.until_result = until_result  # a shared child goes on with the next dataset: stop at this run's Result
        # when a child this run started began (a shared child taken over began for an earlier run: not its start)
        self.started_at: float | None = child.started_at if child.hello is None else None

    def run(self) -> None:
        stop_deadline: float | None = None
        child, watchdog_s = self.child, self.sup.config.watchdog_s
        while True:
            if self.sup.stopping and stop_deadline is None:
                child.request_stop()
                stop_deadline = time.monotonic() + STOP_GRACE_S
            if stop_deadline is not None and time.monotonic() > stop_deadline and child.poll() is None:
                child.stop(grace_s=0.1, term_s=3.0)
            try:
                event = child.next_event(timeout=0.25)
            except queue.Empty:
                if time.monotonic() - child.last_event_at > watchdog_s and child.poll() is None:
                    self.hung = True
                    child.kill()
                continue
            if event is None:
                return
            if not isinstance(event, ev.Heartbeat):  # a heartbeat has done its job on arrival
                self.handle(event.with_task(self.task))
            if self.until_result and isinstance(event, ev.Result) and self.forced_error is None:
                return

    def handle(self, event: ev.Event) -> None:
        try:
            if not isinstance(event, ev.Step):
                self.journal.append(event.to_dict(), sync=isinstance(event, (ev.EpochEnd, ev.Hello, *ev.FINAL_EVENTS)))
        except storage.DiskFullError as exc:
            if self.forced_error is None:
                self.forced_error = error_dict("disk_full", f"{exc}; the run was stopped")
            self.child.kill()
            return
        if isinstance(event, ev.Hello):
            self.hello(event)
        elif isinstance(event, ev.Phase):
            self.out.phase = event.phase
            if self.started_at is not None and self.out.startup_s is None and event.phase in WORK_PHASES:
                self.out.startup_s = time.monotonic() - self.started_at
            if self.sampler is not None:
                self.sampler.mark(phase=event.phase, epoch=event.epoch)
        elif isinstance(event, ev.EpochEnd):
            self.out.epochs.append(event.record)
            self.on_epoch(self.out.epochs)
        elif isinstance(event, ev.Log) and event.data is not None:
            self.out.data = event.data
        elif isinstance(event, ev.Log) and isinstance(event.extra.get("kernels"), dict):
            self.out.kernels = event.extra["kernels"]  # kept if convolve2d then fails
        elif isinstance(event, ev.FINAL_EVENTS):
            self.final = event
        self.sup.emit(event)

    def hello(self, event: ev.Hello) -> None:
        sup = self.sup
        self.out.hello = self.child.hello = event  # kept with the child: a run that takes it over reads it
        if self.task != "train":
            return
        for warning_kind, problem in sup.hello_warnings(event):
            sup.warnings[warning_kind] = problem
            sup.emit(ev.Log(message=problem, level="warning", kind=warning_kind, task=self.task))
        if sup.gpu_warning and sup.config.require_gpu:
            self.forced_error = error_dict("no_gpu_visible", sup.gpu_warning)
            self.child.kill()  # nothing done yet, nothing to keep: do not wait for a first step


def vram_was_full(samples: list[dict]) -> bool:
    """Did NVML see any GPU's memory at its limit (VRAM_FULL of the total) in these samples (a child's last ones)?"""
    for s in samples:
        for g in s.get("gpus") or []:
            used, total = g.get("vram_used_bytes"), g.get("vram_total_bytes")
            if isinstance(used, (int, float)) and isinstance(total, (int, float)) and total and used / total >= VRAM_FULL:
                return True
    return False


class Supervisor:
    """One benchmark's children, one at a time. `stop()` may be called from any thread."""

    def __init__(self, config: BenchmarkConfig, *, on_event: EventCallback | None = None,
                 hardware: dict[str, Any] | None = None, worker_command: list[str] | None = None):
        self.config = config
        self.on_event = on_event
        self.hardware = hardware
        self.worker_command = worker_command  # None: this program's own worker (tests run stand-ins)
        self._stop = threading.Event()
        self._child: ChildProcess | None = None
        self.gpu_warning: str | None = None  # NVIDIA GPU present, the framework sees none (from the child's hello)
        self.warnings: dict[str, str] = {}  # kind -> words, from the child's hello; kept in the report's findings

    def stop(self) -> None:
        self._stop.set()
        child = self._child
        if child is not None:
            child.request_stop()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def emit(self, event: ev.Event) -> None:
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:
                traceback.print_exc()

    def start(self, request: WorkerRequest, log_path) -> ChildProcess:
        return ChildProcess(request.to_dict(), log_path, command=self.worker_command)

    def run_child(self, request: WorkerRequest, log_path, sampler: Sampler | None, journal: storage.Journal,
                  on_epoch: Callable[[list], None] = lambda epochs: None, *, child: ChildProcess | None = None,
                  until_result: bool = False, keep: Callable[[ChildProcess], bool] | None = None) -> ChildOutcome:
        """One child, start to end (`child`: one already running, taken over): its events pumped into the journal
        and the callbacks, then how it ended. `until_result`: stop reading at the Result for this run's dataset and
        offer the child to `keep` (a shared child goes on with the next dataset); one not kept is ended here."""
        task = request.task
        child = child or self.start(request, log_path)
        self._child = child
        if self._stop.is_set():
            child.request_stop()
        if sampler is not None:
            sampler.watch(child.pid)
        pump = Pump(self, task, child, sampler, journal, on_epoch, until_result)
        if child.hello is not None:  # a shared child said hello to an earlier run: this run's report needs it too
            pump.handle(child.hello.with_task(task))
        kept = False
        try:
            pump.run()
            said = pump.final.extra.get("dataset") if isinstance(pump.final, ev.Result) else None
            if said not in (None, self.config.dataset):  # never expected: a shared child out of step with the runs
                pump.forced_error = error_dict("crash", f"the shared {task} process answered for another dataset "
                                                        f"({said}), not {self.config.dataset}")
            kept = (keep is not None and isinstance(pump.final, ev.Result) and pump.forced_error is None
                    and not self._stop.is_set() and keep(child))
        finally:
            rc, tail = (None, "") if kept else self._end(child)
            self._child = None
        out = pump.out
        out.returncode = rc
        if pump.forced_error is not None:
            out.error = where_it_filled(pump.forced_error, out.phase)
            return out
        out.status, out.error = self.classify(pump, out, rc, tail, sampler, task)
        out.error = where_it_filled(out.error, out.phase)
        if out.status == "completed":
            out.result = payload_of(pump.final, task)
        return out

    @staticmethod
    def _end(child: ChildProcess) -> tuple[int | None, str]:
        rc = child.wait(timeout=15)
        if rc is None:
            child.kill()
            rc = child.poll()
        tail = child.stderr_tail()
        child.close()
        return rc, tail

    def classify(self, pump: Pump, out: ChildOutcome, rc: int | None, tail: str, sampler: Sampler | None,
                 task: str) -> tuple[str, dict[str, Any] | None]:
        last = sampler.samples[-1] if sampler is not None and sampler.samples else {}
        on_gpu = bool(out.hello is not None and gpus_used(out.hello.software))
        status, error = classify_outcome(
            pump.final, rc, tail, sampler.peak_child_rss_bytes if sampler is not None else 0,
            self.config.host_memory_limit_gb, pump.hung, stopped=self._stop.is_set(),
            ram_percent=last.get("ram_percent") or 0, task=task, watchdog_s=self.config.watchdog_s,
            on_gpu=on_gpu, vram_full=vram_was_full(sampler.samples[-4:] if sampler is not None else []))
        if error is not None and self.config.cluster:
            error = self.cluster_error(error, tail)
        return status, error

    def cluster_error(self, error: dict[str, Any], tail: str) -> dict[str, Any]:
        """A cluster worker's report names the worker that failed: another one (worker_lost, from the collective's
        words, also when the child died without sending them), or this one (any other failure)."""
        c = self.config
        if error["kind"] == "crash":
            lost = cluster_failure("", f"{error.get('message', '')}\n{tail}", c.cluster, c.task_index)
            if lost is not None:
                error = error_dict(lost[0], lost[1], **{k: v for k, v in error.items()
                                                        if k in ("returncode", "log_tail", "traceback", "exception")})
        if error["kind"] == "worker_lost":
            index = lost_worker(error["message"], c.cluster, c.task_index)
        elif error["kind"] == "cluster_unreachable":
            return {**error, "worker": None}
        elif error["kind"] in ("cancelled", "port_in_use"):  # nothing failed / the message names this worker
            return {**error, "worker": {"task_index": c.task_index, "address": c.cluster[c.task_index]}}
        else:
            index = c.task_index
            error = {**error, "message": f"worker {index} ({c.cluster[index]}), this one: {error['message']}"}
        return {**error, "worker": ({"task_index": index, "address": c.cluster[index]} if index is not None else None)}

    def hello_warnings(self, hello: ev.Hello) -> list[tuple[str, str]]:
        """What the child's first words tell the user: a GPU left unused, a GPU memory limit with no GPU."""
        out = []
        framework = frameworks.label(backend_of(hello.software))
        problem = gpu_visibility_problem(self.hardware, gpus_used(hello.software), framework)
        if problem:
            self.gpu_warning = problem
            out.append(("no_gpu_visible", problem))
        limit = hello.gpu_memory_limit or {}
        if self.config.gpu_memory_limit_gb is not None and limit.get("applied") is False:
            out.append(("gpu_memory_limit_unused", f"the GPU memory limit of {self.config.gpu_memory_limit_gb:g} GB "
                                                   f"has no effect: {framework} sees no GPU on this machine"))
        return out
