"""Data-parallel training on the TensorFlow backend, through tf.distribute itself (docs/distribution.md).

- Several devices on one machine: `MirroredStrategy` over N GPUs, or over N logical CPU devices (`--cpu-devices`),
  so that the whole path runs on a machine without GPUs.
- Several machines: `MultiWorkerMirroredStrategy`, configured by TF_CONFIG built from `--cluster` and
  `--task-index`; the model is built with tf_keras there (`BenchmarkConfig.keras_package_for`).

Nothing here all-reduces or serves parameters by hand: the strategies do.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ...core.config import BenchmarkConfig
from .cluster import rendezvous


class DevicesUnavailable(RuntimeError):
    """More devices were asked for than TensorFlow sees."""


def configure_devices(tf, config: BenchmarkConfig) -> None:
    """Before TensorFlow initialises its devices: split the CPU into logical devices, and show a multi-device run
    only the N GPUs it asked for."""
    if config.cpu_devices:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * config.cpu_devices)
    gpus = tf.config.list_physical_devices("GPU")
    if config.distributed and not config.cpu_devices and gpus and 0 < config.devices < len(gpus):
        tf.config.set_visible_devices(gpus[:config.devices], "GPU")


def tf_config(config: BenchmarkConfig) -> dict[str, Any]:
    return {"cluster": {"worker": list(config.cluster)}, "task": {"type": "worker", "index": config.task_index}}


def _multi_worker(tf, config: BenchmarkConfig):
    """MultiWorkerMirroredStrategy, once every worker has been seen."""
    rendezvous(config)
    os.environ["TF_CONFIG"] = json.dumps(tf_config(config))
    # a collective that waits longer than this for a worker fails (worker_lost) instead of waiting for ever
    options = tf.distribute.experimental.CommunicationOptions(timeout_seconds=config.cluster_timeout_s)
    return tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)


def make_strategy(tf, config: BenchmarkConfig):
    """The strategy this run trains under, or None for the published single device (no strategy at all)."""
    if config.cluster:
        return _multi_worker(tf, config)
    if not config.distributed:
        return None
    kind = "CPU" if config.cpu_devices else "GPU"
    devices = tf.config.list_logical_devices(kind)
    wanted = config.local_devices(len(tf.config.list_physical_devices("GPU")))
    if len(devices) < wanted:
        have = f"{len(devices)} {kind} device(s)"
        raise DevicesUnavailable(f"{wanted} devices asked for, but TensorFlow sees {have}"
                                 + ("" if kind == "CPU" else "; --cpu-devices N splits the CPU instead"))
    return tf.distribute.MirroredStrategy([d.name for d in devices[:wanted]])


def strategy_facts(strategy, config: BenchmarkConfig) -> dict[str, Any]:
    """The report's `distribution` (without the scaling efficiency, which needs the history)."""
    replicas = strategy.num_replicas_in_sync if strategy is not None else 1
    devices = list(getattr(strategy.extended, "worker_devices", ()) or ()) if strategy is not None else []
    return {
        # MultiWorkerMirroredStrategy's class is CollectiveAllReduceStrategy: the report uses the public name
        "strategy": ("MultiWorkerMirroredStrategy" if config.cluster else type(strategy).__name__)
                    if strategy is not None else "none (one device, as published)",
        "replicas": int(replicas),
        "workers": config.workers,
        "devices": [str(d) for d in devices],
        "global_batch_size": config.batch_size,
        "per_replica_batch_size": config.batch_size / replicas,
        "scaling": config.scaling,
        "keras_package": config.keras_package_for("tensorflow"),
        **({"cluster": list(config.cluster), "task_index": config.task_index, "chief": config.task_index == 0}
           if config.cluster else {}),
    }


def shared_run_id(tf, strategy, own_id: int) -> int:
    """The chief's number, known to every worker after one all-reduce: the tag that groups a cluster's reports."""
    contribution = own_id if strategy.cluster_resolver.task_id == 0 else 0

    def value():
        ctx = tf.distribute.get_replica_context()
        return tf.constant(contribution if ctx.replica_id_in_sync_group == 0 else 0, tf.int64)

    per_replica = strategy.run(value)
    return int(strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None).numpy())


def shard_by_data(tf, dataset):
    """In-memory data has no files to shard: each worker takes its share of the elements (no warning, no retry)."""
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)
