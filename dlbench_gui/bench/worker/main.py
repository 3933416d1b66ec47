"""The child's main: read the request, set the process up (memory limit, backend), run the task, and make sure
that whatever happens reaches the parent as one final event (Result, Cancelled or a classified Error)."""

from __future__ import annotations

import dataclasses
import os
import sys
import traceback
from typing import Callable

from ...core.errors import classify_exception, cluster_failure
from ...core.wire import events as ev
from ...core.wire.request import Payload, WorkerRequest
from ..backends import backend_for, sees_gpu
from .infer import run_inference
from .job import Job
from .describe import run_model_facts
from .probe import run_probe
from .train import run_training
from .wire import Control, Emitter, StopRequested, claim_stdout

TASKS: dict[str, Callable[[Job], Payload]] = {"train": run_training, "infer": run_inference, "probe": run_probe,
                                               "describe": run_model_facts}


def apply_host_memory_limit(limit_gb: float | None) -> None:
    """Cap this process's private writable memory (RLIMIT_DATA: heap and anonymous mappings, close to what
    TensorFlow allocates). RLIMIT_AS would count ~3 GB of mapped libraries and fail before any training."""
    if limit_gb is None:
        return
    try:
        import resource
    except ImportError:  # the parent refuses the option first (config); this is the last word
        raise ValueError("--host-memory-limit needs a POSIX system (Linux or macOS): this one has no resource limits") from None

    limit = int(limit_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def run(request: WorkerRequest, emitter: Emitter, control: Control) -> Payload:
    """The task of `request`, from the process's set-up to its payload (with the GPU's peak memory)."""
    config = request.config
    apply_host_memory_limit(config.host_memory_limit_gb)
    emitter.phase("starting", task=request.task)
    runtime = backend_for(request.backend)
    gpu_limit = runtime.start(request)
    emitter.emit(ev.Hello(software=runtime.software_info(request.keras_package), gpu_memory_limit=gpu_limit,
                          pid=os.getpid()))
    payload = TASKS[request.task](Job(request, emitter, control, runtime))
    peak = runtime.gpu_peak_bytes()
    return dataclasses.replace(payload, gpu_peak_bytes=peak) if peak is not None else payload


def report_failure(exc: BaseException, request: WorkerRequest | None, emitter: Emitter) -> None:
    """Every failure reaches the parent as an event, classified (a lost cluster worker named)."""
    config = request.config if request is not None else None
    limit = getattr(config, "host_memory_limit_gb", None)
    kind = classify_exception(type(exc).__name__, str(exc), under_host_limit=bool(limit),
                              on_gpu=sees_gpu())
    message = str(exc)
    lost = (cluster_failure(type(exc).__name__, message, config.cluster, config.task_index)
            if config is not None and kind == "crash" else None)
    if lost is not None:
        kind, message = lost
    traceback.print_exc()  # to the run's log first: it must survive even if the wire is gone
    try:
        emitter.emit(ev.Error(kind=kind, exception=type(exc).__name__, message=message[:2000],
                              traceback=traceback.format_exc()[-8000:]))
    except Exception:
        traceback.print_exc()


def main() -> int:
    out = claim_stdout()
    emitter = Emitter(out)
    beating = emitter.start_heartbeat()
    request = None
    try:
        line = sys.stdin.readline()
        if not line:
            emitter.emit(ev.Error(kind="crash", message="no request received on stdin"))
            return 2
        request = WorkerRequest.from_json(line)
        emitter.heartbeat_s = request.heartbeat_s
        control = Control(sys.stdin).listen()
        emitter.emit(run(request, emitter, control).event())
        return 0
    except StopRequested:
        emitter.emit(ev.Cancelled(message="stopped on request"))
        return 0
    except BaseException as exc:  # every failure must reach the parent as an event, classified
        report_failure(exc, request, emitter)
        if request is not None and request.config.cluster:
            # TensorFlow's cluster threads (a join still waiting, gRPC) can keep a failed worker alive: end it here
            out.flush()
            os._exit(1)
        return 1
    finally:
        beating.set()
        try:
            out.flush()
        except Exception:
            pass
