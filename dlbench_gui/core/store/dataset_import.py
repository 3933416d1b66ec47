"""Importing a folder of MNIST / Fashion-MNIST files into dlbench's data folder: find the file sets, say which
dataset each one is (by the official files' checksums, else by the sub-folder it sits in, else the caller must
choose), check them fully, then copy only those files. No Qt: the GUI runs `import_sets` on a worker thread."""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .idx import NPZ_NAMES, DatasetError, load_located, locate
from .storage import datasets_dir

# MD5 of the official gzip files (LeCun's MNIST; Zalando's Fashion-MNIST), as torchvision and the Fashion-MNIST
# README publish them. MD5 here only identifies published files; it guards nothing.
OFFICIAL_MD5 = {
    "mnist": {"x_train": "f68b3c2dcbeaaa9fbdd348bbdeb94873", "y_train": "d53e105ee54ea40749a09fcbcd1e9432",
              "x_test": "9fb629c4189551a2d022fa330f9573f3", "y_test": "ec29112dd5afa0611ce80d1b7f02629c"},
    "fashion_mnist": {"x_train": "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "y_train": "25c81989df183df01b3e8a0aad5dffbe",
                      "x_test": "bef4ecab320f06d8554ea6380940ec79", "y_test": "bb300cfdad3c16e7a12a480ee83cd310"},
}
# SHA-256 of Keras' mnist.npz (keras.datasets.mnist.load_data's file_hash).
KERAS_MNIST_NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
SUBFOLDER_NAMES = {"mnist": "mnist", "fashion_mnist": "fashion_mnist", "fashion-mnist": "fashion_mnist"}


@dataclass(frozen=True)
class FileSet:
    """The four IDX files, or one .npz, found together; `dataset` is None when nothing says which it is."""
    where: dict[str, Path] | Path  # as `idx.locate` gives it
    dataset: str | None
    how: str  # how the dataset was told: "official checksums", "folder name", "file name" or "unknown"

    @property
    def files(self) -> tuple[Path, ...]:
        return tuple(sorted(self.where.values())) if isinstance(self.where, dict) else (self.where,)

    @property
    def folder(self) -> Path:
        return self.files[0].parent


def _digest(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _identify(where: dict[str, Path] | Path, folder: Path) -> tuple[str | None, str]:
    if isinstance(where, dict):
        if all(p.suffix == ".gz" for p in where.values()):
            sums = {key: _digest(path, "md5") for key, path in where.items()}
            for dataset, official in OFFICIAL_MD5.items():
                if sums == official:
                    return dataset, "official checksums"
    else:
        if _digest(where, "sha256") == KERAS_MNIST_NPZ_SHA256:
            return "mnist", "official checksums"
        for dataset, names in NPZ_NAMES.items():
            if where.name in names:
                return dataset, "file name"
    named = SUBFOLDER_NAMES.get(folder.name.lower())
    return (named, "folder name") if named else (None, "unknown")


def find_sets(folder: str | os.PathLike) -> list[FileSet]:
    """Every distinct file set in `folder` and its dataset sub-folders, each with what it is known to be."""
    root = Path(folder)
    seen: set[tuple[Path, ...]] = set()
    sets = []
    for dataset in NPZ_NAMES:
        where = locate(root, dataset)
        if where is None:
            continue
        found_set = FileSet(where, None, "unknown")
        if found_set.files in seen:
            continue
        seen.add(found_set.files)
        dataset_of, how = _identify(where, found_set.folder)
        sets.append(FileSet(where, dataset_of, how))
    return sets


@dataclass
class DatasetImportOutcome:
    imported: dict[str, str]  # dataset -> what was imported, in words
    problems: list[str]


def import_sets(sets: list[FileSet], choices: dict[Path, str] | None = None) -> DatasetImportOutcome:
    """Check each set fully, then copy only its files into the data folder. `choices` names the dataset of a set
    that could not be identified (by its folder); such a set without a choice is not imported. Two sets claiming
    one dataset: neither is imported."""
    choices = choices or {}
    out = DatasetImportOutcome({}, [])
    wanted: dict[str, FileSet] = {}
    for s in sets:
        dataset = s.dataset or choices.get(s.folder)
        if dataset is None:
            out.problems.append(f"{s.folder}: cannot tell whether these files are MNIST or Fashion-MNIST; choose one")
            continue
        if dataset in wanted:
            out.problems.append(f"{s.folder} and {wanted[dataset].folder} both hold {dataset}: import one of them")
            wanted.pop(dataset)
            continue
        wanted[dataset] = FileSet(s.where, dataset, s.how if s.dataset else "your choice")
    for dataset, s in wanted.items():
        try:
            data = load_located(s.where)
            _copy(s.files, dataset)
        except DatasetError as exc:
            out.problems.append(str(exc))
            continue
        except OSError as exc:
            out.problems.append(f"{dataset}: could not be copied into {datasets_dir()} ({exc.strerror or exc})")
            continue
        short = "" if len(data.x_train) >= 60_000 and len(data.x_test) >= 10_000 else \
            " (fewer than the published protocol's 60,000 + 10,000: enough only for smaller custom runs)"
        out.imported[dataset] = (f"{len(data.x_train):,} training + {len(data.x_test):,} test images from {s.folder}, "
                                 f"identified by {s.how}{short}")
    return out


def _copy(files: tuple[Path, ...], dataset: str) -> None:
    """Only the data files, into a temporary folder renamed into place: never a half-imported dataset."""
    root = datasets_dir()
    target, tmp = root / dataset, root / f".{dataset}.importing"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        for f in files:
            shutil.copy2(f, tmp / f.name)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

