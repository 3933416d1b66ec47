"""Shared fixtures: every test gets its own dlbench home, so no test touches the user's data or settings."""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(autouse=True)
def dlbench_home(tmp_path, monkeypatch):
    home = tmp_path / "dlbench-home"
    monkeypatch.setenv("DLBENCH_HOME", str(home))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))  # no real Keras cache: offline behaviour
    return home


def tiny_config(**overrides):
    from dlbench_gui.core.config import BenchmarkConfig

    values = dict(model="model_a", dataset="mnist", profile="custom", epochs=1, batch_size=64,
                  train_samples=256, val_samples=64, data="synthetic", weights="random")
    values.update(overrides)
    return BenchmarkConfig(**values)


def children_alive(pids):
    import psutil

    alive = []
    for pid in pids:
        try:
            p = psutil.Process(pid)
            if p.status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive
