"""Loading MNIST / Fashion-MNIST from Keras, local files or a labelled synthetic stand-in; vectorised preparation."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import numpy as np

from ..core.config import BenchmarkConfig
from ..core.store.datasources import keras_cache_dir, keras_cached, local_folder
from ..core.store.idx import DatasetError, load_folder, locate
from ..core.store.rawdata import RawDataset, synthetic


class DatasetUnavailable(DatasetError):
    """The requested source cannot provide the data here (for example: offline, not cached)."""


@dataclass(frozen=True)
class PreparedData:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    origin: str
    sha256: str
    attempts: tuple[str, ...]


def load_keras(dataset: str) -> RawDataset:
    try:
        import keras
    except ImportError:  # a worker without Keras (native PyTorch): Keras' cache is read as the files it is
        return load_keras_cache(dataset)

    loader = {"mnist": keras.datasets.mnist, "fashion_mnist": keras.datasets.fashion_mnist}[dataset]
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(20)  # an offline machine must fall through quickly, not hang
    try:
        (x_train, y_train), (x_test, y_test) = loader.load_data()
    except Exception as exc:  # Keras wraps network errors in a bare Exception
        raise DatasetUnavailable(f"Keras could not load {dataset}: {str(exc).splitlines()[0][:300]}") from exc
    finally:
        socket.setdefaulttimeout(previous)
    return RawDataset(x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64),
                      source="keras", origin="keras.datasets (cache or download)")


def load_keras_cache(dataset: str) -> RawDataset:
    """The dataset from Keras' cache folder, without Keras (the same files `keras.datasets` reads); no download."""
    if not keras_cached(dataset):
        raise DatasetUnavailable(f"{dataset} is not in Keras' cache ({keras_cache_dir()}), and this worker has no Keras "
                                 "to download it")
    raw = load_folder(keras_cache_dir(), dataset)
    return RawDataset(raw.x_train, raw.y_train, raw.x_test, raw.y_test, source="keras",
                      origin=f"Keras' cache, read without Keras ({keras_cache_dir()})")


def load_raw(config: BenchmarkConfig) -> tuple[RawDataset, list[str]]:
    """The raw uint8 images by the config's data choice; `auto` tries Keras, then local files, then synthetic."""
    attempts: list[str] = []
    if config.data == "synthetic":
        return synthetic(config.dataset, config.train_samples, config.val_samples, config.seed), attempts
    if config.data == "keras":
        return load_keras(config.dataset), attempts
    if config.data != "auto":
        return load_folder(config.data, config.dataset), attempts
    try:
        return load_keras(config.dataset), attempts
    except DatasetUnavailable as exc:
        attempts.append(str(exc))
    if locate(local_folder(), config.dataset):
        return load_folder(local_folder(), config.dataset), attempts
    attempts.append(f"no imported files in {local_folder()}")
    return synthetic(config.dataset, config.train_samples, config.val_samples, config.seed), attempts


def bilinear_weights(size_in: int, size_out: int) -> np.ndarray:
    """The (size_out, size_in) matrix of bilinear resizing with half-pixel centres, as tf.image.resize and
    jax.image.resize compute it for an upscale: output i samples input (i + 0.5) * in/out - 0.5, clamped at the
    edges, between its two neighbours."""
    src = np.clip((np.arange(size_out) + 0.5) * size_in / size_out - 0.5, 0.0, size_in - 1)
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, size_in - 1)
    w = np.zeros((size_out, size_in))
    np.add.at(w, (np.arange(size_out), lo), 1.0 - (src - lo))
    np.add.at(w, (np.arange(size_out), hi), src - lo)
    return w


def to_model_input(images: np.ndarray, chunk: int = 10_000) -> np.ndarray:
    """uint8 (N, 28, 28) → float32 (N, 32, 32, 3) in [0, 1]: bilinear resize, gray repeated to RGB, vectorised, in
    NumPy (no framework: the same arrays for every backend; tests/unit check it against tf.image.resize)."""
    rows = bilinear_weights(images.shape[1], 32).astype(np.float32)
    cols = bilinear_weights(images.shape[2], 32).astype(np.float32)
    out = np.empty((len(images), 32, 32, 3), dtype=np.float32)
    for start in range(0, len(images), chunk):
        block = images[start:start + chunk].astype(np.float32) / 255.0
        resized = np.matmul(np.matmul(rows, block), cols.T)  # rows, then columns: (N, 32, 32)
        out[start:start + chunk] = np.clip(resized, 0.0, 1.0)[..., None]  # broadcasts gray to three channels
    return out


def one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(10, dtype=np.float32)[labels.astype(np.int64)]


def prepare(config: BenchmarkConfig, test_only: bool = False, max_train: int | None = None,
            max_val: int | None = None) -> PreparedData:
    """The model-ready arrays of the configured sample counts (or fewer: a quick profile's sample of them)."""
    raw, attempts = load_raw(config)
    if len(raw.x_train) < config.train_samples:
        raise DatasetError(f"{raw.origin}: has {len(raw.x_train):,} training images, the run needs {config.train_samples:,}")
    if len(raw.x_test) < config.val_samples:
        raise DatasetError(f"{raw.origin}: has {len(raw.x_test):,} test images, the run needs {config.val_samples:,}")
    digest = raw.sha256()
    n_val = min(config.val_samples, max_val or config.val_samples)
    n_train = min(config.train_samples, max_train or config.train_samples)
    x_te = to_model_input(raw.x_test[:n_val])
    y_te = one_hot(raw.y_test[:n_val])
    if test_only:
        x_tr = np.empty((0, 32, 32, 3), np.float32)
        y_tr = np.empty((0, 10), np.float32)
    else:
        x_tr = to_model_input(raw.x_train[:n_train])
        y_tr = one_hot(raw.y_train[:n_train])
    return PreparedData(x_tr, y_tr, x_te, y_te, raw.source, raw.origin, digest, tuple(attempts))
