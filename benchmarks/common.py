"""Helpers shared by the benchmark scripts: run the CLI in a scratch home, read its report."""

import json
import os
import subprocess
import sys
import tempfile
import time

PY = sys.executable
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cli_run(*args: str, home: str | None = None) -> tuple[dict, float]:
    """`dlbench run ARGS --output X` in a scratch DLBENCH_HOME; (report, wall seconds)."""
    home = home or tempfile.mkdtemp(prefix="dlbench-bench-")
    out = os.path.join(home, "report.json")
    t = time.perf_counter()
    proc = subprocess.run([PY, "-m", "dlbench_gui", "run", *args, "--quiet", "--output", out], cwd=ROOT,
                          env={**os.environ, "DLBENCH_HOME": home}, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"dlbench run {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr[-3000:]}")
    return json.load(open(out)), wall
