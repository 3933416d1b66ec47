"""Model facts that only TensorFlow knows (parameters, layers, FLOPs), fetched from a worker child."""

from __future__ import annotations

import queue
import tempfile
from pathlib import Path

from ..core import events as ev
from ..core.errors import WorkFailed
from .child import ChildProcess


def describe_models(timeout_s: float = 300, command: list[str] | None = None) -> dict:
    log = Path(tempfile.gettempdir()) / "dlbench-describe.log"
    child = ChildProcess({"task": "describe", "config": {"model": "model_a", "dataset": "mnist", "data": "synthetic"}}, log, command=command)
    try:
        while True:
            try:
                event = child.next_event(timeout=timeout_s)
            except queue.Empty:
                raise WorkFailed(f"the worker said nothing for {timeout_s:.0f} s; see {log}") from None
            if event is None:
                raise WorkFailed(f"the worker ended without describing the models; see {log}")
            if isinstance(event, ev.Result):
                return event.get("models")
            if isinstance(event, ev.Error):
                raise WorkFailed(f"{event.kind}: {event.message[:300]} (log: {log})")
    finally:
        child.stop()
