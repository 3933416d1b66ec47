"""Several devices and machines on the PyTorch backend: torch.distributed's default process group and what the report
says of it. The framework is handed in (`torch`): only the runtime module imports it.

- **Machines** (`--cluster HOST:PORT,... --task-index I`): one process per machine, set up as torchrun's static
  rendezvous does: the chief's HOST:PORT holds the TCP store, each worker's rank is its task index.
- **Devices of this machine** (`--devices N`, or `--cpu-devices N` on a CPU): one process per device, set up as
  `torchrun --nproc-per-node=N` does: RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT in
  each one's environment, joined through the env:// rendezvous. The training child the parent started is rank 0: it
  measures, sends the events, saves the checkpoint and writes the report. It starts ranks 1..N-1 itself, each a
  worker process with the same request and no checkpoint to save; their events go nowhere (their log lines to the
  run's log). They train their share of every global batch in step with rank 0 and end with it: at its exit, or when
  its pipe to them closes (bench/worker/wire.Control).

gloo on CPUs, NCCL on NVIDIA and AMD GPUs (ROCm's RCCL answers to the same name)."""

from __future__ import annotations

import atexit
import dataclasses
import datetime
import os
import socket
import subprocess
from typing import Any

from ...core.wire.request import WorkerRequest, worker_command

HELPER_ENV = "DLBENCH_TORCH_RANK"  # set in ranks 1..N-1 only: this process helps rank 0, which is the one measured
END_GRACE_S = 10.0


def join_run(torch, request: WorkerRequest, device: str) -> tuple[Any, int, int]:
    """(the process group, this process's rank, the world's size) of a training run over several machines or devices;
    rank 0 of a machine's devices starts the others first."""
    config = request.config
    if config.cluster:
        return join_cluster(torch, config, device), config.task_index, config.workers
    if config.profile == "quick":  # the plan refuses it first (core/plan.check_strategy); this is the last word
        raise ValueError("the quick profile runs on one device on the PyTorch backend")
    world = world_size(torch, config, device)
    if os.environ.get(HELPER_ENV) is None:
        start_helpers(request, world)
    rank = int(os.environ["RANK"])
    if device == "cuda":
        torch.cuda.set_device(rank)
    elif device == "cpu":  # the cores shared out: N processes with every core each would fight over them
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // world))
    return _join(torch, device, "env://", rank, world, config.cluster_timeout_s), rank, world


def join_cluster(torch, config, device: str):
    """The framework-free wait (bench/backends/cluster.py) names a worker that never comes before torch's own join."""
    from ...core.config import parse_address
    from .cluster import rendezvous

    rendezvous(config)
    host, port = parse_address(config.cluster[0])
    host = f"[{host}]" if ":" in host else host
    return _join(torch, device, f"tcp://{host}:{port}", config.task_index, config.workers, config.cluster_timeout_s)


def _join(torch, device: str, init_method: str, rank: int, world: int, timeout_s: float):
    """torch.distributed's default process group: NCCL on NVIDIA (and ROCm) GPUs, gloo otherwise."""
    torch.distributed.init_process_group("nccl" if device == "cuda" else "gloo", init_method=init_method, rank=rank,
                                         world_size=world, timeout=datetime.timedelta(seconds=timeout_s))
    return torch.distributed.group.WORLD


def world_size(torch, config, device: str) -> int:
    """One process per device asked for (`--devices N|all`; on a CPU, `--cpu-devices N` splits it into N processes,
    as into N logical devices on the Keras backends)."""
    count = torch.cuda.device_count() if device == "cuda" else 1
    asked = config.local_devices(count if device == "cuda" else 0)
    if device != "cpu" and asked > count:
        raise ValueError(f"{asked} devices asked for, but PyTorch sees {count} {device} device(s) here")
    return asked


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_helpers(request: WorkerRequest, world: int) -> list[subprocess.Popen]:
    """Rank 0: the rendezvous in this process's environment, and ranks 1..world-1 started on it."""
    common = {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port()), "WORLD_SIZE": str(world),
              "LOCAL_WORLD_SIZE": str(world)}
    os.environ.update(common, RANK="0", LOCAL_RANK="0")
    line = dataclasses.replace(request, checkpoint_path=None).to_json()  # a helper saves nothing
    helpers = []
    for rank in range(1, world):
        env = {**os.environ, "RANK": str(rank), "LOCAL_RANK": str(rank), HELPER_ENV: str(rank)}
        p = subprocess.Popen(worker_command(), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env, text=True)
        p.stdin.write(line)
        p.stdin.flush()  # and kept open: a helper whose pipe closes stops
        helpers.append(p)
    atexit.register(end_helpers, helpers)
    return helpers


def end_helpers(helpers: list[subprocess.Popen]) -> None:
    """Rank 0 is done: its helpers end with their own last step, or are ended after a grace."""
    for p in helpers:
        try:
            p.stdin.close()
            p.wait(timeout=END_GRACE_S)
        except (OSError, subprocess.TimeoutExpired):
            p.kill()


def describe(torch, config, device: str, world: int) -> dict[str, Any]:
    """The report's `distribution`: the strategy, the replicas and, for a cluster, the chief's tag of the run."""
    dist = torch.distributed
    backend = dist.get_backend()
    info = {"strategy": f"DistributedDataParallel ({backend})", "replicas": world, "workers": config.workers,
            "global_batch_size": config.batch_size, "per_replica_batch_size": config.batch_size / world,
            "scaling": config.scaling, "keras_package": "none",
            "process_group": {"backend": backend, "world_size": dist.get_world_size(), "rank": dist.get_rank()}}
    if not config.cluster:
        names = [f"cuda:{i}" for i in range(world)] if device == "cuda" else [f"{device} (process {i})"
                                                                             for i in range(world)]
        return {**info, "devices": names,
                "launch": f"one process per device, as torchrun --nproc-per-node={world} starts them (RANK, LOCAL_RANK, "
                          "WORLD_SIZE, MASTER_ADDR/MASTER_PORT on 127.0.0.1); rank 0 measures and reports"}
    own = torch.tensor([int.from_bytes(os.urandom(3), "big")], dtype=torch.int64)
    dist.broadcast(own, src=0)  # the chief's number: the tag that groups a cluster's reports
    return {**info, "devices": [f"{device} of worker {i}" for i in range(config.workers)],
            "cluster": list(config.cluster), "task_index": config.task_index, "chief": config.task_index == 0,
            "cluster_run": int(own.item())}
