"""Batches of NumPy arrays, reshuffled every epoch: the input pipeline of every runtime that has none of its own
(Keras on JAX wraps it in keras.utils.PyDataset; the NumPy runtime iterates it)."""

from __future__ import annotations

import numpy as np


class ArrayBatches:
    """Index gather over (x, y), shuffled each epoch when asked, the partial last batch kept, as Keras' own array
    pipeline does. A subclass of keras.utils.PyDataset where Keras feeds it (made by that runtime, after Keras is
    imported)."""

    def __init__(self, x, y, batch_size: int, shuffle: bool, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size, self.shuffle = x, y, batch_size, shuffle
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(x)) if shuffle else np.arange(len(x))

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i: int):
        idx = np.sort(self.order[i * self.batch_size:(i + 1) * self.batch_size])
        return (self.x[idx], self.y[idx]) if self.y is not None else (self.x[idx],)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def on_epoch_end(self) -> None:
        if self.shuffle:  # reshuffled every epoch, as Keras' own array pipeline does
            self.order = self.rng.permutation(len(self.x))

    def every_nth(self, n: int, i: int) -> "ArrayBatches":
        """A cluster worker's share of every global batch: every N-th image, at the global batch / N."""
        y = self.y[i::n] if self.y is not None else None
        return type(self)(self.x[i::n], y, max(1, self.batch_size // n), self.shuffle)
