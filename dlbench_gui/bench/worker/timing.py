"""The step hooks (bench/backends/base.StepHooks) that time every step, send the step and epoch events, save the best
checkpoint and stop training or validation when the parent asks. Every runtime calls them (Keras through a callback)."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from ...core.wire import events as ev
from ..backends.base import floats
from .wire import Emitter, StopRequested

STEP_FLUSH_S = 0.1  # step events are batched: at most one line every ~100 ms
EPOCH_METRICS = ("loss", "accuracy", "precision", "recall", "val_loss", "val_accuracy", "val_precision", "val_recall")


def thin(rows: list, limit: int = 500) -> list:
    """At most `limit` rows, evenly spread, the last one kept: enough for a curve in a report."""
    if len(rows) <= limit:
        return rows
    step = len(rows) / limit
    return [rows[int(i * step)] for i in range(limit - 1)] + [rows[-1]]


class TimingLogic:
    """The step hooks a runtime calls (in Keras' order, see bench/backends/base.py).

    A step's time is the interval between consecutive batch ends (the first: from epoch start), so the input
    pipeline and callback overhead count, as they do in a real run."""

    def __init__(self, emitter: Emitter, stop: threading.Event, epochs: int, steps_per_epoch: int,
                 checkpoint: Callable[[int, dict], float | None] | None, on_step: Callable[[int, float], bool] | None):
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
        self.emitter.phase("training", epoch=epoch + 1, epochs=self.epochs)

    def on_train_batch_end(self, batch, logs=None) -> bool:
        """True: stop training after this step (the quick profile's stop rule said so)."""
        now = time.perf_counter()
        dt = now - self._last
        self._last = now
        self.step_times[-1].append(dt)
        self._global_step += 1
        lg = floats(logs)
        self.step_log.append([self._global_step, lg.get("loss"), lg.get("accuracy")])
        self._pending.append([self._epoch + 1, batch + 1, round(dt, 6), lg.get("loss"), lg.get("accuracy")])
        if now - self._last_flush >= STEP_FLUSH_S:
            self._flush()
        if self.stop.is_set():
            raise StopRequested()
        return bool(self.on_step is not None and self.on_step(self._global_step, dt))

    def _flush(self):
        if self._pending:
            self.emitter.emit(ev.Step(steps=self._pending, steps_per_epoch=self.steps_per_epoch))
            self._pending = []
        self._last_flush = time.perf_counter()

    def on_test_begin(self, logs=None):
        self._flush()
        self._t_val = self._last_val = time.perf_counter()
        self.emitter.phase("validating", epoch=self._epoch + 1, epochs=self.epochs)

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
        metrics = floats(logs)
        ckpt_s = self.checkpoint(epoch, metrics) if self.checkpoint else None
        record = {
            "epoch": epoch + 1,
            "train_s": t_end_steps - self._t_epoch,
            "val_s": self._val_s,
            "checkpoint_s": ckpt_s or 0.0,
            "epoch_s": time.perf_counter() - self._t_epoch,
            "steps": len(self.step_times[-1]),
            **{k: metrics.get(k) for k in EPOCH_METRICS},
        }
        self.epoch_records.append(record)
        self.emitter.emit(ev.EpochEnd.from_dict({**record, "epochs": self.epochs}))


def make_timing_hooks(emitter: Emitter, stop: threading.Event, *, epochs: int, steps_per_epoch: int,
                      checkpoint: Callable[[int, dict], float | None] | None = None,
                      on_step: Callable[[int, float], bool] | None = None) -> TimingLogic:
    """One set of hooks for timing, events, the best-model checkpoint and stopping (see `TimingLogic`)."""
    return TimingLogic(emitter, stop, epochs, steps_per_epoch, checkpoint, on_step)
