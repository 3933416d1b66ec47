"""The worker child: reads one request as JSON on stdin, runs it, and reports JSON-lines events on stdout.

Started as `python -m dlbench_gui --worker` (or the frozen executable with `--worker`), one per benchmark.
The real stdout is kept for events only; everything else printed in this process goes to stderr, which the
runner writes to the run's log file.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
import queue
import sys
import threading
import time
import traceback
from typing import Any, Callable

from ..core import events as ev
from ..core import stats
from ..core.config import BenchmarkConfig
from ..core.errors import classify_exception, cluster_failure
from . import datasets, distribute
from .datasets import PIPELINE, pipeline

STEP_FLUSH_S = 0.1  # step events are batched: at most one line every ~100 ms
QUICK_WARMUP_STEPS = 3
QUICK_MIN_STEPS = 20
QUICK_MIN_STEADY_SHARE = 0.25  # and at least this share of the time budget: a slow transient is not noise
QUICK_TARGET_REL_HALFWIDTH = 0.02
QUICK_VAL_BATCHES = 12
QUICK_PREDICT_CHUNKS = 4
QUICK_PREDICT_CHUNK_BATCHES = 4
QUICK_BOUNDARY_STEPS = 3  # steps timed after validation + a checkpoint save: what each later epoch starts with
QUICK_TRAIN_BATCHES = 200  # the quick profile prepares at most this many training batches (it cycles over them)
# A later dataset in a process that is already warm (runner/share.py) has no start-up transient left to find: its
# steady mean needs fewer steps before the ±2% rule may stop it.
QUICK_MIN_STEPS_WARM = 10
# ... and, its mean pooling its steps with the first dataset's, a third of the budget: on a noisy machine Model B's
# ±2% is never reached and both datasets would otherwise spend the whole budget (measured: 23 + 23 steps and 319 s
# for all four with the whole budget for each; docs/benchmarks.md, "A faster answer").
QUICK_WARM_BUDGET_SHARE = 1 / 3


class StopRequested(Exception):
    """The parent asked this child to stop; raised from a Keras callback so fit/evaluate end at once."""


HEARTBEAT_S = 10.0  # the parent's hang watchdog waits several of these before it calls a silent child hung
MAX_BEATING_S = 3600.0  # one phase that long without progress of its own is hung: stop vouching for it


class Emitter:
    """Writes events to the stdout that was claimed for them; safe from several threads.

    Between a phase event and the next step, nothing else shows the child is alive (graph tracing of the first
    step, validation, saving, loading, predicting can each take minutes), so a heartbeat thread sends one every
    `heartbeat_s` of silence. A step event ends the beating until the next phase."""

    def __init__(self, stream, heartbeat_s: float = HEARTBEAT_S):
        self._stream = stream
        self._lock = threading.Lock()
        self.heartbeat_s = heartbeat_s
        self._phase: str | None = None
        self._phase_since = self._last = time.monotonic()
        self._beating = True

    def emit(self, event: ev.Event) -> None:
        line = event.to_json()
        with self._lock:
            self._stream.write(line)
            self._stream.flush()
            self._last = time.monotonic()
            if isinstance(event, ev.Phase):
                self._phase, self._phase_since, self._beating = event.phase, self._last, True
            elif isinstance(event, ev.Step):
                self._beating = False

    def beat_if_due(self) -> bool:
        now = time.monotonic()
        with self._lock:
            due = (self._beating and now - self._last >= self.heartbeat_s
                   and now - self._phase_since < MAX_BEATING_S)
            phase = self._phase
        if due:
            self.emit(ev.Heartbeat(phase=phase))
        return due

    def start_heartbeat(self) -> threading.Event:
        """Beat until the returned event is set (or the process ends: the thread is a daemon)."""
        done = threading.Event()

        def loop() -> None:
            while not done.wait(self.heartbeat_s / 4):
                try:
                    self.beat_if_due()
                except (OSError, ValueError):
                    return  # the wire is gone; the main thread will find out
        threading.Thread(target=loop, daemon=True, name="heartbeat").start()
        return done


def _claim_stdout():
    """Keep fd 1 for events; point fd 1 (and sys.stdout) at stderr so stray prints cannot corrupt the wire."""
    events_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(events_fd, "w", buffering=1, encoding="utf-8")


NEXT: "queue.Queue[bool]" = queue.Queue()  # one item per "next" the parent sent


def _watch_stdin(stop: threading.Event) -> None:
    for line in sys.stdin:
        if line.strip() == ev.STOP_COMMAND:
            stop.set()
            return
        if line.strip() == ev.NEXT_COMMAND:
            NEXT.put(True)
    # stdin closed: the parent is gone or gave up on us; stop too rather than train for nobody.
    stop.set()


def software_info(tf, keras_package: str = "keras") -> dict[str, Any]:
    import importlib

    import keras
    import numpy as np

    try:
        build = {k: str(v) for k, v in tf.sysconfig.get_build_info().items()}
    except Exception:  # not every build has it
        build = {}
    devices = [{"name": d.name, "type": d.device_type} for d in tf.config.list_physical_devices()]
    gpu_details = []
    for d in tf.config.list_physical_devices("GPU"):
        try:
            gpu_details.append({"name": d.name, **{k: str(v) for k, v in tf.config.experimental.get_device_details(d).items()}})
        except Exception:
            gpu_details.append({"name": d.name})
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        **({"keras_package": keras_package, "tf_keras": importlib.import_module(keras_package).__version__}
           if keras_package != "keras" else {}),
        "numpy": np.__version__,
        "os": f"{platform.system()} {platform.release()}",
        "platform": platform.platform(),
        "tf_devices": devices,
        "tf_gpus": gpu_details,
        "tf_build": build,
        "tf_built_with_cuda": bool(tf.test.is_built_with_cuda()),
        "input_pipeline": PIPELINE,
    }


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


def apply_gpu_memory_limit(tf, limit_gb: float | None) -> dict[str, Any]:
    gpus = tf.config.list_physical_devices("GPU")
    if limit_gb is None or not gpus:
        return {"gpu_memory_limit_gb": limit_gb, "applied": False if limit_gb else None}
    mb = int(limit_gb * 1024)
    for gpu in gpus:
        tf.config.set_logical_device_configuration(gpu, [tf.config.LogicalDeviceConfiguration(memory_limit=mb)])
    return {"gpu_memory_limit_gb": limit_gb, "applied": True, "gpus": len(gpus)}


def _gpu_peak_bytes(tf) -> int | None:
    peaks = []
    for i, _ in enumerate(tf.config.list_logical_devices("GPU")):
        try:
            peaks.append(tf.config.experimental.get_memory_info(f"GPU:{i}")["peak"])
        except Exception:
            pass
    return max(peaks) if peaks else None


# ----------------------------------------------------------------------------------------------- callbacks
def _floats(logs: dict | None) -> dict[str, float]:
    out = {}
    for k, v in (logs or {}).items():
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            pass
    return out


class _TimingLogic:
    """The timing callback's behaviour; `make_timing_callback` mixes it into Keras' Callback class.

    A step's time is the interval between consecutive batch ends (the first: from epoch start), so the input
    pipeline and callback overhead count, as they do in a real run."""

    def __init__(self, emitter: Emitter, stop: threading.Event, epochs: int, steps_per_epoch: int,
                 checkpoint: Callable[[int, dict], float | None] | None, on_step: Callable[[int, float], bool] | None):
        super().__init__()
        self.emitter, self.stop, self.epochs, self.steps_per_epoch = emitter, stop, epochs, steps_per_epoch
        self.checkpoint, self.on_step = checkpoint, on_step
        self.epoch_records: list[dict[str, Any]] = []
        self.step_times: list[list[float]] = []
        self.val_batch_times: list[list[float]] = []
        self.step_log: list[list] = []
        self._pending: list[list[float]] = []
        self._last_flush = time.perf_counter()
        self._global_step = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._t_epoch = self._last = time.perf_counter()
        self._t_val = None
        self._val_s = 0.0
        self.step_times.append([])
        self.val_batch_times.append([])
        self.emitter.emit(ev.Phase(phase="training", epoch=epoch + 1, epochs=self.epochs))

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        dt = now - self._last
        self._last = now
        self.step_times[-1].append(dt)
        self._global_step += 1
        lg = _floats(logs)
        self.step_log.append([self._global_step, lg.get("loss"), lg.get("accuracy")])
        self._pending.append([self._epoch + 1, batch + 1, round(dt, 6), lg.get("loss"), lg.get("accuracy")])
        if now - self._last_flush >= STEP_FLUSH_S:
            self._flush()
        if self.stop.is_set():
            raise StopRequested()
        if self.on_step is not None and self.on_step(self._global_step, dt):
            self.model.stop_training = True

    def _flush(self):
        if self._pending:
            self.emitter.emit(ev.Step(steps=self._pending, steps_per_epoch=self.steps_per_epoch))
            self._pending = []
        self._last_flush = time.perf_counter()

    def on_test_begin(self, logs=None):
        self._flush()
        self._t_val = self._last_val = time.perf_counter()
        self.emitter.emit(ev.Phase(phase="validating", epoch=self._epoch + 1, epochs=self.epochs))

    def on_test_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        self.val_batch_times[-1].append(now - self._last_val)
        self._last_val = now
        if self.stop.is_set():
            raise StopRequested()

    def on_test_end(self, logs=None):
        self._val_s = time.perf_counter() - self._t_val

    def on_epoch_end(self, epoch, logs=None):
        self._flush()
        t_end_steps = self._t_val if self._t_val is not None else time.perf_counter()
        metrics = _floats(logs)
        ckpt_s = self.checkpoint(epoch, metrics) if self.checkpoint else None
        record = {
            "epoch": epoch + 1,
            "train_s": t_end_steps - self._t_epoch,
            "val_s": self._val_s,
            "checkpoint_s": ckpt_s or 0.0,
            "epoch_s": time.perf_counter() - self._t_epoch,
            "steps": len(self.step_times[-1]),
            **{k: metrics.get(k) for k in ("loss", "accuracy", "precision", "recall",
                                           "val_loss", "val_accuracy", "val_precision", "val_recall")},
        }
        self.epoch_records.append(record)
        self.emitter.emit(ev.EpochEnd.from_dict({**record, "epochs": self.epochs}))


def make_timing_callback(keras, emitter: Emitter, stop: threading.Event, *, epochs: int, steps_per_epoch: int,
                         checkpoint: Callable[[int, dict], float | None] | None = None,
                         on_step: Callable[[int, float], bool] | None = None):
    """One Keras callback for timing, events, the best-model checkpoint and stopping (see `_TimingLogic`)."""
    cls = type("TimingCallback", (_TimingLogic, keras.callbacks.Callback), {})
    return cls(emitter, stop, epochs, steps_per_epoch, checkpoint, on_step)


def _thin(rows: list, limit: int = 500) -> list:
    """At most `limit` rows, evenly spread, the last one kept: enough for a curve in a report."""
    if len(rows) <= limit:
        return rows
    step = len(rows) / limit
    return [rows[int(i * step)] for i in range(limit - 1)] + [rows[-1]]


# ----------------------------------------------------------------------------------------------- tasks
def _prepare_data(config: BenchmarkConfig, emitter: Emitter, test_only: bool = False):
    emitter.emit(ev.Phase(phase="preparing_data"))
    t = time.perf_counter()
    limits = {}
    if config.profile == "quick":  # measures a sample: prepare only what it can use
        limits = {"max_train": QUICK_TRAIN_BATCHES * config.batch_size,
                  "max_val": max(QUICK_VAL_BATCHES * config.batch_size,
                                 (1 + QUICK_PREDICT_CHUNKS * QUICK_PREDICT_CHUNK_BATCHES) * config.inference_batch_size)}
    data = datasets.prepare(config, test_only=test_only, **limits)
    data_prep_s = time.perf_counter() - t
    data_info = {"source": data.source, "origin": data.origin, "sha256": data.sha256,
                 "synthetic": data.source == "synthetic", "attempts": list(data.attempts)}
    emitter.emit(ev.Log(message=f"data: {data.origin}", data=data_info, extra={"data_prep_s": data_prep_s}))
    return data, data_prep_s, data_info


def _sees_gpu() -> bool:
    """Does TensorFlow (if it was imported at all) see a GPU? An out-of-memory error naming no device is then the GPU's."""
    tf = sys.modules.get("tensorflow")
    try:
        return bool(tf is not None and tf.config.list_physical_devices("GPU"))
    except Exception:
        return False


