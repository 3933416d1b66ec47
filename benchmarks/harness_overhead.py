"""Harness overhead: steady seconds per training step of Model A at batch 64 through `dlbench run`, against the
bare Keras script, alternated in one run so machine noise hits both alike. Target: dlbench <= 1.02x bare.

`--before DIR`: also run the dlbench of another checkout (e.g. a git worktree of an earlier commit) in every round,
so that a change to the engine is judged side by side with what it replaced."""

import json
import os
import subprocess
import sys
import tempfile

STEPS = int(os.environ.get("STEPS", 60))
BACKEND = os.environ.get("BACKEND", "tensorflow")  # jax: on Keras 3's JAX backend; torch: native PyTorch, against
# benchmarks/bare_torch.py
ROUNDS = int(os.environ.get("ROUNDS", 4))
PY = sys.executable
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def bare() -> float:
    script = ["bare_torch.py", str(STEPS), "model_a"] if BACKEND == "torch" else ["bare_keras.py", str(STEPS), "model_a",
                                                                                BACKEND]
    out = subprocess.run([PY, os.path.join(HERE, script[0]), *script[1:]], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])["steady_step_s"]


def dlbench(root: str = ROOT) -> float:
    """`root`: the checkout whose dlbench runs (its own package first on the path, for the parent and the children)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "r.json")
        env = {**os.environ, "DLBENCH_HOME": tmp, "PYTHONPATH": root}
        subprocess.run([PY, "-m", "dlbench_gui", "run", "--model", "model_a", "--dataset", "mnist", "--profile", "custom",
                        "--epochs", "2", "--train-samples", str(STEPS * 64), "--val-samples", "64", "--data", "synthetic",
                        "--quiet", "--output", path, *(["--backend", BACKEND] if BACKEND != "tensorflow" else [])],
                       check=True, env=env, capture_output=True, cwd=root)
        r = json.load(open(path))
        e2 = r["timing"]["epochs"][1]
        # the same quantity the bare script reports: wall of the second epoch's training steps / steps
        return e2["train_s"] / e2["steps"]


def main() -> None:
    before = sys.argv[sys.argv.index("--before") + 1] if "--before" in sys.argv else None
    runs = {"bare": bare, "dlbench": dlbench, **({"before": lambda: dlbench(before)} if before else {})}
    names = list(runs)
    rounds = []
    for i in range(ROUNDS):
        order = names[i % len(names):] + names[:i % len(names)]  # rotated: each goes first in turn
        got = {name: runs[name]() for name in order}
        rounds.append(got)
        words = ", ".join(f"{n} {got[n] * 1000:.1f} ms/step" for n in names)
        ratios = ", ".join(f"{n}/bare {got[n] / got['bare']:.3f}" for n in names if n != "bare")
        print(f"round {i + 1} ({' → '.join(order)}): {words}; {ratios}", flush=True)
    med = {n: sorted(r[n] for r in rounds)[len(rounds) // 2] for n in names}
    out = {"backend": BACKEND, "steps": STEPS, "rounds": ROUNDS, **{f"{n}_median_s": med[n] for n in names}}
    for n in names[1:]:
        ratios = sorted(r[n] / r["bare"] for r in rounds)
        out[f"{n}_ratio_of_medians"] = med[n] / med["bare"]
        out[f"{n}_median_ratio"] = ratios[len(ratios) // 2]
    if before:
        out["dlbench_over_before_median_ratio"] = sorted(r["dlbench"] / r["before"] for r in rounds)[len(rounds) // 2]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
