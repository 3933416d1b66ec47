"""The same protocol on Keras 3's JAX backend, for real: JAX runs in real child processes on this CPU, with
TensorFlow made unimportable (tests/fixtures/no_tensorflow/sitecustomize.py on PYTHONPATH for the parent and every
child: injected, as on a machine with JAX and no TensorFlow). JAX on this CPU is about 5x slower than TensorFlow
(docs/benchmarks.md), so every run here is a few small batches."""

import json
import os
import statistics
import subprocess

import pytest

from tests.conftest import PY, ROOT, own_home
from tests.integration.test_engine import assert_steps_add_up, check_contract

pytestmark = pytest.mark.slow

NO_TF = str(ROOT / "tests" / "fixtures" / "no_tensorflow")
TINY = ["--model", "model_a", "--dataset", "mnist", "--profile", "custom", "--epochs", "1", "--train-samples", "256",
        "--val-samples", "64", "--data", "synthetic"]


def without_tensorflow(*args, timeout=900):
    """`python -m dlbench_gui ARGS` where TensorFlow and tf_keras cannot be imported (parent and children)."""
    env = {**os.environ, "PYTHONPATH": NO_TF}
    return subprocess.run([PY, "-m", "dlbench_gui", *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=timeout)


@pytest.fixture(scope="module")
def auto_without_tensorflow(tmp_path_factory):
    """One real `dlbench run` with `--backend auto` where TensorFlow cannot be imported: 2 epochs of 10 steps (JAX
    copies the trained state back into the model once at each epoch's end, a few tenths of a second that belong to the
    epoch and to no step, which ten steps keep under the 2% the timing check allows). Returns (output, report)."""
    path = tmp_path_factory.mktemp("jax-auto") / "r.json"
    with own_home(tmp_path_factory, "jax-auto"):
        out = without_tensorflow("run", *TINY, "--epochs", "2", "--train-samples", "640", "--output", str(path))
    assert out.returncode == 0, out.stderr[-3000:]
    check_contract(path)
    return out, json.loads(path.read_text())


def test_without_tensorflow_auto_runs_on_jax_trains_infers_cold_and_says_why(auto_without_tensorflow):
    out, r = auto_without_tensorflow
    s = r["software"]
    assert s["backend"] == "jax" and s["jax"] and s["jaxlib"] and "tensorflow" not in s
    assert s["backend_choice"]["requested"] == "auto" and "TensorFlow is not installed" in s["backend_choice"]["why"]
    assert r["config"]["backend"] == "auto"  # as asked; what ran is software.backend
    assert len(r["step_times_s"]) == 20 and r["timing"]["inference"]["total_s"] > 0  # steps timed, inference measured
    # the first step (XLA's compile, a few seconds on this CPU) set apart from the steady ones; not that it was slower
    # than them: beside a busy core the steady steps doubled (5.0 s) and the first one did not (4.9 s)
    steps = r["step_times_s"]
    assert r["timing"]["inference"]["load_s"] > 0 and r["timing"]["first_step_s"] == pytest.approx(steps[0], abs=1e-5)
    assert r["timing"]["steady_step_s"] == pytest.approx(statistics.median(steps[1:]), abs=1e-5)
    assert "JAX" in out.stderr and "TensorFlow is not installed" in out.stderr  # the CLI says which and why
    assert "JAX backend" in out.stdout  # compared, or not, under its label


def test_each_timed_step_ends_when_its_computation_has_ended_on_jax(auto_without_tensorflow):
    """JAX dispatches asynchronously: a step timed at dispatch would be near zero and the epoch's time would pile up
    at its end. Each step's time is taken when its loss is read (which waits for it): the steps add up to the epoch's
    training wall time, and the epoch's parts to the whole fit, within 2%, and no step is a mere dispatch. (TensorFlow's
    half: test_engine.test_each_timed_step_ends_when_its_computation_has_ended_on_tensorflow.)"""
    _, r = auto_without_tensorflow
    assert r["software"]["backend"] == "jax"
    assert_steps_add_up(r, "jax")


def test_models_and_a_probe_run_on_jax_without_tensorflow(tmp_path):
    out = without_tensorflow("models", "--backend", "jax")
    assert out.returncode == 0, out.stderr[-3000:]
    assert "parameters 30,239,690" in out.stdout and "parameters 118,002,738" in out.stdout
    probe = without_tensorflow("maxbatch", "--model", "model_a", "--backend", "jax", "--start", "8", "--max", "8",
                               "--output", str(tmp_path / "m.json"))
    assert probe.returncode == 0, probe.stderr[-3000:]
    result = json.loads((tmp_path / "m.json").read_text())
    assert result["max_batch_size"] == 8 and result["backend"] == "jax" and result["reached_limit"]


def test_on_jax_a_memory_ceiling_is_host_oom_a_kill_keeps_the_epochs_and_stop_cancels():
    """The failures of the TensorFlow tests (test_failures.py), provoked for real on JAX: a 0.9 GB ceiling, SIGKILL
    after two finished epochs, and Stop at the first steps; the parent survives each and saves the report."""
    from dlbench_gui.runner.runner import BenchmarkRunner
    from tests.conftest import tiny_config
    from tests.integration.provoked import killed_after_two_epochs, stopped_at_first_steps

    oom = BenchmarkRunner(tiny_config(backend="jax", host_memory_limit_gb=0.9)).run()  # with telemetry, as always
    assert oom.status == "failed" and oom.error["kind"] == "host_oom", oom.error

    killed = killed_after_two_epochs(backend="jax")
    assert killed.status == "failed" and killed.error["kind"] == "crash" and "SIGKILL" in killed.error["message"]
    assert [e["epoch"] for e in killed.timing["epochs"]] == [1, 2] and killed.software["backend"] == "jax"

    cancelled, alive = stopped_at_first_steps(backend="jax")
    assert cancelled.status == "cancelled" and not alive  # no JAX child outlives its run


def test_on_jax_two_cpu_devices_train_data_parallel_with_the_published_global_batch(tmp_path):
    """--cpu-devices 2 --devices 2 on JAX: the CPU as two XLA host devices (--xla_force_host_platform_device_count),
    keras.distribution.DataParallel over them; the report's `distribution` block as on TensorFlow. In mixed bfloat16
    (Keras' own policy), which JAX runs on this CPU too."""
    path = tmp_path / "two.json"
    out = subprocess.run([PY, "-m", "dlbench_gui", "run", *TINY, "--backend", "jax", "--cpu-devices", "2", "--devices",
                          "2", "--precision", "mixed_bfloat16", "--output", str(path)], capture_output=True, text=True,
                         cwd=ROOT, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    check_contract(path)
    r = json.loads(path.read_text())
    assert r["model"]["precision"] == "mixed_bfloat16" and "bfloat16" in out.stdout  # Keras' policy on JAX, labelled
    d = r["distribution"]
    assert d["strategy"] == "keras.distribution.DataParallel" and d["replicas"] == 2 and d["workers"] == 1
    assert d["global_batch_size"] == 64 and d["per_replica_batch_size"] == 32 and d["keras_package"] == "keras"
    assert len(d["devices"]) == 2 and all(x.startswith("cpu:") for x in d["devices"])


def test_on_jax_two_local_workers_train_in_step_through_keras_distribution(tmp_path):
    """Two `dlbench run --backend jax --cluster` processes on 127.0.0.1: keras.distribution.initialize (jax.distributed,
    gloo CPU collectives), DataParallel over both processes' devices, each worker feeding its own half of every global
    batch. Both complete, say two workers, carry the chief's cluster tag and end with the same loss."""
    from tests.integration.test_distribution import free_ports, start

    ports = free_ports(2)
    cluster = ",".join(f"127.0.0.1:{p}" for p in ports)
    procs, logs = [], []
    for i in (0, 1):
        logs.append(open(tmp_path / f"w{i}.log", "w"))
        procs.append(start([*TINY, "--backend", "jax", "--cluster", cluster, "--task-index", str(i), "--output",
                            str(tmp_path / f"r{i}.json")], tmp_path / f"h{i}", logs[-1]))
    for p in procs:
        assert p.wait(timeout=900) == 0, (tmp_path / "w0.log").read_text()[-2500:] + (tmp_path / "w1.log").read_text()[-2500:]
    reports = [json.loads((tmp_path / f"r{i}.json").read_text()) for i in (0, 1)]
    for i, r in enumerate(reports):
        check_contract(tmp_path / f"r{i}.json")
        d = r["distribution"]
        assert d["workers"] == 2 and d["replicas"] == 2 and d["task_index"] == i and d["chief"] is (i == 0)
        assert d["strategy"] == "keras.distribution.DataParallel" and d["keras_package"] == "keras"
        assert r["software"]["backend"] == "jax" and r["timing"]["inference"]["total_s"] > 0
    assert reports[0]["distribution"]["cluster_run"] == reports[1]["distribution"]["cluster_run"]
    assert reports[0]["timing"]["epochs"][-1]["loss"] == reports[1]["timing"]["epochs"][-1]["loss"]


def test_on_jax_a_worker_that_never_comes_is_named_as_on_tensorflow(tmp_path):
    from tests.integration.test_distribution import free_ports

    ports = free_ports(2)
    path = tmp_path / "alone.json"
    out = subprocess.run([PY, "-m", "dlbench_gui", "run", *TINY, "--backend", "jax", "--cluster",
                          f"127.0.0.1:{ports[0]},127.0.0.1:{ports[1]}", "--task-index", "0", "--cluster-timeout", "5",
                          "--output", str(path)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 1, out.stderr[-2000:]
    error = json.loads(path.read_text())["error"]
    assert error["kind"] == "cluster_unreachable" and f"127.0.0.1:{ports[1]}" in error["message"]


def test_on_jax_killing_one_worker_mid_run_names_it_on_the_survivor(tmp_path):
    """As on TensorFlow (test_distribution.py): the second worker's training child killed with SIGKILL mid-fit; the
    survivor's gloo collective fails at once and its report says worker_lost, naming worker 1."""
    from tests.integration.test_distribution import kill_second_worker_mid_run, still_running

    ports, lost, killed, everyone = kill_second_worker_mid_run(
        tmp_path, ["--epochs", "20", "--train-samples", "256", "--val-samples", "64", "--backend", "jax"])
    assert lost["error"]["kind"] == "worker_lost", lost["error"]
    assert lost["error"]["worker"] == {"task_index": 1, "address": f"127.0.0.1:{ports[1]}"}
    assert killed["error"]["kind"] == "crash" and "killed by signal SIGKILL" in killed["error"]["message"]
    assert not still_running(everyone)