def weights_words(w: dict) -> str:
    from .models import TIMINGS_UNAFFECTED

    if w["used"] == "imagenet":
        return "weights: ImageNet, as published"
    why = "as asked" if w["reason"] == "as asked" else w["reason"]
    return f"weights: random ({why}); timings are unaffected: {TIMINGS_UNAFFECTED}"


def _join(config: BenchmarkConfig, emitter: Emitter, tf):
    """(strategy or None, the report's `distribution` or None): the devices or machines this run trains on."""
    if not config.distributed:
        return None, None
    emitter.emit(ev.Phase(phase="connecting" if config.cluster else "distributing"))
    if config.cluster:
        emitter.emit(ev.Log(message=f"joining the cluster as worker {config.task_index} of {config.workers} "
                                    f"({', '.join(config.cluster)}); waiting up to {config.cluster_timeout_s:g} s"))
    strategy = distribute.make_strategy(tf, config)
    info = distribute.describe(strategy, config)
    if config.cluster:
        info["cluster_run"] = distribute.shared_run_id(tf, strategy, int.from_bytes(os.urandom(6), "big"))
    emitter.emit(ev.Log(message=f"{info['strategy']}: {info['replicas']} replicas over {info['workers']} worker(s), "
                                f"global batch {info['global_batch_size']} ({config.scaling} scaling)",
                        extra={"distribution": info}))
    return strategy, info


def run_training(config: BenchmarkConfig, request: dict, emitter: Emitter, stop: threading.Event, tf) -> dict:
    import contextlib

    from . import flops, models

    keras = models.keras_module(config.keras_package)
    keras.utils.set_random_seed(config.seed)
    strategy, distribution = _join(config, emitter, tf)
    data, data_prep_s, data_info = _prepare_data(config, emitter)
    emitter.emit(ev.Phase(phase="building"))
    t = time.perf_counter()
    with strategy.scope() if strategy is not None else contextlib.nullcontext():  # variables mirrored on each replica
        model, weights = models.build_with_weights(config.model, config.weights, keras=keras)
        build_s = time.perf_counter() - t
        emitter.emit(ev.Log(message=weights_words(weights), kind="weights"))
        emitter.emit(ev.Phase(phase="compiling"))
        t = time.perf_counter()
        models.compile_model(model, keras=keras)
    compile_s = time.perf_counter() - t
    flop_counts = flops.count(model)
    model_info = {"name": model.name, "params": int(model.count_params()),
                  "trainable_params": int(sum(int(math.prod(w.shape)) for w in model.trainable_weights)),
                  "weights": weights, "precision": str(keras.mixed_precision.global_policy().name),
                  "jit_compile": bool(getattr(model, "jit_compile", False)), **flop_counts}
    emitter.emit(ev.Log(message=f"model {model.name}: {model_info['params']:,} parameters", extra={"model": model_info}))

    checkpoint_path = request["checkpoint_path"]
    common = {"data": data_info, "model": model_info, "data_prep_s": data_prep_s, "build_s": build_s,
              "compile_s": compile_s, "checkpoint_path": checkpoint_path,
              **({"distribution": distribution} if distribution else {})}
    if config.profile == "quick":
        return _quick_datasets(config, request, model, data, emitter, stop, keras, common)
    return {**common, **_protocol_training(config, model, data, emitter, stop, checkpoint_path, keras)}


def _sharded(config: BenchmarkConfig, dataset):
    """A cluster's workers each take their share of every global batch; one machine's replicas are split by Keras."""
    if not config.cluster:
        return dataset
    import tensorflow as tf

    return distribute.shard_by_data(tf, dataset)


def _save(model, path: str, emitter: Emitter) -> float:
    emitter.emit(ev.Phase(phase="saving"))
    t = time.perf_counter()
    tmp = path + ".tmp.keras"
    model.save(tmp)
    os.replace(tmp, path)  # a crash mid-save leaves the previous best checkpoint intact
    return time.perf_counter() - t


def wait_for_next(stop: threading.Event) -> None:
    """A child kept for the next dataset waits here until the parent's runner for it says "next" (or stop)."""
    while True:
        try:
            NEXT.get(timeout=0.2)
            return
        except queue.Empty:
            if stop.is_set():
                raise StopRequested() from None


def _datasets(config: BenchmarkConfig, request: dict) -> list[str]:
    """The datasets this child measures in turn: the request's list (a quick run's datasets of one model, shared),
    or the config's one."""
    return list(request.get("datasets") or [config.dataset])


def _fresh_state(model, initial: list, keras) -> None:
    """The next dataset starts from the same weights and a fresh optimizer, as in a process of its own: the timing
    does not depend on it, but the loss and accuracy it reports would otherwise continue the previous dataset's.
    (The random seed is not set again: with `keras.utils.set_random_seed` here, Model B's first step on the second
    dataset took 36.6 s, part of its graph traced again, and 1.9 s without it; dropout and shuffling go on from the
    process's random state.)"""
    model.set_weights(initial)
    for v in model.optimizer.variables:
        if "learning_rate" not in v.name:  # the moments and the iteration count
            v.assign(keras.ops.zeros_like(v))


def _quick_datasets(config, request, model, data, emitter, stop, keras, common) -> dict:
    """The quick profile for each dataset of the request in turn, in this one process: the model is built and its
    graphs traced once. Each dataset but the last is reported as a Result of its own, then the child waits for the
    parent's "next". What is paid once (tracing, warm-up, the checkpoint save, the epoch boundary) is measured with
    the first dataset and said so in `timing.shared` (identical shapes: the same graphs, the same model)."""
    names = _datasets(config, request)
    initial = [w.copy() for w in model.get_weights()]
    first = None
    for i, name in enumerate(names):
        cfg = dataclasses.replace(config, dataset=name)
        if i:
            wait_for_next(stop)
            _fresh_state(model, initial, keras)
            data, data_prep_s, data_info = _prepare_data(cfg, emitter)
            common = {**common, "data": data_info, "data_prep_s": data_prep_s}
        result = {**common, "dataset": name, **_quick_training(cfg, model, data, emitter, stop,
                                                               request["checkpoint_path"], keras, first)}
        if first is None:
            first = {**result["timing"], "dataset": name}
        if i < len(names) - 1:
            emitter.emit(ev.Result(task="train", extra=result))
    return result


