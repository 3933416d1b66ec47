"""A quick run of both datasets of a model: one training and one inference process, a preliminary verdict after the
first run, and reports that say what they shared. Real TensorFlow, real processes, real files."""

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PY, ROOT, children_alive
from tests.integration.test_engine import check_contract

pytestmark = pytest.mark.slow


def journal(report):
    return [json.loads(line) for line in (Path(report["run_dir"]) / "events.jsonl").read_text().splitlines()]


def test_both_datasets_of_model_a_share_one_process_each_and_say_so(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([PY, "-m", "dlbench_gui", "run", "--model", "model_a", "--dataset", "all", "--data",
                           "synthetic", "--weights", "random", "--quick-budget", "5", "--output", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    first, second = sorted((json.loads(p.read_text()) for p in out.iterdir()), key=lambda r: r["created_at"])
    assert (first["config"]["dataset"], second["config"]["dataset"]) == ("mnist", "fashion_mnist")
    for r in (first, second):
        check_contract(out / f"{r['run_id']}.json")
        assert r["status"] == "completed" and r["shared_process"]["datasets"] == ["mnist", "fashion_mnist"]
        assert r["software"]["tensorflow"]  # the shared child said hello once; both reports have it
        assert not list(Path(r["run_dir"]).glob("best_model.keras*"))  # the group's checkpoint is gone at the end
    # one training process and one inference process for both datasets
    pids = [{e["task"]: e["pid"] for e in journal(r) if e["type"] == "hello"} for r in (first, second)]
    assert pids[0] == pids[1] and set(pids[0]) == {"train", "infer"}
    assert not children_alive(pids[0].values())
    # each run's journal holds its own data preparation, in each child: the second dataset's is not the first run's
    for r in (first, second):
        prepared = [e["task"] for e in journal(r) if e["type"] == "phase" and e["phase"] == "preparing_data"]
        assert sorted(prepared) == ["infer", "train"], r["config"]["dataset"]
    assert second["log_path"] == first["log_path"]  # the shared children wrote one log: both reports point to it
    # the second dataset measured its own steps and validation; the one-off costs are the first's, and it says so
    t1, t2 = first["timing"], second["timing"]
    assert "shared" not in t1 and t2["shared"]["with"] == "mnist"
    assert t2["first_step_s"] == t1["first_step_s"] and t2["checkpoint_s"] == t1["checkpoint_s"]
    assert t2["own_first_step_s"] < t1["first_step_s"] / 2  # no second tracing: the graph was reused
    # its steady mean pools its own steps with the first dataset's (one process, one graph); its own are kept apart
    assert t2["steady_steps_measured"] >= 10 and t2["own_steady_step"]["n"] == t2["steady_steps_measured"]
    assert t2["steady_step"]["n"] == t2["steady_steps_pooled"] == t1["steady_step"]["n"] + t2["steady_steps_measured"]
    # the pooled mean is the mean of both datasets' steady steps, weighted by their counts (whether the two agree is
    # the machine's business, not the product's: a CI run on a "quiet" machine measured them 27% apart)
    n1, n2 = t1["steady_step"]["n"], t2["own_steady_step"]["n"]
    pooled = (n1 * t1["steady_step"]["mean"] + n2 * t2["own_steady_step"]["mean"]) / (n1 + n2)
    assert t2["steady_step"]["mean"] == pytest.approx(pooled, rel=1e-9)
    assert {r["findings"]["interference"]["verdict"] for r in (first, second)} <= {"quiet", "interfered"}
    assert "pooled" in t2["shared"]
    assert second["estimate"]["inputs"]["shared"]["measured_once"] == t2["shared"]["measured_once"]
    assert t2["inference"]["load_s"] == t1["inference"]["load_s"] and t2["inference"]["shared"]["with"] == "mnist"
    assert second["estimate"]["inference_inputs"]["shared"]["measured_once"] == ["load_s", "first_batch_s"]
    # the answer so far after the first run, marked preliminary; the final one after the second
    verdicts = [line for line in proc.stdout.splitlines() if line.startswith("== ")]
    assert len(verdicts) == 2 and "(PRELIMINARY)" in verdicts[0] and "PRELIMINARY" not in verdicts[1]
    assert "1 run of this session still to come (Model A on Fashion-MNIST)" in proc.stdout
