"""What Keras' `fit` and `evaluate` do, for the runtimes that have no Keras (NumPy's reference, native PyTorch): the
epoch loop that calls the step hooks in Keras' order, and the published metrics over a pass, in NumPy."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .base import StepHooks

# step(x, y) → (the batch's class probabilities, its one-hot labels, its mean loss or None), all on the host: reading
# them back is what makes the step's computation end before its hook is called
Step = Callable[[Any, Any], tuple[np.ndarray, np.ndarray, "float | None"]]


class Metrics:
    """Running means over a pass, as Keras' logs are: loss and accuracy per image, precision and recall over every
    class entry thresholded at 0.5 (Keras' Precision and Recall on one-hot labels)."""

    def __init__(self):
        self.loss = self.correct = self.images = self.tp = self.fp = self.fn = 0.0

    def add(self, p: np.ndarray, y: np.ndarray, loss: float | None = None) -> dict[str, float]:
        """One batch's class probabilities and one-hot labels; `loss`: the batch's mean loss as the runtime computed
        it (with the regularisers), else its cross-entropy here."""
        self.loss += loss * len(p) if loss is not None else float(-(y * np.log(np.clip(p, 1e-7, 1.0))).sum())
        self.correct += float((p.argmax(1) == y.argmax(1)).sum())
        self.images += len(p)
        hit = p > 0.5
        self.tp += float((hit & (y > 0.5)).sum())
        self.fp += float((hit & (y <= 0.5)).sum())
        self.fn += float((~hit & (y > 0.5)).sum())
        return self.logs()

    FIELDS = ("loss", "correct", "images", "tp", "fp", "fn")

    def totals(self) -> list[float]:
        return [getattr(self, f) for f in self.FIELDS]

    @classmethod
    def of(cls, totals: list[float]) -> "Metrics":
        m = cls()
        for f, v in zip(cls.FIELDS, totals):
            setattr(m, f, float(v))
        return m

    def logs(self) -> dict[str, float]:
        n = max(self.images, 1.0)
        return {"loss": self.loss / n, "accuracy": self.correct / n,
                "precision": self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0,
                "recall": self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0}


# What several workers do with a pass's metrics before they are said (sums over every worker); alone: nothing
Reduce = Callable[["Metrics"], "Metrics"]


def alone(metrics: "Metrics") -> "Metrics":
    return metrics


def evaluate(infer: Step, batches, hooks: StepHooks, reduce: Reduce = alone) -> dict[str, float]:
    """One pass in inference mode: the hooks' validation calls around it, the metrics of the whole pass."""
    hooks.on_test_begin()
    metrics = Metrics()
    for i, (x, y) in enumerate(batches):
        p, labels, loss = infer(x, y)
        metrics.add(p, labels, loss)
        hooks.on_test_batch_end(i, metrics.logs())
    logs = reduce(metrics).logs()
    hooks.on_test_end(logs)
    return logs


def fit(step: Step, infer: Step, train, epochs: int, hooks: StepHooks, validation: Any = None,
        reduce: Reduce = alone) -> dict[str, float]:
    """Keras' fit loop: each epoch's steps (a hook answering True ends training after this epoch), the pipeline
    reshuffled, validation, then the epoch's end. Returns the last epoch's logs (with several workers, over all of
    them: `reduce`)."""
    logs: dict[str, float] = {}
    for epoch in range(epochs):
        hooks.on_epoch_begin(epoch)
        metrics, stop = Metrics(), False
        for i, (x, y) in enumerate(train):
            p, labels, loss = step(x, y)
            logs = metrics.add(p, labels, loss)
            if hooks.on_train_batch_end(i, dict(logs)):
                stop = True
                break
        train.on_epoch_end()
        logs = reduce(metrics).logs()
        if validation is not None:  # as Keras' fit: validation, then the epoch's end, then a stop
            logs = {**logs, **{f"val_{k}": v for k, v in evaluate(infer, validation, hooks, reduce).items()}}
        hooks.on_epoch_end(epoch, dict(logs))
        if stop:
            break
    return logs