def _protocol_training(config, model, data, emitter, stop, checkpoint_path, keras) -> dict:
    best = {"val_accuracy": -math.inf}

    def checkpoint(epoch: int, metrics: dict) -> float | None:
        # Best model by validation accuracy, as the published ModelCheckpoint(save_best_only=True) does.
        value = metrics.get("val_accuracy", -math.inf)
        if value > best["val_accuracy"]:
            best["val_accuracy"] = value
            best["epoch"] = epoch + 1
            return _save(model, checkpoint_path, emitter)
        return None

    cb = make_timing_callback(keras, emitter, stop, epochs=config.epochs, steps_per_epoch=config.steps_per_epoch,
                              checkpoint=checkpoint)
    train = _sharded(config, pipeline(data.x_train, data.y_train, config.batch_size, shuffle=True))
    val = _sharded(config, pipeline(data.x_test, data.y_test, config.batch_size, shuffle=False))
    t0 = time.perf_counter()
    # shuffle=False: Keras must not try to shuffle a dataset; the pipeline itself reshuffles every epoch
    model.fit(train, epochs=config.epochs, validation_data=val, shuffle=False, verbose=0, callbacks=[cb])
    execution_time_s = time.perf_counter() - t0
    records = cb.epoch_records
    val_time_s = sum(r["val_s"] for r in records)
    all_steps = [s for epoch in cb.step_times for s in epoch]
    steady = all_steps[1:]
    epoch_times = [r["epoch_s"] for r in records]
    images = config.train_samples * len(records)
    timing = {
        "execution_time_s": execution_time_s,
        "train_time_s": execution_time_s - val_time_s,
        "val_time_s": val_time_s,
        "train_steps_time_s": sum(r["train_s"] for r in records),
        "checkpoint_s": sum(r["checkpoint_s"] for r in records),
        "checkpoint_saves": sum(1 for r in records if r["checkpoint_s"]),
        "first_step_s": all_steps[0],
        "steady_step_s": stats.median(steady) if steady else all_steps[0],
        "steady_step": stats.summary(steady),
        "first_val_batch_s": cb.val_batch_times[0][0] if cb.val_batch_times and cb.val_batch_times[0] else None,
        "epochs": records,
        "epoch_summary": stats.summary(epoch_times),
        "warmup": stats.warmup_split(epoch_times),
        "train_images_per_s": stats.throughput(images, sum(r["train_s"] for r in records)),
        "steady_images_per_s": stats.throughput(config.batch_size * len(steady), sum(steady)) if steady else None,
        "step_drift": stats.drift(steady),
        "best_epoch": best.get("epoch"),
        "best_val_accuracy": best["val_accuracy"] if best.get("epoch") else None,
    }
    return {"timing": timing, "step_times_s": [round(s, 6) for s in all_steps], "step_log": _thin(cb.step_log)}


