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


def test_repeat_summary_gives_mean_spread_each_run_and_the_between_run_interval():
    from dlbench_gui.cli import repeat_summary
    from dlbench_gui.core.report import RunReport

    def run(t, status="completed"):
        return RunReport(run_id=f"r{t}", status=status, config={"model": "model_a", "dataset": "mnist",
                                                                 "profile": "custom"},
                         timing={"execution_time_s": t})

    text = repeat_summary([run(100.0), run(110.0), run(120.0), run(5.0, status="failed")])
    assert "3 runs (measured execution time): mean 1 min 50 s" in text
    assert "standard deviation 10 s" in text and "each: 1 min 40 s, 1 min 50 s, 2 min 00 s" in text
    # t(2) = 4.303: 110 ± 4.303 x 10 / sqrt(3) = 110 ± 24.8 s
    assert "95% interval of the mean across runs: 1 min 25 s – 2 min 15 s" in text
    assert repeat_summary([run(5.0, status="failed")]) == "  repeats: no completed run"
