"""Every way a run can end badly: a kind, one sentence of explanation, and what to try."""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass
from typing import Any

from .wire.events import Cancelled, Error, Event, Result


class WorkFailed(RuntimeError):
    """Work in a child failed for a reason the user did not cause by an argument (the CLI exits 1, not 2)."""


@dataclass(frozen=True)
class ErrorKind:
    kind: str
    title: str
    explanation: str
    suggestion: str


KINDS: dict[str, ErrorKind] = {k.kind: k for k in (
    ErrorKind("gpu_oom", "GPU out of memory",
              "The model and a batch of data did not fit in the graphics card's memory.",
              "Use a smaller batch: Run → Find largest batch (dlbench maxbatch) finds the largest that fits. Mixed "
              "precision (--precision mixed_float16) roughly halves the activations' memory. --gpu-memory-limit "
              "emulates a smaller card to check a setup before buying one; a GPU with more memory fits more."),
    ErrorKind("host_oom", "Out of system memory",
              "The training process ran out of RAM (or hit the memory ceiling set for it) and was stopped.",
              "Close other programs, add RAM, lower the batch size, or raise the host memory limit."),
    ErrorKind("gpu_driver", "GPU driver or CUDA problem",
              "TensorFlow could not use the GPU: a CUDA, cuDNN or driver library is missing or of the wrong version.",
              "Install the NVIDIA driver and the CUDA/cuDNN versions this TensorFlow build expects (see Help → About)."),
    ErrorKind("no_gpu_visible", "NVIDIA GPU present but not used",
              "The machine has an NVIDIA GPU, but TensorFlow sees none and would train on the CPU.",
              "Install a GPU build of TensorFlow and a matching CUDA runtime, then run again."),
    ErrorKind("crash", "The benchmark process crashed",
              "The training process ended without a result.",
              "Look at the run's log for the last messages; try again, and report it if it repeats."),
    ErrorKind("hang", "The benchmark stopped responding",
              "No progress arrived from the training process for longer than the watchdog allows, so it was stopped.",
              "Raise the watchdog time for very slow machines, or check the log for a stuck device."),
    ErrorKind("disk_full", "Disk full",
              "A checkpoint or report could not be written because the disk is full.",
              "Free disk space where dlbench keeps its data, then run again."),
    ErrorKind("data_error", "Dataset problem",
              "The dataset could not be loaded: a file is missing, corrupt or not in the expected format.",
              "Import the four standard IDX .gz files (or a Keras .npz) again, or use synthetic data."),
    ErrorKind("invalid_config", "Invalid configuration",
              "A setting of the run is not usable.",
              "Correct the setting named in the message."),
    ErrorKind("model_error", "Saved model unusable",
              "The saved model could not be loaded for inference: the file is missing or corrupt.",
              "Run the training again so a fresh checkpoint is written."),
    ErrorKind("interrupted", "Interrupted",
              "dlbench itself stopped while this run was in progress; what had finished was kept.",
              "Run it again; the finished epochs of this run are in its report."),
    ErrorKind("cluster_unreachable", "A worker of the cluster is unreachable",
              "Not every machine of the cluster joined within the timeout, so the run could not start.",
              "Start dlbench with the same --cluster list on every machine, each with its own --task-index, and "
              "check that each HOST:PORT is reachable from the others (firewall, address, port)."),
    ErrorKind("worker_lost", "A worker of the cluster was lost",
              "Another machine of the cluster stopped or became unreachable mid-run; training cannot go on without "
              "it, so this worker stopped too.",
              "Look at the lost worker's own report and log for why it stopped (memory, a crash, the network), "
              "then start every worker again."),
    ErrorKind("port_in_use", "The worker's port is in use",
              "Another program already listens on the port this worker was given in --cluster.",
              "Choose a free port for this worker in the --cluster list (on every machine), or stop the program "
              "that holds it."),
    ErrorKind("cancelled", "Cancelled",
              "The run was stopped on request.",
              "Start it again when ready."),
)}


def error_kind(kind: str) -> ErrorKind:
    return KINDS.get(kind, KINDS["crash"])


