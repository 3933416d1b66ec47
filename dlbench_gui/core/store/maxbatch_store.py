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


MAX_STORE_BYTES = 1 << 20  # a finding is a few hundred bytes; its probes a few kilobytes


class BadStoreFile(ValueError):
    """The store file is not a saved batch search: ignored (the measurement it would have joined stands)."""


def _whole(value: Any, low: int = 1, high: int = 1 << 20) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _limit(value: Any) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1e6)


def parse_result(raw: Any) -> dict[str, Any]:
    """A store file's JSON as the typed, range-checked finding the rest reads, or BadStoreFile saying what is wrong.
    The trust boundary for this file: nothing downstream reads its raw JSON."""
    if not isinstance(raw, dict):
        raise BadStoreFile(f"it holds {type(raw).__name__ if raw is not None else 'null'}, not a saved search")
    checks = {"max_batch_size": _whole(raw.get("max_batch_size")),
              "smallest_failing_batch_size": raw.get("smallest_failing_batch_size") is None
              or _whole(raw.get("smallest_failing_batch_size")),
              "host_memory_limit_gb": _limit(raw.get("host_memory_limit_gb")),
              "gpu_memory_limit_gb": _limit(raw.get("gpu_memory_limit_gb")),
              "backend": isinstance(raw.get("backend", PUBLISHED_BACKEND), str),
              "reached_limit": raw.get("reached_limit") is None or isinstance(raw.get("reached_limit"), bool),
              "found_at": raw.get("found_at") is None or isinstance(raw.get("found_at"), str),
              "probes": raw.get("probes") is None or isinstance(raw.get("probes"), list),
              "lower_bound": raw.get("lower_bound") is None or isinstance(raw.get("lower_bound"), bool)}
    wrong = [k for k, ok in checks.items() if not ok]
    if wrong:
        raise BadStoreFile(f"{', '.join(wrong)}: not of the type a saved search holds")
    return {k: raw.get(k) for k in checks} | {"backend": raw.get("backend", PUBLISHED_BACKEND),
                                              "probes": len(raw.get("probes") or [])}


def read_result(model: str, dataset: str, host_memory_limit_gb: float | None, gpu_memory_limit_gb: float | None,
                backend: str = PUBLISHED_BACKEND) -> tuple[dict[str, Any] | None, str | None]:
    """(the saved finding for this model, dataset and framework if it was made under the same memory ceilings, why
    the file there was ignored: None when there was none or it was sound)."""
    path = result_path(model, dataset, backend)
    try:
        if path.is_dir() or (path.exists() and not path.is_file()) or path.stat().st_size > MAX_STORE_BYTES:
            raise BadStoreFile("it is not a regular file of a saved search's size")
        result = parse_result(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError, RecursionError) as exc:  # BadStoreFile and bad JSON are ValueErrors
        return None, (f"the largest-batch file {path.name} was ignored ({exc}): run the batch search again "
                      "(dlbench maxbatch, or Run → Find largest batch) to replace it")
    same = (result.get("host_memory_limit_gb") == host_memory_limit_gb
            and result.get("gpu_memory_limit_gb") == gpu_memory_limit_gb
            and result.get("backend", PUBLISHED_BACKEND) == backend)
    if not same:
        return None, None
    return {"max_batch_size": result["max_batch_size"],
            "smallest_failing_batch_size": result["smallest_failing_batch_size"],
            "reached_limit": result["reached_limit"], "host_memory_limit_gb": host_memory_limit_gb,
            "gpu_memory_limit_gb": gpu_memory_limit_gb, "found_at": result["found_at"],
            "probes": result["probes"], "lower_bound": bool(result["lower_bound"])}, None


def saved_result(model: str, dataset: str, host_memory_limit_gb: float | None,
                 gpu_memory_limit_gb: float | None, backend: str = PUBLISHED_BACKEND) -> dict[str, Any] | None:
    """The saved finding (read_result's first half), for callers with nowhere to say why a file was ignored."""
    return read_result(model, dataset, host_memory_limit_gb, gpu_memory_limit_gb, backend)[0]
