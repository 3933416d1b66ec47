"""The quick profile for both models on both datasets: the wall time of the whole `dlbench run --data synthetic`
(target <= 300 s on a 2-core machine), when the first verdict appeared (target <= 90 s), and each run's phase times.

`python benchmarks/quick_all_four.py [--root DIR]`: DIR runs another checkout's dlbench (the "before" of a change)
with this script, so that before and after are measured the same way, one after the other."""

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time

from common import PY, ROOT


def seconds(iso: str) -> float:
    return dt.datetime.fromisoformat(iso).timestamp()


def phases(r: dict) -> dict:
    """Where the run's time went, from its report (the measured parts, as the worker timed them)."""
    t = r["timing"]
    inf = t.get("inference") or {}
    shared = t.get("shared") or {}
    return {k: (round(v, 1) if isinstance(v, (int, float)) else v) for k, v in {
        "data_prep_s": t.get("data_prep_s"), "build_s": t.get("build_s"), "first_step_s": t.get("first_step_s"),
        "train_s": t.get("train_time_s"), "steady_steps": t.get("steady_steps_measured"),
        "val_s": t.get("val_time_s"), "checkpoint_s": t.get("checkpoint_s"),
        "load_s": inf.get("load_s"), "predict_s": inf.get("predict_s"),
        "shared_from": shared.get("with"), "report_wall_s": seconds(r["finished_at"]) - seconds(r["created_at"]),
    }.items()}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--root", default=ROOT, help="the checkout whose dlbench runs (default: this one)")
    a = p.parse_args()
    home = tempfile.mkdtemp(prefix="dlbench-bench-")
    out = os.path.join(home, "out")
    t0 = time.time()
    proc = subprocess.Popen([PY, "-m", "dlbench_gui", "run", "--profile", "quick", "--model", "all", "--dataset", "all",
                             "--data", "synthetic", "--output", out], cwd=a.root, env={**os.environ, "DLBENCH_HOME": home},
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    first_verdict = None
    for line in proc.stdout:  # the CLI prints a verdict (preliminary, then final) after each finished run
        if first_verdict is None and line.startswith("== "):
            first_verdict = time.time() - t0
    proc.wait()
    wall = time.time() - t0
    if proc.returncode != 0:
        sys.exit(f"dlbench run failed (exit {proc.returncode})")
    reports = sorted((json.load(open(os.path.join(out, f))) for f in os.listdir(out)), key=lambda r: r["created_at"])
    first_report = min(seconds(r["finished_at"]) for r in reports) - t0
    print(json.dumps({"root": a.root, "wall_s": round(wall, 1),
                      "first_verdict_printed_s": round(first_verdict, 1) if first_verdict else None,
                      "first_report_finished_s": round(first_report, 1), "runs": [
        {"run": f"{r['config']['model']}/{r['config']['dataset']}", "status": r["status"],
         "estimate_s": round(r["estimate"]["execution_time_s"]),
         "ci95_s": [round(v) for v in r["estimate"]["execution_time_ci95_s"]],
         "inference_estimate_s": round(r["estimate"].get("inference_time_s") or 0, 1),
         "steady_step_s": round(r["timing"]["steady_step_s"], 4), **phases(r)} for r in reports]}, indent=1))


if __name__ == "__main__":
    main()
