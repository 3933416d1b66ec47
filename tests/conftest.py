"""Shared fixtures: every test gets its own dlbench home, so no test touches the user's data or settings."""

import contextlib
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
    return _isolate(monkeypatch, tmp_path)


def _isolate(mp, base):
    """A fresh dlbench home under BASE, and an empty Keras cache (offline behaviour), set through the monkeypatch MP."""
    home = base / "dlbench-home"
    mp.setenv("DLBENCH_HOME", str(home))
    mp.setenv("KERAS_HOME", str(base / "keras-home"))  # no real Keras cache: offline behaviour
    return home


@contextlib.contextmanager
def own_home(tmp_path_factory, name):
    """The `dlbench_home` fixture's isolation for a module-scoped fixture (which runs before any test's own): a fresh
    dlbench home and an empty Keras cache while the block runs; yields the home."""
    with pytest.MonkeyPatch.context() as mp:
        yield _isolate(mp, tmp_path_factory.mktemp(name + "-home"))


def tiny_config(**overrides):
    from dlbench_gui.core.config import BenchmarkConfig

    values = dict(model="model_a", dataset="mnist", profile="custom", epochs=1, batch_size=64,
                  train_samples=256, val_samples=64, data="synthetic", weights="random")
    values.update(overrides)
    return BenchmarkConfig(**values)


def wait_until(condition, timeout_s=60.0, poll_s=0.05):
    """Poll CONDITION until it holds; fail the test (not hang it) after TIMEOUT_S. For waits on something that happens
    in another thread or process: no fixed sleep that bets on how fast this machine is."""
    import time

    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout_s:g} s for {getattr(condition, '__name__', 'a condition')}")
        time.sleep(poll_s)


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


# The guard against a hang (pytest-timeout): a test that outlives its tier's limit fails with its stack, instead of
# a CI run that dies at its own limit. A slow test starts real children that import a framework and train (the
# slowest, the batch search under a host ceiling, took 3.5 min beside another test file on a quiet machine and 9 min
# with a third program busy on one core; docs/benchmarks.md "Where the suite's time goes"); every other test is pure
# Python, a stand-in child or a window, and takes seconds.
FAST_TIMEOUT_S = 120
SLOW_TIMEOUT_S = 900


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(SLOW_TIMEOUT_S if item.get_closest_marker("slow") else FAST_TIMEOUT_S))
