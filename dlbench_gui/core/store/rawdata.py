"""A dataset's raw arrays (uint8 28x28 images, integer labels) wherever they came from, and the labelled
synthetic stand-in with the real shapes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RawDataset:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # keras | files | synthetic
    origin: str  # where it came from, in words

    def sha256(self) -> str:
        h = hashlib.sha256()
        for arr in (self.x_train, self.y_train, self.x_test, self.y_test):
            h.update(np.ascontiguousarray(arr).tobytes())
        return h.hexdigest()


def synthetic(dataset: str, train_samples: int, val_samples: int, seed: int = 0) -> RawDataset:
    """Random images with the real shapes and class count — clearly labelled, never passed off as real."""
    rng = np.random.default_rng(seed + (0 if dataset == "mnist" else 1))
    y_train = rng.integers(0, 10, size=train_samples)
    y_test = rng.integers(0, 10, size=val_samples)
    x_train = rng.integers(0, 256, size=(train_samples, 28, 28), dtype=np.uint8)
    x_test = rng.integers(0, 256, size=(val_samples, 28, 28), dtype=np.uint8)
    return RawDataset(x_train, y_train, x_test, y_test, source="synthetic",
                      origin=f"synthetic random images, seed {seed} (not real {dataset})")