def gpu_visibility_problem(hardware: dict | None, gpus_seen: list | None, framework: str = "TensorFlow") -> str | None:
    """A warning when the machine has an NVIDIA GPU (by NVML or the driver's device files) but the framework lists
    none: the run would silently train on the CPU. None when there is no such GPU or the framework sees one."""
    gpu = (hardware or {}).get("gpu") or {}
    cards = gpu.get("nvidia") or []
    if gpus_seen is None or gpus_seen or not (cards or gpu.get("driver_device_files")):
        return None
    what = ", ".join(c.get("name") or "NVIDIA GPU" for c in cards) or "an NVIDIA GPU (driver device files present)"
    return (f"this machine has {what}, but {framework} sees no GPU: the run will train on the CPU. "
            + KINDS["no_gpu_visible"].suggestion)


_GPU_DEVICE = re.compile(r"device:GPU|/GPU:\d|GPU_\d_bfc|gpu_bfc|on device ordinal", re.IGNORECASE)
# Out of memory on the GPU in the words of the libraries below TensorFlow (tests/fixtures/gpu_failure_messages.json
# cites where each was seen): the CUDA driver, cuDNN and cuBLAS failing to allocate; and PyTorch's device allocators
# (CUDA, HIP on ROCm, MPS on Apple silicon, XPU), which name their device.
_GPU_ALLOC = re.compile(r"CUDA_ERROR_OUT_OF_MEMORY|CUDNN_STATUS_ALLOC_FAILED|CUBLAS_STATUS_ALLOC_FAILED"
                        r"|(CUDA|HIP|XPU) out of memory|MPS backend out of memory")
# Out of memory without naming a device: the BFC allocator's "OOM when allocating", XLA's "Out of memory while trying
# to allocate", "Resource exhausted" / RESOURCE_EXHAUSTED. On a run where TensorFlow sees a GPU that is the GPU.
_OOM = re.compile(r"OOM when allocating|out of memory while trying to allocate|resource exhausted|RESOURCE_EXHAUSTED"
                  r"|failed to allocate request for", re.IGNORECASE)
# What a GPU whose memory is full makes cuDNN and cuBLAS say without naming memory: ambiguous alone, out of memory
# when NVML saw the memory at its limit, a driver or library problem otherwise.
_GPU_INIT = re.compile(r"cuDNN failed to initialize|CUDNN_STATUS_NOT_INITIALIZED|CUBLAS_STATUS_NOT_INITIALIZED"
                       r"|CUDNN_STATUS_INTERNAL_ERROR", re.IGNORECASE)
_DRIVER = re.compile(
    r"(libcudart|libcudnn|libcublas|cuda driver version is insufficient|CUDA_ERROR|cuDNN|failed call to cuInit"
    r"|could not load dynamic library|DNN library is not found|failed initializing StreamExecutor"
    r"|No visible GPU devices|Unable to initialize backend 'cuda'|CUDA backend failed to initialize)", re.IGNORECASE)
# BFC's warning that a *tentative* allocation failed ("The caller indicates that this is not a failure"): not OOM.
_NOT_A_FAILURE = re.compile(r"^.*The caller indicates that this is not a failure.*$", re.MULTILINE)
VRAM_FULL = 0.95  # NVML's used / total at or above this when a child dies: its GPU memory was at the limit


def gpu_memory_kind(text: str, on_gpu: bool, vram_full: bool = False) -> str | None:
    """gpu_oom / host_oom when `text` says memory ran out (and where), gpu_driver for a GPU library that failed to
    start with the memory not full; None when it says neither."""
    text = _NOT_A_FAILURE.sub("", text)
    if _GPU_ALLOC.search(text):
        return "gpu_oom"
    if _OOM.search(text):
        if _GPU_DEVICE.search(text) or (on_gpu and not re.search(r"device:CPU", text)):
            return "gpu_oom"
        return "host_oom"
    if _GPU_INIT.search(text):
        return "gpu_oom" if vram_full else "gpu_driver"
    return None


# How a failed allocation surfaces under a host memory ceiling (RLIMIT_DATA): oneDNN cannot build a kernel's
# scratch space, the C++ allocator throws, or the OS refuses the mapping.
HOST_ALLOCATION_FAILURES = ("could not create a primitive", "bad_alloc", "Cannot allocate memory", "failed to allocate",
                            "DefaultCPUAllocator: can't allocate memory", "DefaultCPUAllocator: not enough memory")


