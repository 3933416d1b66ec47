"""The runtime seam (bench/backends/base.Runtime) holds a runtime that is not Keras: the NumPy reference runtime
(bench/backends/numpy_runtime.py), driven through the real worker child and the real wire, completes train (the
protocol and the quick profile with its estimate), infer (cold, in a fresh process), probe and describe, and yields
reports that pass the contract. Every child here runs with no ML framework importable (injected:
tests/fixtures/no_frameworks/sitecustomize.py on the children's PYTHONPATH), so nothing of Keras can hide behind it.
Each child is NumPy only: a second or two, so this is in the fast tier."""

import pytest

from dlbench_gui.core.backend_choice import BackendChoice
from dlbench_gui.core.store.contract import validation_errors
from dlbench_gui.runner.runner import BenchmarkRunner
from tests.conftest import ROOT, tiny_config

NAME = "numpy_reference"
CHOICE = BackendChoice(NAME, "the reference runtime, as the test asks", "auto")
MACHINE = {"os": {"python": "3"}, "cpu": {}, "memory": {}, "gpu": {"nvidia": []}}  # injected: a machine without a GPU


@pytest.fixture(autouse=True)
def no_frameworks_in_children(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "tests" / "fixtures" / "no_frameworks"))


def run(config):
    runner = BenchmarkRunner(config, backend=CHOICE, hardware=MACHINE, telemetry=False, history=[])
    report = runner.run().to_dict()
    assert report["status"] == "completed", report.get("error")
    assert validation_errors(report) == [], validation_errors(report)
    return report


def test_a_protocol_run_trains_validates_saves_and_infers_cold_through_the_real_worker():
    r = run(tiny_config(epochs=2, train_samples=640, val_samples=128))
    s, t = r["software"], r["timing"]
    assert s["backend"] == NAME and s["backend_choice"]["chosen"] == NAME and "tensorflow" not in s
    assert r["model"]["name"] == "model_a_reference_stand_in" and r["model"]["params"] == 192 * 64 + 64 + 64 * 10 + 10
    assert [e["steps"] for e in t["epochs"]] == [10, 10] and len(r["step_times_s"]) == 20
    for e in t["epochs"]:  # every epoch validated, its metrics recorded
        assert e["val_s"] > 0 and 0.0 <= e["val_accuracy"] <= 1.0 and e["loss"] > 0
    assert t["checkpoint_saves"] >= 1 and t["best_epoch"] in (1, 2)  # the best model saved, inside the epochs' time
    inference = t["inference"]
    assert inference["images"] == 128 and inference["load_s"] > 0 and inference["predict_s"] > 0  # loaded cold
    # each child's start-up as the runner saw it (start, import, data, build: what a prediction needs), apart from
    # the timed work: more than the child's own data and build (the process's start and imports are in it too)
    assert 0 < t["startup_s"] and 0 < inference["startup_s"] and t["startup_s"] > t["data_prep_s"] + t["build_s"]


def test_the_quick_profile_measures_and_estimates_the_protocol_with_an_interval():
    r = run(tiny_config(profile="quick", quick_budget_s=5, epochs=3, train_samples=6400, val_samples=640))
    est = r["estimate"]
    assert r["timing"]["measured"]["epochs"] == 1 and r["timing"]["epochs"][0]["measured_pass"]
    (low, high), mid = est["execution_time_ci95_s"], est["execution_time_s"]
    assert 0 <= low <= mid <= high and mid > 0 and est["protocol"]["epochs"] == 3
    assert est["protocol"]["train_samples"] == 6400 and est["inputs"]["steady_steps_measured"] >= 2
    assert r["timing"]["inference"]["note"].startswith("quick profile")


def test_a_probe_and_the_model_facts_go_through_the_same_runtime():
    from dlbench_gui.runner.maxbatch import probe
    from dlbench_gui.runner.describe import fetch_model_facts

    result = probe("model_a", "mnist", 128, backend=NAME)
    assert result["outcome"] == "fits" and result["peak_rss_bytes"] > 0 and result["gpu_peak_bytes"] is None
    facts = fetch_model_facts(backend=NAME, timeout_s=60)
    assert set(facts) == {"model_a", "model_b"} and facts["model_a"]["layers"] == 3
    assert facts["model_a"]["forward_flops_per_image"] == 2 * (192 * 64 + 64 * 10)


def test_the_children_here_really_have_no_framework_a_keras_run_fails_in_one_classified_error():
    """The check that the injection holds: the same child asked for TensorFlow cannot import it."""
    runner = BenchmarkRunner(tiny_config(), backend=BackendChoice("tensorflow", "as the test asks", "tensorflow"),
                             hardware=MACHINE, telemetry=False, history=[])
    report = runner.run().to_dict()
    assert report["status"] == "failed" and "blocked" in report["error"]["message"]


@pytest.mark.parametrize("content", ["[1, 2]", "42", '"text"', '{"max_batch_size": "lots"}', "{not json", "DIR"])
def test_a_corrupt_largest_batch_file_is_ignored_with_a_warning_and_the_run_is_kept(dlbench_home, content):
    """#33 B2: a store file of the wrong type turned a finished run into "internal error" (its report saved as a
    crash, or dropped by history). The run completes, its report passes the contract and says the file was ignored."""
    from dlbench_gui.core.store.maxbatch_store import result_path

    path = result_path("model_a", "mnist", NAME)
    path.parent.mkdir(parents=True, exist_ok=True)
    if content == "DIR":
        path.mkdir()
    else:
        path.write_text(content)
    r = run(tiny_config(epochs=1, train_samples=128, val_samples=64))
    assert "max_batch" not in r["memory"]
    assert r["findings"]["store_file_ignored"].startswith(f"the largest-batch file {path.name} was ignored (")
    assert "run the batch search again" in r["findings"]["store_file_ignored"]
