"""The quick profile in the worker: only as long as needed (core/measure/quick_policy.py says how long), for each
dataset of the request in turn in this one process."""

from __future__ import annotations

import dataclasses
import time

from ...core.measure import quick_policy as policy
from ...core.wire import events as ev
from ...core.wire.request import TrainPayload
from .job import Job, prepare_data, save_checkpoint
from .timing import make_timing_hooks, thin

MAX_EPOCHS = 10_000  # the stop rule ends fit long before: the sample is cycled over until it does
METRICS = ("loss", "accuracy", "precision", "recall")


def quick_datasets(job: Job, model, data, common: TrainPayload) -> TrainPayload:
    """Each dataset but the last is reported as a Result of its own, then the child waits for the parent's "next".
    What is paid once (tracing, warm-up, the checkpoint save, the epoch boundary) is measured with the first dataset
    and said so in `timing.shared` (identical shapes: the same graphs, the same model). The next dataset starts from
    the same weights and a fresh optimiser, as in a process of its own: the timing does not depend on it, but the loss
    and accuracy it reports would otherwise continue the previous dataset's."""
    names = job.request.dataset_names
    initial = job.runtime.snapshot(model)
    first = None
    for i, name in enumerate(names):
        config = job.config_for(name)
        if i:
            job.control.wait_for_next()
            job.runtime.restore(model, initial)
            data, data_prep_s, data_info = prepare_data(job, config)
            common = dataclasses.replace(common, data=data_info, data_prep_s=data_prep_s)
        result = quick_training(job, config, model, data, common, first)
        result = dataclasses.replace(result, dataset=name)
        if first is None:
            first = {**result.timing, "dataset": name}
        if i < len(names) - 1:
            job.emitter.emit(result.event())
    return result


def validation_sample(job: Job, config, model, data, cb) -> tuple[dict, float, list[float], int]:
    """Validation on a sample of batches (the first carries the test function's tracing):
    (metrics, wall seconds, batch times, images)."""
    val_batches = min(config.val_steps, policy.QUICK_VAL_BATCHES)
    n_val = min(config.val_samples, val_batches * config.batch_size)
    cb.on_epoch_begin(0)  # give the callback an epoch to file the validation batches under
    t = time.perf_counter()
    val = job.batches(data.x_test[:n_val], data.y_test[:n_val], config.batch_size, shuffle=False)
    val_metrics = job.runtime.evaluate(model, val, cb)
    return val_metrics, time.perf_counter() - t, cb.val_batch_times[-1], n_val


def epoch_boundary(job: Job, config, model, train) -> list[float]:
    """Every later epoch of the protocol starts after a validation pass (and sometimes a save), with a fresh
    iterator over the training data: time a few steps of exactly that, so the estimate can add what an epoch
    boundary costs instead of assuming it is free."""
    boundary = make_timing_hooks(job.emitter, job.control.stopped, epochs=1, steps_per_epoch=config.steps_per_epoch,
                                 on_step=lambda n, dt: n >= policy.QUICK_BOUNDARY_STEPS)
    job.runtime.fit(model, train, 1, boundary)
    return boundary.step_times[0]


def quick_training(job: Job, config, model, data, common: TrainPayload, shared: dict | None = None) -> TrainPayload:
    """Measure only as long as needed: first step, warm-up, then steady steps until the mean is known to ±2%.

    Steps keep getting slightly faster for a while after the warm-up (about 2% over the first 50 steps of
    Model A here), which a confidence interval cannot see: so the steady phase also lasts a quarter of the
    budget, and its leading transient is cut by the MSER-5 rule before the mean is taken.

    `shared`: the timing of an earlier dataset in this process; what it measured once (save, boundary) is not
    measured again, and the steady phase may stop sooner (the process is warm).
    """
    prior = None if shared is None else shared["steady_steps_kept_s"]
    steps, on_step = policy.stop_rule_for(config.quick_budget_s, prior)
    cb = make_timing_hooks(job.emitter, job.control.stopped, epochs=MAX_EPOCHS, steps_per_epoch=config.steps_per_epoch,
                           on_step=on_step)
    train = job.batches(data.x_train, data.y_train, config.batch_size, shuffle=True)
    t0 = time.perf_counter()
    last = job.runtime.fit(model, train, MAX_EPOCHS, cb)  # running means of the last pass
    train_wall_s = time.perf_counter() - t0
    val_metrics, val_wall_s, val_times, n_val = validation_sample(job, config, model, data, cb)
    if shared is None:  # the simple kernels' published fit saves no checkpoint
        save_s = 0.0 if config.is_kernels else save_checkpoint(job, model, job.request.checkpoint_path)
        boundary_steps = epoch_boundary(job, config, model, train)
    else:  # the same model saved again would take as long; the boundary is the same graph's
        save_s, boundary_steps = 0.0, shared["epoch_boundary_steps_s"]
    n_sample, per_cycle = len(data.x_train), -(-len(data.x_train) // config.batch_size)
    cycles, rest = divmod(len(steps), per_cycle)
    measured_pass = {  # what this run did, recorded as its one epoch: the steps measured, then a validation sample
        "epoch": 1, "train_s": train_wall_s, "val_s": val_wall_s, "checkpoint_s": save_s,
        "epoch_s": train_wall_s + val_wall_s + save_s, "steps": len(steps),
        "images": cycles * n_sample + min(rest * config.batch_size, n_sample), "val_images": n_val,
        "measured_pass": True,
        **{k: last.get(k) for k in METRICS},
        **{f"val_{k}": val_metrics.get(k) for k in METRICS},
    }
    # the validation sample's metrics, live: the window draws them as the validation points of the measured pass
    job.emitter.emit(ev.EpochEnd.from_dict({**measured_pass, "epochs": 1}))
    timing = policy.quick_timing(config.batch_size, steps, train_wall_s, val_wall_s, val_times, save_s,
                                 boundary_steps, prior)
    timing["epochs"] = [measured_pass]
    if shared is not None:
        timing.update(policy.shared_timing(timing, shared))
    return dataclasses.replace(common, timing=timing, step_times_s=[round(s, 6) for s in steps],
                               step_log=thin(cb.step_log), val_batch_times_s=[round(s, 6) for s in val_times])
