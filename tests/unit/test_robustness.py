"""Bad input, one table: every row gives one line (exit 2 for arguments and paths), never a traceback, and
writes nothing outside the data folder. docs/robustness.md lists the same rows with what each gives."""

import json
import os
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.reports import report_dict

GOOD = str(ROOT / "tests" / "gui" / "data" / "report_model_a_custom.json")


def prepare(tmp):
    """Files some rows name: a list export, a hostile report, a plain file where a folder is expected."""
    (tmp / "list.json").write_text(json.dumps([report_dict()]))
    (tmp / "nan.json").write_text(json.dumps(report_dict()).replace('"seed": 0', '"seed": NaN'))
    deep = report_dict()
    deep["timing"]["epochs"][0]["loss"] = "<script>"
    (tmp / "wrong-type.json").write_text(json.dumps(deep))
    (tmp / "a-file").write_text("not a folder")


BAD_INPUTS = [
    # id, arguments ({tmp} is a scratch folder), DLBENCH_HOME override or None, exit code, words in the one line
    ("unknown model", ["run", "--model", "model_z"], None, 2, "invalid choice"),
    ("unknown backend", ["run", "--backend", "torch"], None, 2, "argument --backend: invalid choice: 'torch'"),
    ("epochs not a number", ["run", "--epochs", "many"], None, 2, "invalid int value"),
    ("full profile changed", ["run", "--profile", "full", "--epochs", "3"], None, 2, "--profile full is the published protocol"),
    ("zero samples", ["run", "--profile", "custom", "--train-samples", "0"], None, 2, "train_samples must be between"),
    ("data folder missing", ["run", "--data", "/nowhere/at/all"], None, 2, "existing folder"),
    ("negative memory limit", ["run", "--host-memory-limit", "-2"], None, 2, "must be above zero"),
    ("several reports to a .json", ["run", "--model", "all", "--output", "{tmp}/one.json"], None, 2, "must be a folder"),
    ("several reports to a file", ["run", "--model", "all", "--output", "{tmp}/a-file"], None, 2, "is a file, not a folder"),
    ("output under /proc", ["run", "--model", "model_a", "--dataset", "mnist", "--data", "synthetic", "--output", "/proc/nope/r.json"], None, 2, "/proc/nope is not a writable folder"),
    ("output under a file", ["run", "--model", "model_a", "--dataset", "mnist", "--data", "synthetic",
      "--output", "{tmp}/a-file/r.json"], None, 2, "a-file is a file, not a folder"),
    ("data folder cannot be created", ["run", "--data", "synthetic"], "/proc/dlbench-home", 2, "set DLBENCH_HOME"),
    ("data folder read-only", ["run", "--data", "synthetic"], "/sys/kernel", 2, "cannot write in its data folder"),
    ("import into a read-only data folder", ["import", GOOD], "/sys/kernel", 2, "cannot write in its data folder"),
    ("export of a missing file", ["export", "/no/such/report.json", "--output", "{tmp}/x.csv"], None, 2, "report.json: cannot be read"),
    ("export of a JSON list", ["export", "{tmp}/list.json", "--output", "{tmp}/x.csv"], None, 2, "holds a list"),
    ("export of NaN", ["export", "{tmp}/nan.json", "--output", "{tmp}/x.csv"], None, 2, "NaN is not a number a report may hold"),
    ("export of a wrong type", ["export", "{tmp}/wrong-type.json", "--output", "{tmp}/x.csv"], None, 2, "timing.epochs[0].loss"),
    ("export format against extension", ["export", GOOD, "--format", "pdf", "--output", "{tmp}/x.csv"], None, 2,
     "the name ends in .csv but the format chosen is PDF"),
    ("export format unknown", ["export", GOOD, "--output", "{tmp}/x.txt"], None, 2, "cannot tell the format"),
    ("export to a folder, no format", ["export", GOOD, "--output", "{tmp}"], None, 2, "say which format"),
    ("export under /proc", ["export", GOOD, "--output", "/proc/nope/x.csv"], None, 2, "not a writable folder"),
    ("batch search from zero", ["maxbatch", "--model", "model_a", "--start", "0"], None, 2, "batch_size must be between"),
    ("batch search output under /proc", ["maxbatch", "--model", "model_a", "--output", "/proc/nope/m.json"], None, 2,
     "/proc/nope is not a writable folder"),
    ("unknown command", ["frobnicate"], None, 2, "invalid choice"),
]


@pytest.mark.parametrize("name,args,home,code,words", BAD_INPUTS, ids=[row[0] for row in BAD_INPUTS])
def test_bad_input_gives_one_line_and_writes_nothing_out_of_place(tmp_path, dlbench_home, name, args, home, code, words):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    prepare(scratch)
    before = sorted(p.name for p in scratch.iterdir())
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = {**os.environ, "DLBENCH_HOME": home or str(dlbench_home)}
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "dlbench_gui", *[a.replace("{tmp}", str(scratch)) for a in args]],
                         capture_output=True, text=True, cwd=cwd, env={**env, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert out.returncode == code, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dlbench: error:"), out.stderr
    assert words in lines[0], lines[0]
    assert "Traceback" not in out.stderr + out.stdout
    assert time.monotonic() - t0 < 20  # refused before any work (an import of the package takes ~2 s here)
    assert sorted(p.name for p in scratch.iterdir()) == before and not list(cwd.iterdir())
    assert not dlbench_home.exists() or not list((dlbench_home / "reports").glob("*.json"))


def test_an_unwritable_output_fails_in_under_5_seconds_before_any_work(tmp_path):
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "dlbench_gui", "run", "--model", "model_a", "--dataset", "mnist",
                          "--data", "synthetic", "--output", "/proc/nope/r.json"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 2 and time.monotonic() - t0 < 5, out.stderr
