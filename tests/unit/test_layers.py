"""The layer rules of architecture.md, checked in fresh interpreters: no TensorFlow outside bench, no Qt in core."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT

CHECK = """
import sys, importlib
importlib.import_module({module!r})
bad = [m for m in {forbidden!r} if m in sys.modules]
print(",".join(bad))
"""

RULES = [
    ("dlbench_gui.core.store.report", ["tensorflow", "keras", "PySide6"]),
    ("dlbench_gui.core.measure.estimate", ["tensorflow", "keras", "PySide6"]),
    ("dlbench_gui.core.store.history", ["tensorflow", "keras", "PySide6"]),
    ("dlbench_gui.core.measure.comparison", ["tensorflow", "keras", "PySide6"]),
    ("dlbench_gui.hardware.detect", ["tensorflow", "keras", "PySide6"]),
    ("dlbench_gui.hardware.telemetry", ["tensorflow", "keras", "PySide6"]),
    ("dlbench_gui.runner.runner", ["tensorflow", "keras", "PySide6"]),
    ("dlbench_gui.runner.maxbatch", ["tensorflow", "keras", "PySide6"]),
    ("dlbench_gui.cli", ["tensorflow", "keras", "PySide6.QtWidgets"]),
    ("dlbench_gui.export.csv_export", ["tensorflow", "keras"]),
    ("dlbench_gui.gui.main_window", ["tensorflow", "keras"]),
]


@pytest.mark.parametrize("module,forbidden", RULES)
def test_layer_does_not_import_what_it_must_not(module, forbidden):
    out = subprocess.run([sys.executable, "-c", CHECK.format(module=module, forbidden=forbidden)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"{module} pulled in {out.stdout.strip()}"
