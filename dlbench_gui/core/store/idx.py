"""Reading and writing the standard MNIST IDX files and Keras-style .npz archives, with clear errors."""

from __future__ import annotations

import gzip
import os
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .rawdata import RawDataset

IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
NPZ_NAMES = {"mnist": ("mnist.npz",), "fashion_mnist": ("fashion_mnist.npz", "fashion-mnist.npz")}
EXPECTED_COUNTS = {"x_train": 60_000, "y_train": 60_000, "x_test": 10_000, "y_test": 10_000}
MAX_IDX_BYTES = 512 * 2**20  # the largest official file holds 47 MB; ten times that is not an MNIST file
_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class DatasetError(ValueError):
    """A dataset file is missing, corrupt, truncated or of the wrong shape; the message names the file."""


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """One IDX file (gzip or plain). Reads the header first and never decompresses more than it declares (plus
    one byte, to notice padding), so a hostile archive cannot fill memory."""
    p = Path(path)
    opener = gzip.open if p.suffix == ".gz" else open
    try:
        with opener(p, "rb") as fh:
            magic = fh.read(4)
            if len(magic) < 4:
                raise DatasetError(f"{p}: too short to be an IDX file ({len(magic)} bytes)")
            zero, dtype_code, ndim = struct.unpack(">HBB", magic)
            if zero != 0 or dtype_code not in _DTYPES or not 1 <= ndim <= 4:
                raise DatasetError(f"{p}: not an IDX file (bad magic number {magic.hex()})")
            raw_dims = fh.read(4 * ndim)
            if len(raw_dims) < 4 * ndim:
                raise DatasetError(f"{p}: truncated IDX header")
            dims = struct.unpack(">" + "I" * ndim, raw_dims)
            dtype = np.dtype(_DTYPES[dtype_code])
            expected = int(np.prod(dims, dtype=object)) * dtype.itemsize
            if expected > MAX_IDX_BYTES:
                raise DatasetError(f"{p}: declares {expected:,} bytes of data (shape {dims}), far more than any "
                                   "MNIST-style file; not read")
            body = fh.read(expected + 1)
    except DatasetError:
        raise
    except FileNotFoundError:
        raise DatasetError(f"{p}: file not found") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetError(f"{p}: corrupt or truncated gzip file ({exc})") from exc
    if len(body) != expected:
        what = "truncated" if len(body) < expected else "padded (more data than the header declares)"
        raise DatasetError(f"{p}: {what}: the header promises {expected:,} bytes of data for shape {dims}")
    return np.frombuffer(body, dtype=dtype).reshape(dims).astype(dtype.newbyteorder("="), copy=False)


