import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def dlbench(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "dlbench_gui", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


@pytest.mark.parametrize("args,words", [
    (["run", "--model", "model_z"], "invalid choice"),
    (["run", "--epochs", "many"], "invalid int value"),
    (["run", "--profile", "full", "--epochs", "3"], "--profile full is the published protocol"),
    (["run", "--profile", "custom", "--train-samples", "0"], "train_samples must be between"),
    (["run", "--data", "/nowhere/at/all"], "existing folder"),
    (["run", "--model", "all", "--output", "one.json"], "must be a folder"),
    (["run", "--host-memory-limit", "-2"], "must be above zero"),
    (["export", "/no/such/report.json", "--format", "csv", "--output", "x.csv"], "report.json: cannot be read"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_arguments_give_one_line_and_exit_2(args, words):
    out = dlbench(*args)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("dlbench: error:") and words in lines[0]
    assert "Traceback" not in out.stderr


def test_hw_json_has_cpu_ram_disk_and_says_no_gpu_plainly():
    out = dlbench("hw", "--json")
    assert out.returncode == 0, out.stderr
    hw = json.loads(out.stdout)
    assert hw["cpu"]["logical_cores"] >= 1 and hw["memory"]["total_bytes"] > 0 and hw["disk"]["free_bytes"] > 0
    assert hw["gpu"]["summary"] == "no NVIDIA GPU detected"
    text = dlbench("hw").stdout
    assert "no NVIDIA GPU detected" in text and "RAM:" in text
