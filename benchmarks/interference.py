"""Is another program's load caught, and is a quiet run left alone? Quick runs of Model A side by side: quiet, then
with one busy core (a plain Python loop in another process), alternating, for ROUNDS rounds.

`python benchmarks/interference.py [ROUNDS] [LOAD]` (default 2 rounds, load 1.0 = one busy core). Prints one JSON
line per run (the other programs' CPU share and the verdict from findings.interference, images/s, the estimate and
its interval) and then the ratios. The figures go to docs/benchmarks.md, "Interference"."""

import json
import subprocess
import sys
import time

from common import PY, cli_run

from dlbench_gui.core.durations import format_duration

BUSY = ("import time, sys\nload = float(sys.argv[1])\nwhile True:\n    t = time.perf_counter()\n"
        "    while time.perf_counter() - t < 0.1 * load: pass\n    time.sleep(0.1 * (1 - load))\n")


def one(busy: bool, load: float) -> dict:
    hog = subprocess.Popen([PY, "-c", BUSY, str(load)]) if busy else None
    try:
        r, wall = cli_run("--model", "model_a", "--dataset", "mnist", "--data", "synthetic", "--profile", "quick")
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()
    f = r["findings"]["interference"]
    e = r["estimate"]
    step = r["timing"]["steady_step"]["mean"]
    return {"busy": busy, "other_cpu_share": round(f["other_cpu_share"], 4), "verdict": f["verdict"],
            "images_per_s": round(64 / step, 1), "steady_step_s": round(step, 4),
            "estimate_s": round(e["execution_time_s"]), "interval_s": [round(v) for v in e["execution_time_ci95_s"]],
            "wall_s": round(wall, 1)}


def main(rounds: int, load: float) -> None:
    rows = []
    for i in range(rounds):
        for busy in (False, True) if i % 2 == 0 else (True, False):
            row = one(busy, load)
            rows.append(row)
            print(json.dumps(row), flush=True)
    print("| run | load | other CPU share | verdict | images/s | steady step | estimate | 95% interval |")
    print("|---|---|---|---|---|---|---|---|")
    for i, r in enumerate(rows):
        lo, hi = r["interval_s"]
        print(f"| {i // 2 + 1} {'busy' if r['busy'] else 'quiet'} | {load if r['busy'] else '—'} | "
              f"{100 * r['other_cpu_share']:.2f}% | {r['verdict']} | {r['images_per_s']} | {r['steady_step_s']} s | "
              f"{format_duration(r['estimate_s'])} | {format_duration(lo)} – {format_duration(hi)} |")
    quiet = [r for r in rows if not r["busy"]]
    busy = [r for r in rows if r["busy"]]
    print(json.dumps({
        "load": load,
        "quiet_other_cpu_share": [r["other_cpu_share"] for r in quiet],
        "busy_other_cpu_share": [r["other_cpu_share"] for r in busy],
        "quiet_flagged": sum(r["verdict"] == "interfered" for r in quiet),
        "busy_flagged": sum(r["verdict"] == "interfered" for r in busy),
        "slowdown_busy_over_quiet": [round(b["steady_step_s"] / q["steady_step_s"], 3) for q, b in zip(quiet, busy)],
        # does the busy run's widened interval reach down to the quiet run's estimate?
        "busy_interval_covers_quiet_estimate": [b["interval_s"][0] <= q["estimate_s"] <= b["interval_s"][1]
                                                for q, b in zip(quiet, busy)],
    }), flush=True)


if __name__ == "__main__":
    t0 = time.time()
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2, float(sys.argv[2]) if len(sys.argv) > 2 else 1.0)
    print(f"# {time.time() - t0:.0f} s", file=sys.stderr)