def _steady_stop_rule(budget: float, min_steps: int = QUICK_MIN_STEPS, min_share: float = QUICK_MIN_STEADY_SHARE,
                      prior: list[float] | None = None) -> tuple[list[float], Callable[[int, float], bool]]:
    """(the step times, seen so far; the callback's `on_step`): stop once the steady mean is known to ±2%, after at
    least `min_steps` steady steps and `min_share` of the budget. `prior`: steady steps of the same process and graph
    (an earlier dataset), pooled with these for the mean."""
    prior = list(prior or [])
    steps: list[float] = []
    state = {"t_steady": None}

    def on_step(n: int, dt: float) -> bool:
        steps.append(dt)
        if n == 1 + QUICK_WARMUP_STEPS:
            state["t_steady"] = time.perf_counter() - dt
        steady = steps[1 + QUICK_WARMUP_STEPS:]
        if len(steady) < 2:
            return False
        elapsed = time.perf_counter() - state["t_steady"]
        if elapsed >= budget and len(steady) >= (min_steps if prior else 5):  # a pooled mean: its own floor too
            return True
        if len(steady) < min_steps or elapsed < min_share * budget or n % max(1, n // 50):
            return False  # (the cut is searched on every step only while runs are short)
        kept = prior + steady[stats.mser_truncation(steady, keep_at_least=min_steps):]
        return stats.ci95_halfwidth(kept) <= QUICK_TARGET_REL_HALFWIDTH * stats.mean(kept)

    return steps, on_step


def _quick_validation(config, model, data, cb) -> tuple[dict, float, list[float], int]:
    """Validation on a sample of batches (the first carries the test function's tracing):
    (metrics, wall seconds, batch times, images)."""
    val_batches = min(config.val_steps, QUICK_VAL_BATCHES)
    n_val = min(config.val_samples, val_batches * config.batch_size)
    cb.on_epoch_begin(0)  # give the callback an epoch to file the validation batches under
    t = time.perf_counter()
    val_metrics = model.evaluate(pipeline(data.x_test[:n_val], data.y_test[:n_val], config.batch_size, shuffle=False),
                                 verbose=0, callbacks=[cb], return_dict=True)
    return val_metrics, time.perf_counter() - t, cb.val_batch_times[-1], n_val


def _quick_boundary(config, model, train, emitter, stop, keras) -> list[float]:
    """Every later epoch of the protocol starts after a validation pass (and sometimes a save), with a fresh
    iterator over the training data: time a few steps of exactly that, so the estimate can add what an epoch
    boundary costs instead of assuming it is free."""
    boundary = make_timing_callback(keras, emitter, stop, epochs=1, steps_per_epoch=config.steps_per_epoch,
                                    on_step=lambda n, dt: n >= QUICK_BOUNDARY_STEPS)
    model.fit(train, epochs=1, shuffle=False, verbose=0, callbacks=[boundary])
    return boundary.step_times[0]


def _quick_training(config, model, data, emitter, stop, checkpoint_path, keras, shared: dict | None = None) -> dict:
    """Measure only as long as needed: first step, warm-up, then steady steps until the mean is known to ±2%.

    Steps keep getting slightly faster for a while after the warm-up (about 2% over the first 50 steps of
    Model A here), which a confidence interval cannot see: so the steady phase also lasts a quarter of the
    budget, and its leading transient is cut by the MSER-5 rule before the mean is taken.

    `shared`: the timing of an earlier dataset in this process; what it measured once (save, boundary) is not
    measured again, and the steady phase may stop sooner (the process is warm).
    """
    # a warm process (a later dataset) has had its slow transient already: no minimum share of the budget, and its
    # steady steps are pooled with the first dataset's (the same process, the same graph)
    prior = None if shared is None else shared["steady_steps_kept_s"]
    steps, on_step = (_steady_stop_rule(config.quick_budget_s) if shared is None else
                      _steady_stop_rule(QUICK_WARM_BUDGET_SHARE * config.quick_budget_s, QUICK_MIN_STEPS_WARM, 0.0,
                                        prior))
    max_epochs = 10_000
    cb = make_timing_callback(keras, emitter, stop, epochs=max_epochs, steps_per_epoch=config.steps_per_epoch,
                              on_step=on_step)
    train = pipeline(data.x_train, data.y_train, config.batch_size, shuffle=True)
    t0 = time.perf_counter()
    history = model.fit(train, epochs=max_epochs, shuffle=False, verbose=0, callbacks=[cb])  # the pipeline reshuffles
    train_wall_s = time.perf_counter() - t0
    val_metrics, val_wall_s, val_times, n_val = _quick_validation(config, model, data, cb)
    if shared is None:
        save_s = _save(model, checkpoint_path, emitter)
        boundary_steps = _quick_boundary(config, model, train, emitter, stop, keras)
    else:  # the same model saved again would take as long; the boundary is the same graph's
        save_s, boundary_steps = 0.0, shared["epoch_boundary_steps_s"]
    n_sample, per_cycle = len(data.x_train), -(-len(data.x_train) // config.batch_size)
    cycles, rest = divmod(len(steps), per_cycle)
    last = {k: v[-1] for k, v in history.history.items() if v}  # Keras' running means of the last pass over the sample
    measured_pass = {  # what this run did, recorded as its one epoch: the steps measured, then a validation sample
        "epoch": 1, "train_s": train_wall_s, "val_s": val_wall_s, "checkpoint_s": save_s,
        "epoch_s": train_wall_s + val_wall_s + save_s, "steps": len(steps),
        "images": cycles * n_sample + min(rest * config.batch_size, n_sample), "val_images": n_val,
        "measured_pass": True,
        **{k: _floats(last).get(k) for k in ("loss", "accuracy", "precision", "recall")},
        **{f"val_{k}": _floats(val_metrics).get(k) for k in ("loss", "accuracy", "precision", "recall")},
    }
    # the validation sample's metrics, live: the window draws them as the validation points of the measured pass
    emitter.emit(ev.EpochEnd.from_dict({**measured_pass, "epochs": 1}))
    timing = _quick_timing(config, steps, train_wall_s, val_wall_s, val_times, save_s, boundary_steps, prior)
    timing["epochs"] = [measured_pass]
    if shared is not None:
        timing.update(shared_timing(timing, shared))
    return {"timing": timing, "step_times_s": [round(s, 6) for s in steps], "step_log": _thin(cb.step_log),
            "val_batch_times_s": [round(s, 6) for s in val_times]}


def _quick_timing(config, steps, train_wall_s, val_wall_s, val_times, save_s, boundary_steps,
                  prior: list[float] | None = None) -> dict:
    after_warmup = steps[1 + QUICK_WARMUP_STEPS:]
    floor = QUICK_MIN_STEPS if prior is None else QUICK_MIN_STEPS_WARM
    transient = stats.mser_truncation(after_warmup, keep_at_least=min(floor, len(after_warmup)))
    own = after_warmup[transient:]
    steady = (prior or []) + own  # a later dataset's mean: its steps pooled with the first dataset's
    return {
        "execution_time_s": train_wall_s + val_wall_s,
        "train_time_s": train_wall_s,
        "val_time_s": val_wall_s,
        "first_step_s": steps[0],
        "warmup_steps_s": steps[1:1 + QUICK_WARMUP_STEPS],
        "transient_steps_dropped": transient,
        "transient_rule": "MSER-5 on the steps after the warm-up",
        "steady_step_s": stats.median(steady),
        "steady_step": stats.summary(steady),
        "steady_steps_measured": len(own),
        **({"own_steady_step": stats.summary(own), "own_steady_step_s": stats.median(own),
            "steady_steps_pooled": len(steady)} if prior is not None else {}),
        "first_val_batch_s": val_times[0],
        "val_batch": stats.summary(val_times[1:]),
        "val_batches_measured": len(val_times),
        "checkpoint_s": save_s,
        "checkpoint_saves": 1,
        "epoch_boundary_steps_s": boundary_steps,
        "steady_images_per_s": stats.throughput(config.batch_size * len(steady), sum(steady)),
        "step_drift": stats.drift(own),
        "steady_steps_kept_s": own,
        "note": "quick profile: these are the measured parts (one pass: the steps measured, then a validation "
                "sample); the estimated protocol's times are in 'estimate'",
    }


SHARED_WHY = ("MNIST and Fashion-MNIST have identical shapes, so the model, its graphs and its checkpoint are the same: "
              "what a process pays once was measured once, with the first dataset, in this process")


def shared_timing(own: dict, first: dict) -> dict:
    """A later dataset's timing in a shared process: its own steady steps and validation sample, and the one-off
    costs measured with the first dataset (kept beside its own first step and first validation batch)."""
    once = ("first_step_s", "warmup_steps_s", "first_val_batch_s", "checkpoint_s", "epoch_boundary_steps_s")
    return {**{k: first[k] for k in once},
            "own_first_step_s": own["first_step_s"], "own_warmup_steps_s": own["warmup_steps_s"],
            "own_first_val_batch_s": own["first_val_batch_s"],
            "shared": {"with": first["dataset"], "measured_once": list(once), "why": SHARED_WHY,
                       "pooled": "steady_step: this dataset's steady steps pooled with the first dataset's "
                                 f"({first['steady_step']['n']}); this dataset's alone: own_steady_step"}}


def run_inference(config: BenchmarkConfig, request: dict, emitter: Emitter, stop: threading.Event, tf) -> dict:
    """Cold inference in a fresh process: load the saved model, then predict the test set (on one device, as
    published, also after a distributed training). A quick run's datasets of one model share the process: one cold
    load, then a prediction sample of each dataset (a Result each; the child waits for "next" between them)."""
    names = _datasets(config, request)
    data, data_prep_s, data_info = _prepare_data(config, emitter, test_only=True)
    model, load_s = _load(config, request["checkpoint_path"], emitter, stop)
    if config.profile != "quick":
        emitter.emit(ev.Phase(phase="predicting"))
        bs = config.inference_batch_size
        t = time.perf_counter()
        pred = model.predict(pipeline(data.x_test, None, bs, shuffle=False), verbose=0)
        predict_s = time.perf_counter() - t
        accuracy = float((pred.argmax(1) == data.y_test.argmax(1)).mean())
        return {"inference": {"load_s": load_s, "predict_s": predict_s, "total_s": load_s + predict_s,
                              "images": int(len(data.x_test)), "batch_size": bs, "accuracy": accuracy},
                "data_prep_s": data_prep_s, "data": data_info}
    first = None
    for i, name in enumerate(names):
        if i:
            wait_for_next(stop)
            data, data_prep_s, data_info = _prepare_data(dataclasses.replace(config, dataset=name), emitter,
                                                         test_only=True)
        inference = _predict_sample(model, data.x_test, config.inference_batch_size, emitter, stop)
        inference["load_s"] = load_s
        if first is None:
            first = {**inference, "dataset": name}
        else:  # loaded once; the prediction graph traced once, with the first dataset
            inference.update(own_first_batch_s=inference["first_batch_s"], first_batch_s=first["first_batch_s"],
                             shared={"with": first["dataset"], "measured_once": ["load_s", "first_batch_s"],
                                     "why": SHARED_WHY})
        inference["total_s"] = load_s + inference["predict_s"]
        result = {"inference": inference, "data_prep_s": data_prep_s, "data": data_info, "dataset": name}
        if i < len(names) - 1:
            emitter.emit(ev.Result(task="infer", extra=result))
    return result


def _load(config: BenchmarkConfig, path: str, emitter: Emitter, stop: threading.Event):
    """(the saved model, cold load seconds)."""
    if not os.path.isfile(path):
        raise ModelLoadError(f"saved model not found: {path}")
    emitter.emit(ev.Phase(phase="loading"))
    t = time.perf_counter()
    try:
        from .models import activity_l2_class, keras_module

        keras = keras_module(config.keras_package)  # the package that saved it (tf_keras for a cluster's)
        activity_l2_class(config.keras_package)  # the custom regulariser the checkpoint names must be known first
        model = keras.models.load_model(path)
    except Exception as exc:
        raise ModelLoadError(f"saved model {path} cannot be loaded: {str(exc).splitlines()[0][:300]}") from exc
    load_s = time.perf_counter() - t
    if stop.is_set():
        raise StopRequested()
    return model, load_s


def _predict_sample(model, x, bs: int, emitter: Emitter, stop: threading.Event) -> dict:
    """Quick: the first batch (tracing, in a fresh process) alone, then a few chunks of steady batches for a mean
    and its spread."""
    emitter.emit(ev.Phase(phase="predicting"))
    t = time.perf_counter()
    model.predict(pipeline(x[:bs], None, bs, shuffle=False), verbose=0)
    first_batch_s = time.perf_counter() - t
    per_image: list[float] = []
    predicted = min(len(x), bs)
    chunk = QUICK_PREDICT_CHUNK_BATCHES * bs
    rest_s = 0.0
    for start in range(bs, min(len(x), bs + QUICK_PREDICT_CHUNKS * chunk), chunk):
        part = x[start:start + chunk]
        if len(part) < chunk:  # a short chunk would retrace for its odd shape and spoil the steady figure
            break
        if stop.is_set():
            raise StopRequested()
        t = time.perf_counter()
        model.predict(pipeline(part, None, bs, shuffle=False), verbose=0)
        dt = time.perf_counter() - t
        rest_s += dt
        per_image.append(dt / len(part))
        predicted += len(part)
    return {"predict_s": first_batch_s + rest_s, "images": int(predicted), "batch_size": bs,
            "first_batch_s": first_batch_s, "steady_s_per_image": stats.mean(per_image) if per_image else None,
            "steady_s_per_image_samples": per_image, "note": "quick profile: a sample of the test set was predicted"}


class ModelLoadError(RuntimeError):
    """The saved model for inference is missing or corrupt."""


def run_probe(config: BenchmarkConfig, request: dict, emitter: Emitter, stop: threading.Event, tf) -> dict:
    """A few real training steps at one batch size: does it fit in memory? (the largest-batch finder)"""
    import keras
    import numpy as np
    import psutil

    from . import models

    steps = int(request.get("steps", 3))
    emitter.emit(ev.Phase(phase="building"))
    model, _weights = models.build_with_weights(config.model, config.weights)
    models.compile_model(model)
    emitter.emit(ev.Phase(phase="probing"))
    rng = np.random.default_rng(0)
    n = config.batch_size * steps
    x = rng.random((n, 32, 32, 3), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
    cb = make_timing_callback(keras, emitter, stop, epochs=1, steps_per_epoch=steps)
    model.fit(x, y, batch_size=config.batch_size, epochs=1, verbose=0, callbacks=[cb])
    rss_peak = None
    try:
        import resource

        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    except Exception:
        rss_peak = psutil.Process().memory_info().rss
    return {"probe": {"batch_size": config.batch_size, "steps": steps, "peak_rss_bytes": rss_peak,
                      "gpu_peak_bytes": _gpu_peak_bytes(tf), "step_times_s": cb.step_times[0]}}


def run_describe(config: BenchmarkConfig, request: dict, emitter: Emitter, stop: threading.Event, tf) -> dict:
    from . import flops, models

    out = {}
    for name in models.BUILDERS:
        emitter.emit(ev.Phase(phase="building", extra={"model": name}))
        m = models.build_model(name)
        out[name] = {"params": int(m.count_params()), "layers": len(list(flops._layers(m))),
                     "trainable_params": int(sum(int(math.prod(w.shape)) for w in m.trainable_weights)),
                     **flops.count(m)}
    return {"models": out}


TASKS = {"train": run_training, "infer": run_inference, "probe": run_probe, "describe": run_describe}


def main() -> int:
    out = _claim_stdout()
    emitter = Emitter(out)
    beating = emitter.start_heartbeat()
    stop = threading.Event()
    config = None
    try:
        line = sys.stdin.readline()
        if not line:
            emitter.emit(ev.Error(kind="crash", message="no request received on stdin"))
            return 2
        request = json.loads(line)
        emitter.heartbeat_s = float(request.get("heartbeat_s") or HEARTBEAT_S)
        threading.Thread(target=_watch_stdin, args=(stop,), daemon=True, name="stdin-watch").start()
        config = BenchmarkConfig.from_dict(request["config"])
        task = TASKS[request["task"]]
        apply_host_memory_limit(config.host_memory_limit_gb)
        emitter.emit(ev.Phase(phase="starting", task=request["task"]))
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
        import tensorflow as tf

        if request["task"] == "train":
            distribute.configure_devices(tf, config)  # before anything initialises TensorFlow's devices
        gpu_limit = apply_gpu_memory_limit(tf, config.gpu_memory_limit_gb)
        from .models import keras_module

        # Keras' own mixed precision: every layer computes in the policy's dtype, the output layer stays float32
        # (bench/models.py), variables stay float32; float32 is the published protocol.
        keras_module(config.keras_package).mixed_precision.set_global_policy(config.precision)
        emitter.emit(ev.Hello(software=software_info(tf, config.keras_package), gpu_memory_limit=gpu_limit,
                              pid=os.getpid()))
        result = task(config, request, emitter, stop, tf)
        peak = _gpu_peak_bytes(tf)
        if peak is not None:
            result["gpu_peak_bytes"] = peak
        emitter.emit(ev.Result(task=request["task"], extra=result))
        return 0
    except StopRequested:
        emitter.emit(ev.Cancelled(message="stopped on request"))
        return 0
    except BaseException as exc:  # every failure must reach the parent as an event, classified
        limit = getattr(config, "host_memory_limit_gb", None)
        kind = classify_exception(type(exc).__name__, str(exc), under_host_limit=bool(limit), on_gpu=_sees_gpu())
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
        if config is not None and config.cluster:
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
