"""Where each dataset can come from, answered without TensorFlow (for the setup panel and the CLI)."""

from __future__ import annotations

import os
from pathlib import Path

from .idx import DatasetError, locate
from .storage import datasets_dir

_KERAS_CACHE = {
    "mnist": ["mnist.npz"],
    "fashion_mnist": [f"fashion-mnist/{n}" for n in (
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")],
}


def keras_cache_dir() -> Path:
    base = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(base) / "datasets"


def keras_cached(dataset: str) -> bool:
    root = keras_cache_dir()
    return all((root / rel).is_file() for rel in _KERAS_CACHE[dataset])


def local_folder() -> Path:
    """The folder 'Import folder…' copies into and `--data auto` looks in after Keras' cache."""
    return datasets_dir()


def state(dataset: str, data: str = "auto") -> tuple[str, str]:
    """(state, words): what a run with this data choice would use, e.g. ('cached', 'Keras cache')."""
    if data == "synthetic":
        return "synthetic", "synthetic stand-in (random images, real shapes)"
    if data not in ("auto", "keras"):
        try:
            found = locate(data, dataset)
        except DatasetError as exc:
            return "error", str(exc)
        return ("files", f"local files in {data}") if found else ("error", f"no {dataset} files in {data}")
    if keras_cached(dataset):
        return "cached", f"Keras cache ({keras_cache_dir()})"
    if data == "keras":
        return "download", "will download through Keras (needs internet)"
    try:
        if locate(local_folder(), dataset):
            return "files", f"imported files in {local_folder()}"
    except (DatasetError, OSError) as exc:
        return "error", str(exc)
    return "download_or_synthetic", "will try to download; synthetic stand-in if offline"