def near_host_ceiling(limit_gb: float | None, peak_rss_bytes: float, text: str = "") -> bool:
    """Did a child under a host memory ceiling fail because of it? Near an RLIMIT_DATA ceiling an allocation fails
    in many forms (SIGSEGV, SIGABRT, oneDNN messages, other exception texts): a failure with the peak RSS at half the
    ceiling or more, or with an allocation failure in its words, is the ceiling."""
    if not limit_gb:
        return False
    return peak_rss_bytes >= 0.5 * limit_gb * 2**30 or any(
        p in text for p in (*HOST_ALLOCATION_FAILURES, "MemoryError", "OOM"))


def classify_exception(type_name: str, message: str, under_host_limit: bool = False, on_gpu: bool = False,
                       vram_full: bool = False) -> str:
    """An exception raised inside the worker, by class name and message, to an error kind. `on_gpu`: TensorFlow
    sees a GPU in this run (an out-of-memory message that names no device is then the GPU's)."""
    text = f"{type_name}: {message}"
    if under_host_limit and any(p in text for p in HOST_ALLOCATION_FAILURES):
        return "host_oom"
    if type_name == "MemoryError" or "std::bad_alloc" in text or "DefaultCPUAllocator" in text:
        return "host_oom"  # (PyTorch's CPU allocator: c10/core/impl/alloc_cpu.cpp)
    memory = gpu_memory_kind(text, on_gpu, vram_full)
    if memory is not None:
        return memory
    if type_name == "ResourceExhaustedError" or "out of memory" in text.lower():
        return "gpu_oom" if on_gpu else "host_oom"
    if type_name in ("DiskFullError",) or "No space left on device" in text or "[Errno 28]" in text:
        return "disk_full"
    if type_name in ("DatasetError", "DatasetUnavailable"):
        return "data_error"
    if type_name == "ModelLoadError":
        return "model_error"
    if type_name in ("ConfigError", "DevicesUnavailable"):
        return "invalid_config"
    if _DRIVER.search(text):
        return "gpu_driver"
    return "crash"


def classify_exit(returncode: int | None, *, near_memory_limit: bool, hung: bool, stderr_tail: str = "",
                  on_gpu: bool = False, vram_full: bool = False) -> str:
    """A child that ended without a result, by exit status and what we saw, to an error kind. `vram_full`: NVML's
    last reading had its GPU's memory at the limit, which makes a silent death out of GPU memory."""
    if hung:
        return "hang"
    if "No space left on device" in stderr_tail:
        return "disk_full"
    if returncode is not None and returncode < 0:
        sig = -returncode
        if sig == signal.SIGKILL and near_memory_limit:
            return "host_oom"
    if near_memory_limit:
        return "host_oom"
    if "bad_alloc" in stderr_tail or "MemoryError" in stderr_tail:
        return "host_oom"
    memory = gpu_memory_kind(stderr_tail, on_gpu, vram_full)
    if memory in ("gpu_oom", "host_oom"):
        return memory
    if vram_full:
        return "gpu_oom"
    if (memory == "gpu_driver" or _DRIVER.search(stderr_tail)) and "Traceback" in stderr_tail:
        return "gpu_driver"
    return "crash"


def error_dict(kind: str, message: str, **more: Any) -> dict[str, Any]:
    """A report's `error`: the kind, what happened, and the kind's title, explanation and advice in words."""
    k = error_kind(kind)
    return {"kind": kind, "message": message, "title": k.title, "explanation": k.explanation,
            "suggestion": k.suggestion, **more}


