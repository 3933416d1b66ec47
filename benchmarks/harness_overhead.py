"""Harness overhead: steady seconds per training step of Model A at batch 64 through `dlbench run`, against the
bare Keras script, alternated in one run so machine noise hits both alike. Target: dlbench <= 1.02x bare."""

import json
import os
import subprocess
import sys
import tempfile

STEPS = int(os.environ.get("STEPS", 60))
ROUNDS = int(os.environ.get("ROUNDS", 4))
PY = sys.executable
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def bare() -> float:
    out = subprocess.run([PY, os.path.join(HERE, "bare_keras.py"), str(STEPS)], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])["steady_step_s"]


def dlbench() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "r.json")
        env = {**os.environ, "DLBENCH_HOME": tmp}
        subprocess.run([PY, "-m", "dlbench_gui", "run", "--model", "model_a", "--dataset", "mnist", "--profile", "custom",
                        "--epochs", "2", "--train-samples", str(STEPS * 64), "--val-samples", "64", "--data", "synthetic",
                        "--quiet", "--output", path], check=True, env=env, capture_output=True, cwd=ROOT)
        r = json.load(open(path))
        e2 = r["timing"]["epochs"][1]
        # the same quantity the bare script reports: wall of the second epoch's training steps / steps
        return e2["train_s"] / e2["steps"]


def main() -> None:
    pairs = []
    for i in range(ROUNDS):
        a, b = (bare(), dlbench()) if i % 2 == 0 else tuple(reversed((dlbench(), bare())))
        pairs.append((a, b))
        print(f"round {i + 1}: bare {a * 1000:.1f} ms/step, dlbench {b * 1000:.1f} ms/step, ratio {b / a:.3f}", flush=True)
    ratios = sorted(b / a for a, b in pairs)
    mb = sorted(a for a, _ in pairs)[len(pairs) // 2]
    md = sorted(b for _, b in pairs)[len(pairs) // 2]
    print(json.dumps({"steps": STEPS, "rounds": ROUNDS, "bare_median_s": mb, "dlbench_median_s": md,
                      "ratio_of_medians": md / mb, "median_ratio": ratios[len(ratios) // 2]}))


if __name__ == "__main__":
    main()
