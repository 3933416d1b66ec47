"""What only an ML framework knows, fetched from a worker child: the models' facts (parameters, layers, FLOPs) and the
devices it sees on this machine."""

from __future__ import annotations

import queue
import tempfile
from pathlib import Path

from ..core.config import BenchmarkConfig
from ..core.errors import WorkFailed
from ..core.wire import events as ev
from ..core.wire.request import WorkerRequest, payload_of
from .child import ChildProcess
from ..core import frameworks
from ..core.frameworks import PUBLISHED_BACKEND


def _await(task_backend: str, wanted, what: str, timeout_s: float, command: list[str] | None):
    """The first event of a `describe` worker that `wanted` accepts (the worker is stopped after it)."""
    log = Path(tempfile.gettempdir()) / "dlbench-describe.log"
    config = BenchmarkConfig(model="model_a", dataset="mnist", data="synthetic")
    child = ChildProcess(WorkerRequest(task="describe", config=config, backend=task_backend).to_dict(), log,
                         command=command)
    try:
        while True:
            try:
                event = child.next_event(timeout=timeout_s)
            except queue.Empty:
                raise WorkFailed(f"the worker said nothing for {timeout_s:.0f} s; see {log}") from None
            if event is None:
                raise WorkFailed(f"the worker ended without {what}; see {log}")
            if wanted(event):
                return event
            if isinstance(event, ev.Error):
                raise WorkFailed(f"{event.kind}: {event.message[:300]} (log: {log})")
    finally:
        child.stop()


def fetch_model_facts(timeout_s: float = 300, command: list[str] | None = None, backend: str = PUBLISHED_BACKEND) -> dict:
    """{model name: its parameters, layers and FLOPs}, from a worker that builds both models."""
    event = _await(backend, lambda e: isinstance(e, ev.Result), "describing the models", timeout_s, command)
    return payload_of(event, "describe").models


def fetch_devices(backend: str, timeout_s: float = 180, command: list[str] | None = None) -> dict:
    """What `backend` sees on this machine: {"version", "devices"} from the hello of a worker (stopped right after:
    nothing is built)."""
    event = _await(backend, lambda e: isinstance(e, ev.Hello), "saying what it sees", timeout_s, command)
    software = event.software or {}
    return {"version": software.get("backend_version"), "devices": list(software.get("backend_devices") or [])}


def devices_of_installed(say=None) -> dict:
    """{framework: what it sees here} for every installed framework, each from a worker that only starts it (one that
    fails to start says why in one line). `say(text)`: told before each start (a few seconds each)."""
    from ..core.backend_choice import installed

    seen = {}
    for f in frameworks.OFFERED:
        if not installed(f.module):
            seen[f.name] = {"installed": False}
            continue
        if say is not None:
            say(f"starting {f.label} in a worker…")
        try:
            seen[f.name] = {"installed": True, **fetch_devices(f.name)}
        except WorkFailed as exc:
            seen[f.name] = {"installed": True, "error": " ".join(str(exc).split())}
    return seen
