"""Model facts that only TensorFlow knows (parameters, layers, FLOPs), fetched from a worker child."""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..core import events as ev
from .child import ChildProcess


def describe_models(timeout_s: float = 300) -> dict:
    log = Path(tempfile.gettempdir()) / "dlbench-describe.log"
    child = ChildProcess({"task": "describe", "config": {"model": "model_a", "dataset": "mnist", "data": "synthetic"}}, log)
    try:
        while True:
            event = child.next_event(timeout=timeout_s)
            if event is None:
                raise RuntimeError(f"worker ended without describing the models; see {log}")
            if event["type"] == ev.RESULT:
                return event["models"]
            if event["type"] == ev.ERROR:
                raise RuntimeError(event.get("message"))
    finally:
        child.stop()
