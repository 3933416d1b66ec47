"""The simple kernels (#25) for real: `dlbench run --profile kernels` in real processes, on TensorFlow and on JAX,
the matrix parts at the published shapes (NumPy and SciPy on this CPU), convolve2d estimated from a short quick pass.
convolve2d runs in float32 here: under the published mixed_float16 one step takes about 42 s on this CPU (no float16
arithmetic; docs/benchmarks.md), which the suite cannot afford; mixed_float16 itself is Keras' own policy, as for the
models."""

import json
import os
import subprocess

import pytest

from tests.conftest import PY, ROOT
from tests.integration.test_engine import check_contract

pytestmark = pytest.mark.slow


def kernels_run(tmp_path, *args, env=None):
    path = tmp_path / "k.json"
    out = subprocess.run([PY, "-m", "dlbench_gui", "run", "--profile", "kernels", "--data", "synthetic",
                          "--precision", "float32", *args, "--output", str(path)], capture_output=True, text=True,
                         cwd=ROOT, timeout=900, env={**os.environ, **(env or {})})
    return out, path


def check_kernels(path):
    check_contract(path)
    r = json.loads(path.read_text())
    k = r["kernels"]
    for part, n in (("dense_matmul", 5), ("sparse_matmul", 4)):
        p = k[part]
        assert len(p["products"]) == n and p["total_s"] > 0
        assert p["total_s"] == pytest.approx(sum(x["generate_s"] + x["product_s"] for x in p["products"]), rel=1e-6)
        assert all(x["flops_per_s"] > 0 and x["generate_s"] > 0 for x in p["products"])
    conv = k["convolve2d"]
    assert conv["how"] == "estimated" and conv["interval_s"][0] < conv["seconds"] < conv["interval_s"][1]
    assert conv["precision"] == "float32" and not conv["as_published"]
    assert set(k["comparison"]) == {"setup-1", "setup-2", "setup-3", "setup-4"}
    assert all(row["total_ratio"] > 0 and len(row["ratio"]) == 3 for row in k["comparison"].values())
    assert any(lib.get("user_api") == "blas" for lib in k["blas"]["libraries"])
    assert k["network"]["params"] == 2_491_210 and "inference" not in r["timing"]  # no inference, as published
    return r


def test_the_kernels_profile_runs_on_tensorflow_and_compares_with_the_published_setups(tmp_path, dlbench_home):
    out, path = kernels_run(tmp_path, "--quick-budget", "5")
    assert out.returncode == 0, out.stderr[-3000:]
    r = check_kernels(path)
    assert r["software"]["backend"] == "tensorflow" and r["config"]["epochs"] == 10
    assert "== SIMPLE KERNELS ==" in out.stdout and "This machine runs the simple kernels" in out.stdout
    assert "dense_matmul total (published figure)" in out.stdout and "not as published" in out.stdout
    csv_path = tmp_path / "k.csv"
    exported = subprocess.run([PY, "-m", "dlbench_gui", "export", str(path), "--output", str(csv_path)],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert exported.returncode == 0, exported.stderr
    from dlbench_gui.export.csv_export import read_csv

    row = read_csv(csv_path)[0]
    assert float(row["kernels_dense_matmul_s"]) > 0 and row["kernels_convolve2d_figures"] == "estimated"
    assert row["verdict"] == "kernels" and row["verdict_text"].startswith("This machine runs the simple kernels")


def test_the_kernels_profile_runs_on_jax(tmp_path, dlbench_home):
    out, path = kernels_run(tmp_path, "--quick-budget", "5", "--backend", "jax")
    assert out.returncode == 0, out.stderr[-3000:]
    assert check_kernels(path)["software"]["backend"] == "jax"


def test_out_of_memory_in_the_matrix_parts_is_classified_and_the_parent_lives(tmp_path, dlbench_home):
    """The largest dense product holds 0.67 GB of float64 matrices: under a 1 GB ceiling beside the framework it
    cannot, and the run ends as host_oom with the report written (exit 1), like the models'."""
    out, path = kernels_run(tmp_path, "--host-memory-limit", "1")
    assert out.returncode == 1, out.stderr[-3000:]
    r = json.loads(path.read_text())
    assert r["status"] == "failed" and r["error"]["kind"] == "host_oom", r["error"]


def test_a_kernels_run_stopped_in_the_sparse_part_keeps_its_finished_dense_part(dlbench_home):
    """#33 B8: Stop during the sparse products dropped the dense part that had finished. A real run, stopped as soon
    as the worker announces the sparse part: the report is cancelled and carries the dense part as measured."""
    import threading

    from dlbench_gui.core.wire import events as ev
    from dlbench_gui.runner.runner import BenchmarkRunner
    from dlbench_gui.core.config import kernels_config

    stopped = threading.Event()
    holder = {}

    def stop_at_sparse(e):
        if isinstance(e, ev.Phase) and e.phase == "sparse_matmul" and not stopped.is_set():
            stopped.set()
            holder["runner"].stop()

    holder["runner"] = runner = BenchmarkRunner(kernels_config(precision="float32", data="synthetic"),
                                                on_event=stop_at_sparse, telemetry=False)
    report = runner.run()
    assert stopped.is_set() and report.status == "cancelled", (report.status, report.error)
    kernels = json.loads(runner.report_path.read_text())["kernels"]
    dense = kernels["dense_matmul"]
    assert len(dense["products"]) == 5 and dense["total_s"] > 0 and "sparse_matmul" not in kernels
    assert kernels["times_s"]["dense_matmul"] == dense["total_s"] and kernels["times_s"]["sparse_matmul"] is None
