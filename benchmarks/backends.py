"""TensorFlow against JAX on this machine: the steady seconds per training step of the bare Keras script
(benchmarks/bare_keras.py: the same model and compile, `fit` on synthetic data, nothing of dlbench's on the path of a
step) under each backend, alternated in one run so machine noise hits both alike.

    ROUNDS=2 python benchmarks/backends.py [model_a:STEPS model_b:STEPS ...]

JAX on this CPU is about 5x slower, so the default steps are few: model_a:20 model_b:4."""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROUNDS = int(os.environ.get("ROUNDS", 2))
CASES = [a.split(":") for a in sys.argv[1:]] or [["model_a", "20"], ["model_b", "4"]]


def step_s(model: str, steps: str, backend: str) -> float:
    out = subprocess.run([sys.executable, os.path.join(HERE, "bare_keras.py"), steps, model, backend],
                         capture_output=True, text=True, check=True, cwd=os.path.dirname(HERE))
    return json.loads(out.stdout.strip().splitlines()[-1])["steady_step_s"]


def main() -> None:
    summary = {}
    for model, steps in CASES:
        rounds = []
        for i in range(ROUNDS):
            order = ("tensorflow", "jax") if i % 2 == 0 else ("jax", "tensorflow")
            got = {b: step_s(model, steps, b) for b in order}
            rounds.append(got)
            print(f"{model} round {i + 1} ({' → '.join(order)}): TensorFlow {got['tensorflow']:.3f} s/step, "
                  f"JAX {got['jax']:.3f} s/step, JAX / TensorFlow {got['jax'] / got['tensorflow']:.2f}", flush=True)
        ratios = sorted(r["jax"] / r["tensorflow"] for r in rounds)
        summary[model] = {"steps": int(steps), "rounds": rounds, "median_jax_over_tensorflow": ratios[len(ratios) // 2]}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
