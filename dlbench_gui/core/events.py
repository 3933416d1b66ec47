"""The wire between the worker child and its parent: one JSON object per line on the child's stdout."""

from __future__ import annotations

import json
import time
from typing import Any

HELLO = "hello"
PHASE = "phase"
STEP = "step"
EPOCH = "epoch"
LOG = "log"
RESULT = "result"
ERROR = "error"
CANCELLED = "cancelled"
HEARTBEAT = "heartbeat"  # "still working": sent in phases that have no progress events of their own
EVENT_TYPES = (HELLO, PHASE, STEP, EPOCH, LOG, RESULT, ERROR, CANCELLED, HEARTBEAT)
FINAL_TYPES = (RESULT, ERROR, CANCELLED)

# Phases, in the words a person reads in the GUI.
PHASE_WORDS = {
    "starting": "starting",
    "preparing_data": "preparing data",
    "building": "building the model",
    "compiling": "compiling",
    "training": "training",
    "validating": "validating",
    "saving": "saving the checkpoint",
    "loading": "loading for inference",
    "predicting": "predicting",
    "probing": "probing memory",
}

STOP_COMMAND = "stop"


def phase_text(event: dict[str, Any], profile: str) -> str:
    """A phase event in words; a protocol run names its epoch (a quick run's epochs are not the protocol's)."""
    words = PHASE_WORDS.get(event["phase"], event["phase"])
    if event["phase"] == "training" and profile != "quick" and event.get("epoch"):
        words += f" epoch {event['epoch']}/{event['epochs']}"
    return words


class WireError(ValueError):
    """A line from the child is not a well-formed event."""


def encode(event_type: str, /, **fields: Any) -> str:
    if event_type not in EVENT_TYPES:
        raise WireError(f"unknown event type {event_type!r}")
    payload = {"type": event_type, "t": time.time(), **fields}
    return json.dumps(payload, separators=(",", ":"), default=_jsonable) + "\n"


def decode(line: str) -> dict[str, Any]:
    try:
        event = json.loads(line)
    except json.JSONDecodeError as exc:
        raise WireError(f"not JSON: {line[:200]!r}") from exc
    if not isinstance(event, dict) or event.get("type") not in EVENT_TYPES:
        raise WireError(f"not an event: {line[:200]!r}")
    return event


def _jsonable(value: Any) -> Any:
    # numpy scalars and arrays reach us from Keras logs; they must travel as plain numbers.
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