def write_idx(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Write an IDX file (gzip when the name ends in .gz). Used by tests and by the import of other formats."""
    arr = np.ascontiguousarray(array)
    codes = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09}
    if arr.dtype not in codes:
        raise ValueError("IDX writing supports uint8 and int8 arrays")
    header = struct.pack(">HBB", 0, codes[arr.dtype], arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    p = Path(path)
    opener = gzip.open if p.suffix == ".gz" else open
    with opener(p, "wb") as fh:
        fh.write(header + arr.tobytes())
    return p


def _find(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem, stem.replace("-idx", ".idx")):
        if (folder / name).is_file():
            return folder / name
    return None


def candidate_folders(folder: Path, dataset: str) -> list[Path]:
    """A data folder may hold the files directly or in a sub-folder per dataset."""
    return [folder / dataset, folder / dataset.replace("_", "-"), folder]


def locate(folder: str | os.PathLike, dataset: str) -> dict[str, Path] | Path | None:
    """The four IDX files or one .npz for `dataset` under `folder`, or None when none are there."""
    for cand in candidate_folders(Path(folder), dataset):
        if not cand.is_dir():
            continue
        found = {key: _find(cand, stem) for key, stem in IDX_FILES.items()}
        if all(found.values()):
            return found  # type: ignore[return-value]
        for name in NPZ_NAMES[dataset]:
            if (cand / name).is_file():
                return cand / name
        if any(found.values()):
            missing = [IDX_FILES[k] + ".gz" for k, v in found.items() if v is None]
            raise DatasetError(f"{cand}: incomplete IDX set, missing {', '.join(missing)}")
    return None


def _check(arrays: dict[str, np.ndarray], names: dict[str, str]) -> None:
    for key in ("x_train", "x_test"):
        a = arrays[key]
        if a.ndim != 3 or a.shape[1:] != (28, 28):
            raise DatasetError(f"{names[key]}: images must be 28x28, found shape {a.shape}")
        if a.dtype.kind not in "ui":
            raise DatasetError(f"{names[key]}: images are {a.dtype} numbers; the standard files hold whole 0–255 "
                               "grey levels (unsigned bytes)")
        if a.size and (a.min() < 0 or a.max() > 255):
            raise DatasetError(f"{names[key]}: grey levels must be 0–255, found {int(a.min())}–{int(a.max())}")
    for key in ("y_train", "y_test"):
        a = arrays[key]
        if a.ndim != 1:
            raise DatasetError(f"{names[key]}: labels must be one number per image, found shape {a.shape}")
        if a.dtype.kind not in "uif":
            raise DatasetError(f"{names[key]}: labels must be numbers, found {a.dtype}")
        if a.dtype.kind == "f" and a.size and not (np.isfinite(a).all() and (a == np.round(a)).all()):
            raise DatasetError(f"{names[key]}: labels must be whole numbers 0–9; found fractional values")
        if a.size and (a.min() < 0 or a.max() > 9):
            raise DatasetError(f"{names[key]}: labels must be 0–9, found {a.min():g}–{a.max():g}")
    for x, y in (("x_train", "y_train"), ("x_test", "y_test")):
        if len(arrays[x]) != len(arrays[y]):
            raise DatasetError(f"{names[y]}: {len(arrays[y]):,} labels for {len(arrays[x]):,} images in {names[x]}")
    for key, count in EXPECTED_COUNTS.items():
        if len(arrays[key]) < 1:
            raise DatasetError(f"{names[key]}: empty")


def load_folder(folder: str | os.PathLike, dataset: str) -> RawDataset:
    where = locate(folder, dataset)
    if where is None:
        raise DatasetError(
            f"{folder}: no {dataset} data found (expected the four IDX .gz files or {NPZ_NAMES[dataset][0]})")
    return load_located(where)


def load_located(where: dict[str, Path] | Path) -> RawDataset:
    """The four IDX files (a dict as `locate` gives it) or one .npz, fully checked."""
    if isinstance(where, dict):
        arrays = {key: read_idx(path) for key, path in where.items()}
        names = {key: str(path) for key, path in where.items()}
        origin = str(where["x_train"].parent)
    else:
        arrays, names = load_npz(where), {k: f"{where} [{k}]" for k in IDX_FILES}
        origin = str(where)
    _check(arrays, names)
    return RawDataset(arrays["x_train"].astype(np.uint8, copy=False), arrays["y_train"].astype(np.int64),
                      arrays["x_test"].astype(np.uint8, copy=False), arrays["y_test"].astype(np.int64),
                      source="files", origin=origin)


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    p = Path(path)
    try:
        with zipfile.ZipFile(p) as z:
            big = [i.filename for i in z.infolist() if i.file_size > MAX_IDX_BYTES]
        if big:
            raise DatasetError(f"{p}: {', '.join(big)} would unpack to more than any MNIST-style array; not read")
        with np.load(p, allow_pickle=False) as f:
            missing = [k for k in IDX_FILES if k not in f.files]
            if missing:
                raise DatasetError(f"{p}: lacks {', '.join(missing)} (a Keras-style .npz has x_train, y_train, x_test, y_test)")
            return {k: f[k] for k in IDX_FILES}
    except DatasetError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise DatasetError(f"{p}: corrupt or unreadable .npz ({exc})") from exc
