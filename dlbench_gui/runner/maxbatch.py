"""The largest batch that fits: doubling, then bisection; each probe a fresh child running a few real steps."""

from __future__ import annotations

import functools
import threading
import time
from typing import Any, Callable

from ..core.config import BenchmarkConfig
from ..core.errors import WorkFailed
from ..core.store import storage
from ..core.store.maxbatch_store import save_result
from ..core.store.report import new_run_id
from ..core.wire.request import WorkerRequest
from ..hardware.telemetry import Sampler
from .supervisor import Supervisor
from ..core.frameworks import PUBLISHED_BACKEND

OOM_KINDS = {"host_oom", "gpu_oom"}
MAX_CONFIRMATIONS = 3  # re-runs of a borderline answer before the search gives up confirming
METHOD = ("doubling from the start size, then bisection to within 1/16; the answer must fit a second time (else the "
          "search goes on below it); each probe a fresh child training a few real steps on synthetic data")


class SearchStopped(WorkFailed):
    """The search was stopped (Stop, Esc, Ctrl+C) before any batch was found to fit: nothing is saved."""


def probe(model: str, dataset: str, batch_size: int, *, steps: int = 2, host_memory_limit_gb: float | None = None,
          gpu_memory_limit_gb: float | None = None, stop_event: threading.Event | None = None,
          backend: str = PUBLISHED_BACKEND) -> dict[str, Any]:
    """One probe: does `batch_size` train for a few steps? outcome fits | oom | error, with peak memory.
    Setting `stop_event` stops the probe's child as a benchmark is stopped."""
    config = BenchmarkConfig(model=model, dataset=dataset, profile="custom", epochs=1, batch_size=batch_size,
                             train_samples=min(60_000, batch_size * steps), val_samples=64, data="synthetic",
                             weights="random",  # the same layers and memory either way; never a download per probe
                             host_memory_limit_gb=host_memory_limit_gb, gpu_memory_limit_gb=gpu_memory_limit_gb)
    run_dir = storage.runs_dir() / new_run_id(model, dataset)
    run_dir.mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor(config)
    sampler = Sampler(gpus=True).start()
    journal = storage.Journal(run_dir / "events.jsonl")
    t0 = time.monotonic()
    done = threading.Event()

    def stopper() -> None:
        while not done.wait(0.1):
            if stop_event is not None and stop_event.is_set():
                supervisor.stop()
                return

    threading.Thread(target=stopper, daemon=True, name="probe-stop").start()
    request = WorkerRequest(task="probe", config=config, steps=steps, heartbeat_s=min(10.0, config.watchdog_s / 4),
                            backend=backend)
    try:
        out = supervisor.run_child(request, run_dir / "worker.log", sampler, journal)
    finally:
        done.set()
        sampler.stop()
        journal.close()
    p = out.result.probe if out.result is not None else {}
    kind = (out.error or {}).get("kind")
    outcome = "fits" if out.status == "completed" else ("oom" if kind in OOM_KINDS else "error")
    return {"batch_size": batch_size, "outcome": outcome, "error_kind": kind,
            "error_message": (out.error or {}).get("message"), "seconds": time.monotonic() - t0,
            "peak_rss_bytes": p.get("peak_rss_bytes") or sampler.peak_child_rss_bytes or None,
            "gpu_peak_bytes": p.get("gpu_peak_bytes"), "log": str(run_dir / "worker.log")}


def _down_from(run: Callable[[int], bool], bs: int) -> tuple[int, int]:
    """Halve from a size that does not fit until one does: (fits or 0, the smallest failing)."""
    hi = bs
    while bs > 1:
        bs //= 2
        if run(bs):
            return bs, hi
        hi = bs
    return 0, hi


