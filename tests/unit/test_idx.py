import gzip

import numpy as np
import pytest

from dlbench_gui.core.store.idx import DatasetError, load_folder, read_idx, write_idx
from dlbench_gui.core.store.rawdata import synthetic


def write_set(folder, n_train=100, n_test=20, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, n_train).astype(np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, n_test).astype(np.uint8),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, arr in arrays.items():
        write_idx(folder / name, arr)
    return arrays


def test_idx_files_round_trip(tmp_path):
    arrays = write_set(tmp_path / "mnist")
    data = load_folder(tmp_path, "mnist")
    assert data.source == "files"
    np.testing.assert_array_equal(data.x_train, arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(data.y_test, arrays["t10k-labels-idx1-ubyte.gz"])


def test_keras_style_npz_is_read(tmp_path):
    s = synthetic("fashion_mnist", 30, 10)
    np.savez(tmp_path / "fashion_mnist.npz", x_train=s.x_train, y_train=s.y_train, x_test=s.x_test, y_test=s.y_test)
    data = load_folder(tmp_path, "fashion_mnist")
    np.testing.assert_array_equal(data.x_test, s.x_test)


def test_truncated_gzip_names_the_file(tmp_path):
    write_set(tmp_path)
    victim = tmp_path / "train-images-idx3-ubyte.gz"
    victim.write_bytes(victim.read_bytes()[:500])
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.gz.*(corrupt|truncated)"):
        load_folder(tmp_path, "mnist")


def test_truncated_body_names_the_file(tmp_path):
    write_set(tmp_path)
    victim = tmp_path / "t10k-images-idx3-ubyte.gz"
    raw = gzip.decompress(victim.read_bytes())
    victim.write_bytes(gzip.compress(raw[:-100]))
    with pytest.raises(DatasetError, match="t10k-images-idx3-ubyte.gz: truncated"):
        load_folder(tmp_path, "mnist")


def test_not_an_idx_file(tmp_path):
    write_set(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"PK\x03\x04 this is a zip, not idx"))
    with pytest.raises(DatasetError, match="train-labels-idx1-ubyte.gz: not an IDX file"):
        load_folder(tmp_path, "mnist")


def test_mismatched_counts_are_named(tmp_path):
    write_set(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(99, np.uint8))
    with pytest.raises(DatasetError, match="99 labels for 100 images"):
        load_folder(tmp_path, "mnist")


def test_incomplete_set_lists_what_is_missing(tmp_path):
    write_set(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetError, match="missing t10k-labels-idx1-ubyte.gz"):
        load_folder(tmp_path, "mnist")


def test_empty_folder_says_what_was_expected(tmp_path):
    with pytest.raises(DatasetError, match="no mnist data found"):
        load_folder(tmp_path, "mnist")


def test_synthetic_has_the_real_shapes_and_says_so():
    s = synthetic("mnist", 50, 10)
    assert s.x_train.shape == (50, 28, 28) and s.x_train.dtype == np.uint8 and s.source == "synthetic"
    assert "not real" in s.origin
    assert set(np.unique(s.y_train)) <= set(range(10))
    assert read_idx  # the reader is part of the public surface used by the GUI's import check


def test_a_worker_without_keras_reads_keras_cache_as_files_and_says_so(tmp_path):
    """Injected: Keras made unimportable (tests/fixtures/no_frameworks, PyTorch kept), and a Keras cache holding a
    small mnist.npz in the layout keras.datasets writes; Fashion-MNIST is not in it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import numpy as np

    root = Path(__file__).resolve().parents[2]
    (tmp_path / "datasets").mkdir()
    r = np.random.default_rng(0)
    np.savez(tmp_path / "datasets" / "mnist.npz", x_train=r.integers(0, 256, (70, 28, 28), dtype=np.uint8),
             y_train=r.integers(0, 10, 70).astype(np.uint8), x_test=r.integers(0, 256, (20, 28, 28), dtype=np.uint8),
             y_test=r.integers(0, 10, 20).astype(np.uint8))
    code = ("from dlbench_gui.bench.datasets import load_keras, DatasetUnavailable\n"
            "d = load_keras('mnist'); print(d.source, d.x_train.shape[0], d.origin)\n"
            "try:\n    load_keras('fashion_mnist')\nexcept DatasetUnavailable as e:\n    print('unavailable:', e)\n")
    env = {**os.environ, "PYTHONPATH": f"{root / 'tests' / 'fixtures' / 'no_frameworks'}{os.pathsep}{root}",
           "DLBENCH_TEST_KEEP": "torch", "KERAS_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    first, second = out.stdout.strip().splitlines()
    assert first.startswith("keras 70 Keras' cache, read without Keras")
    assert second.startswith("unavailable: fashion_mnist is not in Keras' cache")
