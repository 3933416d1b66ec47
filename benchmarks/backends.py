"""TensorFlow, JAX and PyTorch on this machine: the steady seconds per training step of the bare scripts (benchmarks/
bare_keras.py under TensorFlow and JAX: the same model and compile, `fit` on synthetic data; benchmarks/bare_torch.py:
the same model written in PyTorch, a plain loop), nothing of dlbench's on the path of a step, alternated in one run
(the order rotates each round) so machine noise hits them alike.

    ROUNDS=2 BACKENDS=tensorflow,jax,torch python benchmarks/backends.py [model_a:STEPS model_b:STEPS ...]

JAX on this CPU is about 5x slower, so the default steps are few: model_a:20 model_b:4."""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROUNDS = int(os.environ.get("ROUNDS", 2))
BACKENDS = os.environ.get("BACKENDS", "tensorflow,jax,torch").split(",")
CASES = [a.split(":") for a in sys.argv[1:]] or [["model_a", "20"], ["model_b", "4"]]


def step_s(model: str, steps: str, backend: str) -> float:
    script = ["bare_torch.py", steps, model] if backend == "torch" else ["bare_keras.py", steps, model, backend]
    out = subprocess.run([sys.executable, os.path.join(HERE, script[0]), *script[1:]], capture_output=True, text=True,
                         check=True, cwd=os.path.dirname(HERE))
    return json.loads(out.stdout.strip().splitlines()[-1])["steady_step_s"]


def main() -> None:
    summary = {}
    for model, steps in CASES:
        rounds = []
        for i in range(ROUNDS):
            order = BACKENDS[i % len(BACKENDS):] + BACKENDS[:i % len(BACKENDS)]
            got = {b: step_s(model, steps, b) for b in order}
            rounds.append(got)
            words = ", ".join(f"{b} {got[b]:.3f} s/step" for b in BACKENDS)
            ratios = ", ".join(f"{b}/{BACKENDS[0]} {got[b] / got[BACKENDS[0]]:.2f}" for b in BACKENDS[1:])
            print(f"{model} round {i + 1} ({' → '.join(order)}): {words}; {ratios}", flush=True)
        summary[model] = {"steps": int(steps), "rounds": rounds, **{
            f"median_{b}_over_{BACKENDS[0]}": sorted(r[b] / r[BACKENDS[0]] for r in rounds)[len(rounds) // 2]
            for b in BACKENDS[1:]}}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
