"""Helpers shared by the benchmark scripts: run the CLI in a scratch home, read its report(s)."""

import json
import os
import subprocess
import sys
import tempfile
import time

PY = sys.executable
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _dlbench_run(args: tuple[str, ...], out: str, home: str) -> float:
    t = time.perf_counter()
    proc = subprocess.run([PY, "-m", "dlbench_gui", "run", *args, "--quiet", "--output", out], cwd=ROOT,
                          env={**os.environ, "DLBENCH_HOME": home}, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"dlbench run {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr[-3000:]}")
    return wall


def cli_run(*args: str) -> tuple[dict, float]:
    """`dlbench run ARGS --output FILE` in a scratch DLBENCH_HOME; (report, wall seconds)."""
    home = tempfile.mkdtemp(prefix="dlbench-bench-")
    out = os.path.join(home, "report.json")
    wall = _dlbench_run(args, out, home)
    return json.load(open(out)), wall


def cli_run_many(*args: str) -> tuple[list[dict], float]:
    """`dlbench run ARGS --output DIR` for several runs; (reports in run order, wall seconds)."""
    home = tempfile.mkdtemp(prefix="dlbench-bench-")
    out = os.path.join(home, "out")
    wall = _dlbench_run(args, out, home)
    reports = [json.load(open(os.path.join(out, f))) for f in sorted(os.listdir(out))]
    return reports, wall


def machine_speed(seconds: float = 6.0) -> float:
    """The fixed CPU workload of machine_noise.py (1024x1024 float32 matrix products) in a fresh process: products
    per second. This machine's speed drifts by several percent over minutes (other tenants); probing it before and
    after a run says how much of a difference between two runs is the machine's own."""
    script = os.path.join(ROOT, "benchmarks", "machine_noise.py")  # the same workload as the noise benchmark
    out = subprocess.run([PY, script, "--rate", str(seconds)], capture_output=True, text=True, check=True).stdout
    return float(out.strip())