def classify_outcome(final_event: Event | None, returncode: int | None, stderr_tail: str, peak_rss: float,
                     ceiling_gb: float | None, hung: bool, *, stopped: bool = False, ram_percent: float = 0.0,
                     task: str = "train", watchdog_s: float = 0.0, on_gpu: bool = False,
                     vram_full: bool = False) -> tuple[str, dict[str, Any] | None]:
    """How one child ended, from what the parent saw: (status, error). `final_event` is its last result, error
    or cancelled event (None if it sent none); `stopped`: the parent asked it to stop; `hung`: the watchdog killed
    it; `ceiling_gb`: its host memory limit; `ram_percent`: the machine's RAM use at the last telemetry sample."""
    if isinstance(final_event, Result):
        return "completed", None
    if isinstance(final_event, Cancelled) or (stopped and not hung):
        return "cancelled", error_dict("cancelled", "stopped on request")
    if isinstance(final_event, Error):
        kind, message = final_event.kind, final_event.message
        if kind == "crash" and vram_full:
            kind = "gpu_oom"
        if kind == "crash" and near_host_ceiling(ceiling_gb, peak_rss, message):
            kind = "host_oom"
            message = (f"{message.splitlines()[0][:300] if message else 'failed'} — at {peak_rss / 2**30:.2f} GB "
                       f"peak RSS under the {ceiling_gb} GB host memory ceiling")
        return "failed", error_dict(kind, message, exception=final_event.exception, traceback=final_event.traceback)
    near = near_host_ceiling(ceiling_gb, peak_rss, stderr_tail) or ram_percent >= 95
    kind = classify_exit(returncode, near_memory_limit=near, hung=hung, stderr_tail=stderr_tail, on_gpu=on_gpu,
                         vram_full=vram_full)
    message = {
        "gpu_oom": f"the {task} process ended ({exit_description(returncode)})"
                   + (" with its GPU's memory full (NVML)" if vram_full else " out of GPU memory"),
        "hang": f"no event for {watchdog_s:.0f} s; the child was killed",
        "host_oom": f"the {task} process ended ({exit_description(returncode)}) at its memory ceiling"
                    + (f" of {ceiling_gb} GB" if ceiling_gb else "") + f"; peak RSS seen {peak_rss / 2**30:.2f} GB",
    }.get(kind, f"the {task} process ended without a result ({exit_description(returncode)})")
    return "failed", error_dict(kind, message, returncode=returncode, log_tail=stderr_tail[-3000:])


# How TensorFlow's collectives say that another worker is gone (tests/fixtures/cluster_failure_messages.json holds
# the messages measured here with two local workers, one of them killed).
# TensorFlow's collectives (gRPC) and, on JAX, gloo's CPU collectives ("Gloo all-reduce failed: … Connection closed
# by peer", measured here: tests/fixtures/cluster_failure_messages.json)
_PEER_GONE = re.compile(r"Collective ops is aborted|failed to connect to all addresses|Connection reset by peer"
                        r"|Socket closed|UnavailableError|DeadlineExceededError|missing heartbeat"
                        r"|has been disconnected|Gloo [a-z-]+ failed|Connection closed by peer", re.IGNORECASE)
_REMOTE_TASK = re.compile(r"/job:worker/replica:\d+/task:(\d+)")
_OWN_KINDS = {"ClusterUnreachable": "cluster_unreachable", "PortInUse": "port_in_use"}


def cluster_failure(type_name: str, message: str, cluster: tuple[str, ...] | list[str],
                    task_index: int) -> tuple[str, str] | None:
    """(kind, message) for a failure that belongs to the cluster (a worker unreachable at start, a port in use, a
    worker lost mid-run, naming which), or None when it is not one (a memory or data error keeps its own kind)."""
    if type_name in _OWN_KINDS:
        return _OWN_KINDS[type_name], message
    if not cluster or not _PEER_GONE.search(f"{type_name}: {message}"):
        return None
    lost = lost_worker(message, cluster, task_index)
    who = f"worker {lost} ({cluster[lost]})" if lost is not None else "another worker"
    first = next((line.strip() for line in message.splitlines() if _PEER_GONE.search(line)), "")
    return "worker_lost", (f"{who} was lost mid-run, so worker {task_index} ({cluster[task_index]}) stopped too"
                           + (f": {first[:300]}" if first else ""))


def lost_worker(message: str, cluster: tuple[str, ...] | list[str], task_index: int) -> int | None:
    """Which other worker a collective's failure names: by its task, else by its HOST:PORT in the text; in a cluster
    of two, the other one (gloo names only its own transport's port)."""
    for match in _REMOTE_TASK.finditer(message):
        task = int(match.group(1))
        if task != task_index and task < len(cluster):
            return task
    for i, address in enumerate(cluster):
        if i != task_index and address in message:
            return i
    return 1 - task_index if len(cluster) == 2 and task_index in (0, 1) else None


def exit_description(returncode: int | None) -> str:
    if returncode is None:
        return "the process did not end"
    if returncode < 0:
        try:
            return f"killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit status {returncode}"
