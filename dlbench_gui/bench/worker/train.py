"""The `train` task: build and compile the model (under a distribution strategy when asked), then either the
protocol's epochs as configured, or the quick profile's measured pass (`quick.py`). Every framework call goes through
the runtime (bench/backends/base.Runtime)."""

from __future__ import annotations

import math
import time
from typing import Any

from ...core.measure import stats
from ...core.wire import events as ev
from ...core.wire.request import TrainPayload
from .job import Job, prepare_data, save_checkpoint, say_weights
from .quick import quick_datasets
from .timing import make_timing_hooks, thin


def join(job: Job):
    """(strategy or None, the report's `distribution` or None): the devices or machines this run trains on."""
    config = job.config
    if not config.distributed:
        return None, None
    job.emitter.phase("connecting" if config.cluster else "distributing")
    if config.cluster:
        job.emitter.emit(ev.Log(message=f"joining the cluster as worker {config.task_index} of {config.workers} "
                                        f"({', '.join(config.cluster)}); waiting up to {config.cluster_timeout_s:g} s"))
    strategy, info = job.runtime.strategy(config)
    job.emitter.emit(ev.Log(message=f"{info['strategy']}: {info['replicas']} replicas over {info['workers']} "
                                    f"worker(s), global batch {info['global_batch_size']} ({config.scaling} scaling)",
                            extra={"distribution": info}))
    return strategy, info


def build(job: Job, strategy) -> tuple[Any, dict[str, Any], float, float]:
    """(the compiled model, the report's `model`, build seconds, compile seconds)."""
    runtime, config = job.runtime, job.config
    job.emitter.phase("building")
    t = time.perf_counter()
    model, weights = runtime.build(config.model, config.weights, strategy)  # variables mirrored on each replica
    build_s = time.perf_counter() - t
    say_weights(job, weights)
    job.emitter.phase("compiling")
    t = time.perf_counter()
    runtime.compile(model, strategy)
    compile_s = time.perf_counter() - t
    model_info = {**{k: v for k, v in runtime.describe(model).items() if k != "layers"}, "weights": weights}
    job.emitter.emit(ev.Log(message=f"model {model_info['name']}: {model_info['params']:,} parameters",
                            extra={"model": model_info}))
    return model, model_info, build_s, compile_s


def run_training(job: Job) -> TrainPayload:
    job.runtime.seed(job.config.seed)
    matrix = None
    if job.config.is_kernels:  # the simple kernels: NumPy's and SciPy's products first, then convolve2d trains
        from ..matrix_parts import run_matrix_parts

        def keep(parts: dict) -> None:  # each part said as it ends: a stop in the sparse one keeps the dense one
            done = ", ".join(f"{name.split('_')[0]} {parts[name]['total_s']:.2f} s"
                             for name in ("dense_matmul", "sparse_matmul") if name in parts)
            job.emitter.emit(ev.Log(message=f"matrix parts: {done}", extra={"kernels": parts}))

        matrix = run_matrix_parts(job.emitter.phase, job.control.check, job.config.seed, keep)
    strategy, distribution = join(job)
    data, data_prep_s, data_info = prepare_data(job, job.config)
    model, model_info, build_s, compile_s = build(job, strategy)
    common = TrainPayload(data=data_info, model=model_info, data_prep_s=data_prep_s, build_s=build_s,
                          compile_s=compile_s, checkpoint_path=job.request.checkpoint_path, distribution=distribution,
                          kernels=matrix)
    if job.config.profile == "quick":
        return quick_datasets(job, model, data, common)
    return protocol_training(job, model, data, common)


def protocol_training(job: Job, model, data, common: TrainPayload) -> TrainPayload:
    import dataclasses

    config, path = job.config, job.request.checkpoint_path
    best = {"val_accuracy": -math.inf}

    def checkpoint(epoch: int, metrics: dict) -> float | None:
        # Best model by validation accuracy, as the published ModelCheckpoint(save_best_only=True) does.
        value = metrics.get("val_accuracy", -math.inf)
        if value > best["val_accuracy"]:
            best["val_accuracy"] = value
            best["epoch"] = epoch + 1
            return save_checkpoint(job, model, path)
        return None

    cb = make_timing_hooks(job.emitter, job.control.stopped, epochs=config.epochs,
                           steps_per_epoch=config.steps_per_epoch,
                           # the kernels' fit saves nothing, nor does a helper rank (bench/backends/torch_distributed.py)
                           checkpoint=None if config.is_kernels or path is None else checkpoint)
    train = job.runtime.shard(config, job.batches(data.x_train, data.y_train, config.batch_size, shuffle=True))
    val = job.runtime.shard(config, job.batches(data.x_test, data.y_test, config.batch_size, shuffle=False))
    t0 = time.perf_counter()
    job.runtime.fit(model, train, config.epochs, cb, validation=val)
    execution_time_s = time.perf_counter() - t0
    all_steps = [s for epoch in cb.step_times for s in epoch]
    timing = protocol_timing(config.batch_size, config.train_samples, cb.epoch_records, all_steps,
                             cb.val_batch_times, execution_time_s, best)
    return dataclasses.replace(common, timing=timing, step_times_s=[round(s, 6) for s in all_steps],
                               step_log=thin(cb.step_log))


def protocol_timing(batch_size: int, train_samples: int, records: list[dict], all_steps: list[float],
                    val_batch_times: list[list[float]], execution_time_s: float, best: dict) -> dict[str, Any]:
    """The report's `timing` of a protocol run: every epoch, the steady step, the warm-up and the best epoch."""
    val_time_s = sum(r["val_s"] for r in records)
    steady = all_steps[1:]
    epoch_times = [r["epoch_s"] for r in records]
    return {
        "execution_time_s": execution_time_s,
        "train_time_s": execution_time_s - val_time_s,
        "val_time_s": val_time_s,
        "train_steps_time_s": sum(r["train_s"] for r in records),
        "checkpoint_s": sum(r["checkpoint_s"] for r in records),
        "checkpoint_saves": sum(1 for r in records if r["checkpoint_s"]),
        "first_step_s": all_steps[0],
        "steady_step_s": stats.median(steady) if steady else all_steps[0],
        "steady_step": stats.summary(steady),
        "first_val_batch_s": val_batch_times[0][0] if val_batch_times and val_batch_times[0] else None,
        "epochs": records,
        "epoch_summary": stats.summary(epoch_times),
        "warmup": stats.warmup_split(epoch_times),
        "train_images_per_s": stats.throughput(train_samples * len(records), sum(r["train_s"] for r in records)),
        "steady_images_per_s": stats.throughput(batch_size * len(steady), sum(steady)) if steady else None,
        "step_drift": stats.drift(steady),
        "best_epoch": best.get("epoch"),
        "best_val_accuracy": best["val_accuracy"] if best.get("epoch") else None,
    }
