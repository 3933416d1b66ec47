"""Real children, real TensorFlow, real files: the engine end to end."""

import json
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from dlbench_gui.core.wire import events as ev
from dlbench_gui.core.store.idx import write_idx
from dlbench_gui.runner.child import live_children
from dlbench_gui.runner.runner import BenchmarkRunner
from tests.conftest import PY, ROOT, children_alive, own_home, tiny_config

pytestmark = pytest.mark.slow


def check_contract(path, status="completed"):
    """The project's own contract check, as a user runs it: `dlbench validate` (JSON Schema + cross-field rules)."""
    out = subprocess.run([PY, "-m", "dlbench_gui", "validate", str(path)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.startswith("ok: "), out.stdout + out.stderr
    assert json.loads(Path(path).read_text())["status"] == status


def dlbench_run(*args, data="synthetic"):
    """`dlbench run` of Model A on MNIST-shaped DATA in a real process, with ARGS; it must succeed."""
    out = subprocess.run([PY, "-m", "dlbench_gui", "run", "--model", "model_a", "--dataset", "mnist", "--data", data,
                          *args], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return out


def write_idx_folder(folder, train=128, test=64, seed=3):
    """The four standard IDX `.gz` files of an MNIST-shaped data set (random pixels) in FOLDER."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    write_idx(folder / "train-images-idx3-ubyte.gz", rng.integers(0, 256, (train, 28, 28), dtype=np.uint8))
    write_idx(folder / "train-labels-idx1-ubyte.gz", rng.integers(0, 10, train).astype(np.uint8))
    write_idx(folder / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (test, 28, 28), dtype=np.uint8))
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", rng.integers(0, 10, test).astype(np.uint8))
    return folder


def assert_steps_add_up(report, label=""):
    """Each timed step ends when its computation has ended: the steps add up to their epoch's training wall time, and
    the epochs' parts to the whole fit, within 2%, and no step is a mere dispatch."""
    t, steps = report["timing"], report["step_times_s"]
    for i, e in enumerate(t["epochs"]):
        own = steps[i * e["steps"]:(i + 1) * e["steps"]]
        assert sum(own) == pytest.approx(e["train_s"], rel=0.02), label
    parts = sum(e["train_s"] + e["val_s"] + e["checkpoint_s"] for e in t["epochs"])
    assert parts == pytest.approx(t["execution_time_s"], rel=0.02), label
    later = steps[1:]
    assert min(later) > 0.2 * (sum(later) / len(later)), label  # computed, not dispatched


@pytest.fixture(scope="module")
def model_a_cli(tmp_path_factory):
    """One real `dlbench run` of Model A, paid for once and read by several tests: 2 epochs of 10 steps on a folder
    of IDX files, under a GPU memory limit this GPU-less machine cannot apply, with a largest batch found earlier in
    the store (as `dlbench maxbatch --gpu-memory-limit 2` leaves it), and PYTHONWARNINGS=error in the environment. Returns (the CLI's output, the report, home)."""
    base = tmp_path_factory.mktemp("model-a-cli")
    path = base / "r.json"
    folder = write_idx_folder(base / "data", train=640, test=128)
    with own_home(tmp_path_factory, "model-a-cli") as home, pytest.MonkeyPatch.context() as mp:
        # #33 B6: a user's PYTHONWARNINGS=error made every child "crash" on a framework's harmless warning
        mp.setenv("PYTHONWARNINGS", "error")
        from dlbench_gui.core.store.maxbatch_store import save_result

        save_result({"model": "model_a", "dataset": "mnist", "max_batch_size": 1024, "host_memory_limit_gb": None,
                     "gpu_memory_limit_gb": 2.0, "probes": []})
        out = dlbench_run("--profile", "custom", "--epochs", "2", "--train-samples", "640", "--val-samples", "128",
                          "--gpu-memory-limit", "2", "--output", str(path), data=str(folder))
        check_contract(path)
    return out, json.loads(path.read_text()), home, folder


def test_cli_tiny_run_of_model_a_writes_a_report_meeting_the_contract(model_a_cli):
    out, r, home, _ = model_a_cli
    assert "  Training + validation: " in out.stdout
    t = r["timing"]
    assert len(t["epochs"]) == 2 and t["epochs"][0]["steps"] == 10
    assert t["first_step_s"] > t["steady_step_s"]  # the first step carries graph tracing
    assert t["inference"]["images"] == 128
    assert r["software"]["tensorflow"].startswith("2.21") and r["software"]["tf_devices"]
    assert r["data"]["synthetic"] is False and len(r["data"]["sha256"]) == 64
    assert r["telemetry"]["samples"] and r["telemetry"]["summary"]["cpu_percent"]["max"] > 0
    assert r["efficiency"]["train_flops_per_step"] > 0
    assert r["memory"]["max_batch_size"] == 1024 and r["memory"]["peak_child_rss_bytes"] > 0
    assert "no_gpu_visible" not in r["findings"]  # no NVIDIA GPU here: training on the CPU is expected
    # the history copy is the same run
    saved = list((home / "reports").glob("*.json"))
    assert len(saved) == 1 and json.loads(saved[0].read_text())["run_id"] == r["run_id"]
    assert not list((home / "runs").glob("*/best_model.keras"))  # checkpoints are not hoarded


def test_each_timed_step_ends_when_its_computation_has_ended_on_tensorflow(model_a_cli):
    """The TensorFlow half of test_jax's check of the same name: TensorFlow runs eagerly enough that a late step
    would show, and the steps must add up to the epoch as on JAX."""
    _, r, _, _ = model_a_cli
    assert r["software"]["backend"] == "tensorflow"
    assert_steps_add_up(r, "tensorflow")


def test_a_users_warnings_as_errors_do_not_reach_the_worker(model_a_cli):
    out, r, _, _ = model_a_cli
    assert r["status"] == "completed" and "Traceback" not in out.stderr


def test_local_idx_files_are_used_and_reported_as_files(model_a_cli):
    _, r, _, folder = model_a_cli
    assert r["config"]["data_source"] == "files" and r["data"]["origin"] == str(folder)


def test_a_gpu_memory_limit_on_a_machine_without_gpu_is_said_not_silently_ignored(model_a_cli):
    out, r, _, _ = model_a_cli
    assert "dlbench: warning: the GPU memory limit of 2 GB has no effect: TensorFlow sees no GPU" in out.stderr
    assert "has no effect" in r["findings"]["gpu_memory_limit_unused"]


def _machine_with_an_nvidia_gpu():
    # The facts NVML would give on a GPU machine; the child's TensorFlow really sees no GPU here (CPU-only).
    from dlbench_gui.core.accelerators import from_nvml
    from dlbench_gui.hardware import detect

    hw = detect.detect()
    nvidia = [{"index": 0, "name": "NVIDIA GeForce RTX 3060", "memory_total_bytes": 12 << 30}]
    hw["gpu"] = {**hw["gpu"], "nvidia": nvidia, "accelerators": from_nvml(nvidia), "summary": "NVIDIA GeForce RTX 3060"}
    return hw


@pytest.fixture(scope="module")
def model_b_report(tmp_path_factory):
    """Model B's one real run in the suite (its first step traces for a minute or more here), on a machine whose NVML
    facts are injected: an RTX 3060 that this CPU-only TensorFlow cannot see."""
    with own_home(tmp_path_factory, "model-b"):
        report = BenchmarkRunner(tiny_config(model="model_b", train_samples=128, val_samples=64),
                                 hardware=_machine_with_an_nvidia_gpu()).run()
    assert report.status == "completed", report.error
    return report


def test_tiny_run_of_model_b_gives_a_valid_report(model_b_report, tmp_path):
    path = model_b_report.save(tmp_path / "b.json")
    check_contract(path)
    assert model_b_report.timing["first_step_s"] > 5 * model_b_report.timing["steady_step_s"]


def test_nvidia_gpu_unseen_by_tensorflow_is_a_finding_of_a_completed_cpu_run(model_b_report):
    assert "TensorFlow sees no GPU" in model_b_report.findings["no_gpu_visible"]


def test_a_corrupt_dataset_file_fails_the_run_with_the_file_named(tmp_path):
    folder = write_idx_folder(tmp_path / "data")
    victim = folder / "t10k-images-idx3-ubyte.gz"
    victim.write_bytes(victim.read_bytes()[:40])
    report = BenchmarkRunner(tiny_config(train_samples=128, data=str(folder))).run()
    assert report.status == "failed"
    assert report.error["kind"] == "data_error"
    assert "t10k-images-idx3-ubyte.gz" in report.error["message"]


def test_stop_mid_training_cancels_within_10_seconds_and_leaves_no_child():
    seen_steps = threading.Event()
    pids = set()

    def on_event(e):
        if isinstance(e, ev.Step):
            seen_steps.set()
        if isinstance(e, ev.Hello):
            pids.add(e.pid)

    runner = BenchmarkRunner(tiny_config(epochs=50, train_samples=1280), on_event=on_event)
    result = {}
    thread = threading.Thread(target=lambda: result.update(report=runner.run()))
    thread.start()
    assert seen_steps.wait(300), "training never started"
    t0 = time.monotonic()
    runner.stop()
    thread.join(30)
    assert not thread.is_alive()
    assert time.monotonic() - t0 < 10
    report = result["report"]
    assert report.status == "cancelled" and report.error["kind"] == "cancelled"
    assert pids and not children_alive(pids)
    assert not live_children()


@pytest.fixture(scope="module")
def repeat_run(tmp_path_factory):
    """`dlbench run --repeat 2` with `--data auto` on this offline machine: two runs of their own, each falling back to
    labelled synthetic data. Returns (the CLI's output, the two reports in order)."""
    out = tmp_path_factory.mktemp("repeat") / "reports"
    with own_home(tmp_path_factory, "repeat"):
        proc = dlbench_run("--profile", "custom", "--epochs", "1", "--train-samples", "128", "--val-samples", "64",
                           "--repeat", "2", "--output", str(out), data="auto")
    return proc, [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]


def test_cli_repeat_runs_independent_children_and_summarises_them(repeat_run):
    proc, reports = repeat_run
    assert len(reports) == 2 and len({r["run_id"] for r in reports}) == 2
    assert reports[0]["run_dir"] != reports[1]["run_dir"]  # each run its own folder, log and child
    assert all(r["status"] == "completed" for r in reports)
    assert all(r["repeat"]["group"] == reports[0]["repeat"]["group"] and r["repeat"]["of"] == 2 for r in reports)
    # both accounted for: counted (their range: two runs), or on a busy machine named as not counted
    if "2 runs counted (measured execution time): mean" in proc.stdout:
        assert "range of the runs" in proc.stdout and "95% interval" not in proc.stdout
    else:
        assert int("1 run counted" in proc.stdout) + proc.stdout.count("not counted:") >= 2, proc.stdout


def test_auto_data_offline_falls_back_to_labelled_synthetic(repeat_run):
    proc, reports = repeat_run
    for r in reports:
        assert r["config"]["data_source"] == "synthetic" and r["data"]["synthetic"] is True
        assert any("Keras could not load" in a for a in r["data"]["attempts"])
    assert "SYNTHETIC" in proc.stdout


def test_quick_profile_estimates_the_protocol_and_counts_this_machines_earlier_runs(tmp_path, dlbench_home):
    from dlbench_gui.core.store.storage import reports_dir
    from tests.reports import valid_report
    from dlbench_gui.hardware.detect import detect

    hardware = detect()
    for i, step in enumerate([0.30, 0.33, 0.29]):  # three earlier runs of Model A on this machine, as history keeps them
        valid_report(run_id=f"earlier-{i}", hardware=hardware, timing__steady_step__mean=step,
                     timing__steady_step__n=40).save(reports_dir() / f"earlier-{i}.json")
    path = tmp_path / "q.json"
    out = dlbench_run("--profile", "quick", "--quick-budget", "5", "--epochs", "3", "--train-samples", "6400",
                      "--val-samples", "640", "--output", str(path))
    check_contract(path)
    r = json.loads(path.read_text())
    t, e = r["timing"], r["estimate"]
    assert t["steady_step"]["n"] >= 5 and len(t["warmup_steps_s"]) == 3
    assert len(t["epoch_boundary_steps_s"]) == 3 and t["checkpoint_s"] > 0 and t["val_batches_measured"] == 10
    # timing keeps what was measured: one pass (the steps, then a validation sample), which timing.measured describes;
    # the protocol asked for is what the estimate is for
    (measured,) = t["epochs"]
    assert measured["measured_pass"] and measured["steps"] == len(r["step_times_s"]) and measured["val_images"] == 640
    assert measured["images"] == measured["steps"] * 64 and measured["val_accuracy"] is not None
    # the config stays what was asked (issue: "one configuration object from the setup to the report"); what the
    # quick run measured sits beside it
    assert (r["config"]["epochs"], r["config"]["train_samples"], r["config"]["val_samples"]) == (3, 6400, 640)
    m = t["measured"]
    assert (m["epochs"], m["train_samples"], m["val_samples"]) == (1, measured["images"], 640)
    assert e["protocol"] == {"epochs": 3, "batch_size": 64, "train_samples": 6400, "val_samples": 640,
                             "inference_batch_size": 32} and e["protocol_is_published"] is False
    inputs = e["inputs"]
    assert (inputs["epochs"], inputs["steps_per_epoch"], inputs["val_steps"]) == (3, 100, 10)
    # the estimate covers the whole protocol: 300 steps at the measured steady pace at least
    assert e["execution_time_s"] > 300 * t["steady_step"]["mean"] > t["execution_time_s"]
    lo, hi = e["execution_time_ci95_s"]
    assert lo < e["execution_time_s"] < hi
    assert inputs["between_runs"]["runs"] == 3 and inputs["between_run_term_s"] > 0
    assert "3 earlier runs" in e["interval_covers"] and "; it covers " in out.stdout
    # the default weights are `auto`: ImageNet where Keras has them, else random, and the report says which and why
    assert r["config"]["weights"] == "auto" and r["config"]["weights_used"] in ("imagenet", "random")
    if r["config"]["weights_used"] == "random":
        assert "cannot be downloaded" in r["config"]["weights_reason"] and "Weights: random (" in out.stdout
    # the sampler's judgement of other programs' load, and the card at the end
    assert r["findings"]["interference"]["verdict"] in ("quiet", "interfered")
    # energy from the counters that exist, or why not (here: no RAPL, no GPU); throttling; precision and XLA
    energy = r["energy"]
    assert energy["total_j"] is not None or "no RAPL" in energy["unavailable_reason"] or "RAPL" in energy["unavailable_reason"]
    assert "Energy" in out.stdout
    assert r["findings"]["throttling"]["verdict"] in ("throttled", "not throttled", "unknown")
    assert r["config"]["precision"] == "float32" and isinstance(r["software"]["jit_compile"], bool)
    assert "== " in out.stdout and "What to do:" in out.stdout
    assert "  Execution time, this protocol: " in out.stdout and "(estimated; 95% interval " in out.stdout