def _bisect(run: Callable[[int], bool], lo: int, hi: int) -> tuple[int, int]:
    """Between a size that fits and one that does not, to within 1/16 of the answer."""
    while hi - lo > max(1, lo // 16):
        mid = (lo + hi) // 2
        if run(mid):
            lo = mid
        else:
            hi = mid
    return lo, hi


def _double(run: Callable[[int], bool], bs: int, limit: int) -> tuple[int, int | None]:
    """Doubling from the start size (downwards first if even the start does not fit): (fits or 0, failing or None)."""
    if not run(bs):
        return _down_from(run, bs)
    lo = bs
    while bs * 2 <= limit:
        bs *= 2
        if not run(bs):
            return lo, bs
        lo = bs
    return lo, None


def _confirm(run: Callable[..., bool], probes: list[dict], lo: int, hi: int | None) -> tuple[int, int | None, bool]:
    """Near a ceiling a process's memory differs a little from the last one's, so a size that fitted once can fail
    the next time. The answer must fit again in a fresh child; one that does not counts as failing and the search
    goes on below it: (fits, failing, confirmed)."""
    confirmed = hi is None  # the size limit was reached, no ceiling near
    for _ in range(MAX_CONFIRMATIONS):
        if confirmed or not lo:
            break
        if run(lo, confirmation=True):
            confirmed = True
            break
        fitted_below = [p["batch_size"] for p in probes if p["outcome"] == "fits" and p["batch_size"] < lo]
        lo, hi = (max(fitted_below), lo) if fitted_below else _down_from(run, lo)
        if lo and hi:
            lo, hi = _bisect(run, lo, hi)
    return lo, hi, confirmed


def find_max_batch(model: str, dataset: str = "mnist", *, start: int = 64, limit: int = 8192,
                   host_memory_limit_gb: float | None = None, gpu_memory_limit_gb: float | None = None,
                   on_probe: Callable[[dict], None] | None = None, on_start: Callable[[int], None] | None = None,
                   prober: Callable[..., dict[str, Any]] | None = None,
                   stop_event: threading.Event | None = None, backend: str = PUBLISHED_BACKEND) -> dict[str, Any]:
    """`stop_event` set: the probe in progress is stopped and SearchStopped raised; nothing is saved. `on_start(batch)`
    before each probe, `on_probe(outcome)` after it."""
    prober = prober or functools.partial(probe, stop_event=stop_event, backend=backend)
    probes: list[dict[str, Any]] = []

    def check_stop() -> None:
        if stop_event is not None and stop_event.is_set():
            raise SearchStopped(f"the batch search was stopped after {len(probes)} probe(s); nothing was saved")

    def run(bs: int, confirmation: bool = False) -> bool:
        check_stop()
        if on_start:
            on_start(bs)
        p = prober(model, dataset, bs, host_memory_limit_gb=host_memory_limit_gb, gpu_memory_limit_gb=gpu_memory_limit_gb)
        check_stop()  # a probe stopped half-way says nothing about memory
        p = {**p, "confirmation": True} if confirmation else p
        probes.append(p)
        if on_probe:
            on_probe(p)
        if p["outcome"] == "error":
            raise WorkFailed(f"probe at batch {bs} failed for a reason other than memory: "
                               f"{p['error_kind']}: {p['error_message']}")
        return p["outcome"] == "fits"

    stopped = False
    try:
        lo, hi = _double(run, start, limit)
        if lo and hi:
            lo, hi = _bisect(run, lo, hi)
        lo, hi, confirmed = _confirm(run, probes, lo, hi)
    except SearchStopped:
        # what was found is kept (#26): the largest batch that fitted so far, labelled as a lower bound
        fitted = [p["batch_size"] for p in probes if p["outcome"] == "fits"]
        failed = [p["batch_size"] for p in probes if p["outcome"] == "oom" and (not fitted or p["batch_size"] > max(fitted))]
        if not fitted:
            raise
        lo, hi, confirmed, stopped = max(fitted), min(failed) if failed else None, False, True
    result = {"model": model, "dataset": dataset, "max_batch_size": lo or None, "smallest_failing_batch_size": hi,
              "reached_limit": hi is None and not stopped, "confirmed": confirmed, "limit": limit,
              "host_memory_limit_gb": host_memory_limit_gb, "gpu_memory_limit_gb": gpu_memory_limit_gb,
              "probes": probes, "method": METHOD, "backend": backend,
              **({"stopped": True, "lower_bound": True,
                  "note": f"stopped after {len(probes)} probe(s): at least {lo} fits; a larger batch may fit too"}
                 if stopped else {})}
    if result["max_batch_size"]:
        try:
            save_result(result)  # later runs of this model and dataset carry it in their report and verdict
        except OSError as exc:  # the answer stands; only its keeping for later runs failed (#33 B2)
            result["not_kept"] = f"the answer could not be kept for later runs ({exc.strerror or exc})"
    return result
