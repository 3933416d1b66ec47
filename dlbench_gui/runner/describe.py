"""Model facts that only the ML framework knows (parameters, layers, FLOPs), fetched from a worker child."""

from __future__ import annotations

import queue
import tempfile
from pathlib import Path

from ..core.config import BenchmarkConfig
from ..core.errors import WorkFailed
from ..core.wire import events as ev
from ..core.wire.request import WorkerRequest, payload_of
from .child import ChildProcess
from ..core.frameworks import PUBLISHED_BACKEND


def fetch_model_facts(timeout_s: float = 300, command: list[str] | None = None, backend: str = PUBLISHED_BACKEND) -> dict:
    """{model name: its parameters, layers and FLOPs}, from a worker that builds both models."""
    log = Path(tempfile.gettempdir()) / "dlbench-describe.log"
    config = BenchmarkConfig(model="model_a", dataset="mnist", data="synthetic")
    child = ChildProcess(WorkerRequest(task="describe", config=config, backend=backend).to_dict(), log, command=command)
    try:
        while True:
            try:
                event = child.next_event(timeout=timeout_s)
            except queue.Empty:
                raise WorkFailed(f"the worker said nothing for {timeout_s:.0f} s; see {log}") from None
            if event is None:
                raise WorkFailed(f"the worker ended without describing the models; see {log}")
            if isinstance(event, ev.Result):
                return payload_of(event, "describe").models
            if isinstance(event, ev.Error):
                raise WorkFailed(f"{event.kind}: {event.message[:300]} (log: {log})")
    finally:
        child.stop()
