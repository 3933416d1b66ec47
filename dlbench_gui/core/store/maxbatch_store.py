"""Where the largest batch found for a model and dataset is kept, so that later runs can put it into their report
and verdict. In core (not next to the search in runner/) because the runner reads it and the search runs runners."""

from __future__ import annotations

import json
import time
from typing import Any

from . import storage


def result_path(model: str, dataset: str):
    return storage.data_dir() / "maxbatch" / f"{model}-{dataset}.json"


def save_result(result: dict[str, Any]) -> None:
    """Keep the latest finding per model and dataset; later runs put it into their report and verdict."""
    storage.atomic_write_json(result_path(result["model"], result["dataset"]),
                              {**result, "found_at": time.strftime("%Y-%m-%dT%H:%M:%S")})


def saved_result(model: str, dataset: str, host_memory_limit_gb: float | None,
                 gpu_memory_limit_gb: float | None) -> dict[str, Any] | None:
    """The saved finding for this model and dataset, if it was made under the same memory ceilings."""
    try:
        result = json.loads(result_path(model, dataset).read_text())
    except (OSError, ValueError):
        return None
    same = (result.get("host_memory_limit_gb") == host_memory_limit_gb
            and result.get("gpu_memory_limit_gb") == gpu_memory_limit_gb)
    if not same or not result.get("max_batch_size"):
        return None
    return {"max_batch_size": result["max_batch_size"],
            "smallest_failing_batch_size": result.get("smallest_failing_batch_size"),
            "reached_limit": result.get("reached_limit"), "host_memory_limit_gb": host_memory_limit_gb,
            "gpu_memory_limit_gb": gpu_memory_limit_gb, "found_at": result.get("found_at"),
            "probes": len(result.get("probes") or []), "lower_bound": bool(result.get("lower_bound"))}
