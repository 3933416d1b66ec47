"""Where the largest batch found for a model and dataset is kept, so that later runs can put it into their report
and verdict. In core (not next to the search in runner/) because the runner reads it and the search runs runners."""

from __future__ import annotations

import json
import time
from typing import Any

from . import storage
from ..frameworks import PUBLISHED_BACKEND


def result_path(model: str, dataset: str, backend: str = PUBLISHED_BACKEND):
    """One file per model, dataset and framework (a batch that fits under TensorFlow says nothing of JAX's memory);
    the published framework's keeps the name it had before there was another framework."""
    suffix = "" if backend == PUBLISHED_BACKEND else f"-{backend}"
    return storage.data_dir() / "maxbatch" / f"{model}-{dataset}{suffix}.json"


def save_result(result: dict[str, Any]) -> None:
    """Keep the latest finding per model, dataset and framework; later runs put it into their report and verdict."""
    storage.atomic_write_json(result_path(result["model"], result["dataset"], result.get("backend", PUBLISHED_BACKEND)),
                              {**result, "found_at": time.strftime("%Y-%m-%dT%H:%M:%S")})


def saved_result(model: str, dataset: str, host_memory_limit_gb: float | None,
                 gpu_memory_limit_gb: float | None, backend: str = PUBLISHED_BACKEND) -> dict[str, Any] | None:
    """The saved finding for this model, dataset and framework, if it was made under the same memory ceilings."""
    try:
        result = json.loads(result_path(model, dataset, backend).read_text())
    except (OSError, ValueError):
        return None
    same = (result.get("host_memory_limit_gb") == host_memory_limit_gb
            and result.get("gpu_memory_limit_gb") == gpu_memory_limit_gb
            and result.get("backend", PUBLISHED_BACKEND) == backend)
    if not same or not result.get("max_batch_size"):
        return None
    return {"max_batch_size": result["max_batch_size"],
            "smallest_failing_batch_size": result.get("smallest_failing_batch_size"),
            "reached_limit": result.get("reached_limit"), "host_memory_limit_gb": host_memory_limit_gb,
            "gpu_memory_limit_gb": gpu_memory_limit_gb, "found_at": result.get("found_at"),
            "probes": len(result.get("probes") or []), "lower_bound": bool(result.get("lower_bound"))}
