"""Smoke test of the packaged app (`make package-test`): the frozen executable, not the source tree.

(a) A tiny real benchmark through `dist/dlbench/dlbench run …` (its own worker child, frozen too), headless, once on
    TensorFlow and once on Keras 3's JAX backend (a few batches: JAX on a CPU is slow), or for the PyTorch variant
    (`smoke_test.py dist-pytorch torch`) once on native PyTorch;
    the report it writes must hold measured, positive times and the app's version, and pass the frozen app's
    own `dlbench validate` (the JSON Schema travels in the bundle's resources).
(b) The frozen GUI started offscreen must log that it reached its event loop, with no import error.
Exit 0 when both pass; otherwise one line per failure and exit 1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_benchmark(exe: Path, home: Path, backend: str = "tensorflow") -> list[str]:
    out = home / f"smoke-report-{backend}.json"
    cmd = [str(exe), "run", "--model", "model_a", "--dataset", "mnist", "--profile", "custom", "--data", "synthetic",
           "--epochs", "1", "--train-samples", "128", "--val-samples", "64", "--backend", backend, "--output", str(out)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, env={**os.environ, "DLBENCH_HOME": str(home)}, capture_output=True, text=True,
                          timeout=900)
    print(f"(a) frozen CLI run on {backend}: exit {proc.returncode} in {time.perf_counter() - t:.1f} s")
    if proc.returncode != 0:
        return [f"frozen `dlbench run` exited {proc.returncode}: {proc.stderr.strip()[-2000:]}"]
    problems = []
    report = json.loads(out.read_text())
    if report.get("status") != "completed":
        problems.append(f"report status is {report.get('status')!r}, not 'completed': {report.get('error')}")
    timing = report.get("timing") or {}
    measured = {"execution_time_s": timing.get("execution_time_s"),
                "inference total_s": (timing.get("inference") or {}).get("total_s")}
    for key, value in measured.items():
        if not (isinstance(value, (int, float)) and value > 0):
            problems.append(f"report timing {key} is {value!r}")
    from dlbench_gui import __version__

    if report.get("app_version") != __version__:
        problems.append(f"report app_version {report.get('app_version')!r} != {__version__}")
    software = report.get("software", {})
    if software.get("backend") != backend or software.get(backend) in (None, "", "unknown"):
        problems.append(f"report does not name the {backend} backend and its version: {software.get('backend')!r}, "
                        f"{software.get(backend)!r} (package metadata missing from the bundle?)")
    chk = subprocess.run([str(exe), "validate", str(out)], capture_output=True, text=True, timeout=120)
    print(f"    frozen `dlbench validate`: exit {chk.returncode} {chk.stdout.strip()[-300:]}")
    if chk.returncode != 0 or not chk.stdout.startswith("ok: "):
        problems.append(f"the frozen app's own contract check rejects its report: {chk.stdout}{chk.stderr}")
    print(f"    measured: execution {measured['execution_time_s']} s, inference {measured['inference total_s']} s")
    return problems


def run_gui(exe: Path, home: Path) -> list[str]:
    env = {**os.environ, "DLBENCH_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    t = time.perf_counter()
    proc = subprocess.run([str(exe), "--quit-after", "1", "--settings", str(home / "settings.ini")], env=env,
                          capture_output=True, text=True, timeout=120)
    print(f"(b) frozen GUI offscreen: exit {proc.returncode} in {time.perf_counter() - t:.1f} s")
    log_path = home / "logs" / "gui.log"
    log = log_path.read_text() if log_path.exists() else ""
    problems = []
    if proc.returncode != 0:
        problems.append(f"frozen GUI exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    if "event loop running (ML frameworks imported: none)" not in log:  # the window loads no ML framework
        problems.append(f"the GUI log never says 'event loop running (ML frameworks imported: none)':\n{log}\n"
                        f"{proc.stderr[-2000:]}")
    for bad in ("ImportError", "ModuleNotFoundError", "Traceback", "CRITICAL"):
        if bad in log or bad in proc.stderr:
            problems.append(f"'{bad}' in the frozen GUI's output:\n{log}\n{proc.stderr[-2000:]}")
    print("    " + "\n    ".join(line.split(": ", 1)[-1] for line in log.splitlines()))
    return problems


def main() -> int:
    dist = sys.argv[1] if len(sys.argv) > 1 else "dist"  # `make package-test GPU=1` tests dist-gpu/
    # the frameworks the package carries: TensorFlow and JAX, or (`make package-pytorch-test`) PyTorch alone
    backends = sys.argv[2].split(",") if len(sys.argv) > 2 else ["tensorflow", "jax"]
    exe = ROOT / dist / "dlbench" / ("dlbench.exe" if os.name == "nt" else "dlbench")
    if not exe.exists():
        print(f"no packaged executable at {exe}: run `make package` first")
        return 1
    with tempfile.TemporaryDirectory(prefix="dlbench-smoke-") as tmp:
        home = Path(tmp)
        problems = [p for b in backends for p in run_benchmark(exe, home / f"cli-{b}", b)] + run_gui(exe, home / "gui")
    for p in problems:
        print("FAIL:", p)
    print("package smoke test:", "FAILED" if problems else "passed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
